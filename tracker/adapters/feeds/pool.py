"""A connection pool for the feed fetcher whose cost does not grow with its size.

httpcore's own pool re-examines every connection it holds, and for each idle one counts the
idle ones again, whenever a request is queued or a response closed; with the fetcher's few
dozen connections that bookkeeping cost more CPU than the HTTP in a round of 1,000
conditional GETs answered 304. This pool keeps the idle connections by origin (the most
recently used is taken first) and the open ones in the order they went idle, so a request
costs a dictionary look-up.

What it keeps of httpcore's pool: at most `max_connections` connections open at once,
kept ones included (a request that needs a new connection when all are open closes the
connection idle the longest; a request finding every connection busy waits, in turn, at
most the pool timeout); a kept connection the server dropped, or idle past
`keepalive_expiry`, is closed and never reused; a connection is reused only once its
response was read to the end (httpcore's HTTP/1.1 connection decides that). Each connection
is httpcore's own (`AsyncHTTPConnection`: connect through the given network backend, TLS,
HTTP/1.1), so requests and responses, errors and timeouts are httpcore's.
"""

from __future__ import annotations

import asyncio
import ssl
import typing
from collections.abc import AsyncIterator

import httpcore

_Key = tuple[bytes, bytes, int]


def _key(origin: httpcore.Origin) -> _Key:
    """httpcore's Origin compares by value but cannot be hashed."""
    return (origin.scheme, origin.host, origin.port)


class LeanPool:
    def __init__(
        self,
        network_backend: httpcore.AsyncNetworkBackend,
        max_connections: int,
        ssl_context: ssl.SSLContext | None = None,
        keepalive_expiry: float | None = None,
    ) -> None:
        self._backend = network_backend
        self._ssl_context = ssl_context
        self._keepalive_expiry = keepalive_expiry
        self._slots = asyncio.Semaphore(max_connections)  # requests under way
        self._max = max_connections
        self._idle: dict[_Key, list[httpcore.AsyncHTTPConnection]] = {}
        # Every idle connection, in the order it went idle (a dict as an ordered set).
        self._idle_order: dict[httpcore.AsyncHTTPConnection, _Key] = {}
        self._busy: set[httpcore.AsyncHTTPConnection] = set()

    @property
    def open_connections(self) -> int:
        return len(self._busy) + len(self._idle_order)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        scheme = request.url.scheme
        if scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme.decode()}://'."
            )
        await self._acquire_slot(request.extensions.get("timeout", {}).get("pool"))
        try:
            while True:
                conn = await self._connection_for(request.url.origin)
                try:
                    response = await conn.handle_async_request(request)
                except httpcore.ConnectionNotAvailable:
                    # A kept connection that could not take the request after all: drop it
                    # and use another (httpcore's pool does the same).
                    await self._drop(conn)
                    continue
                except BaseException:
                    await self._drop(conn)
                    raise
                break
        except BaseException:
            self._slots.release()
            raise
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_ReturningStream(response.stream, self, conn),
            extensions=response.extensions,
        )

    async def _acquire_slot(self, timeout: float | None) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout("no connection became free in time") from None

    async def _connection_for(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        """A kept connection to `origin` still usable, or a new one (closing the longest
        idle connection when all `max_connections` are open)."""
        kept = self._idle.get(_key(origin))
        while kept:
            conn = kept.pop()
            del self._idle_order[conn]
            if conn.is_closed():
                continue
            if conn.has_expired() or not conn.is_available():
                await conn.aclose()
                continue
            self._busy.add(conn)
            return conn
        if self.open_connections >= self._max and self._idle_order:
            oldest, its_key = next(iter(self._idle_order.items()))
            del self._idle_order[oldest]
            self._idle[its_key].remove(oldest)
            await oldest.aclose()
        conn = httpcore.AsyncHTTPConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            network_backend=self._backend,
        )
        self._busy.add(conn)
        return conn

    async def _drop(self, conn: httpcore.AsyncHTTPConnection) -> None:
        self._busy.discard(conn)
        await conn.aclose()

    async def _returned(self, conn: httpcore.AsyncHTTPConnection) -> None:
        """A response was closed: its connection is kept if it can serve another request."""
        self._busy.discard(conn)
        try:
            if conn.is_idle() and not conn.has_expired():
                key = _key(conn._origin)
                self._idle.setdefault(key, []).append(conn)
                self._idle_order[conn] = key
            elif not conn.is_closed():
                await conn.aclose()
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        everything = [*self._busy, *self._idle_order]
        self._busy.clear()
        self._idle.clear()
        self._idle_order.clear()
        for conn in everything:
            await conn.aclose()

    async def __aenter__(self) -> LeanPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _ReturningStream:
    """A response body that hands its connection back to the pool once closed."""

    def __init__(
        self,
        stream: typing.AsyncIterable[bytes],
        pool: LeanPool,
        conn: httpcore.AsyncHTTPConnection,
    ) -> None:
        self._stream = stream
        self._pool = pool
        self._conn = conn
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._stream, "aclose", None)
            if close is not None:
                await close()
        finally:
            await self._pool._returned(self._conn)
