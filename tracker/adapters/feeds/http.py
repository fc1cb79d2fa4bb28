"""HTTP fetching of feeds and article pages with hard limits.

Each limit exists because a news site, or someone posing as one, once broke a feed reader
that lacked it: a total deadline (slow-drip bodies), a body cap counted on the decoded bytes
and enforced while decoding (gzip bombs, also nested ones: `Content-Encoding: gzip, gzip`),
at most two content codings, a redirect cap (loops), an address guard on every connection
(internal fetches through feed links and redirects, see `tracker.core.netpolicy`),
conditional GET (polite polling), Retry-After (rate limits).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import typing
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

import httpcore
import httpx

from tracker import __version__
from tracker.adapters.feeds.aio import AsyncioBackend
from tracker.adapters.feeds.pool import LeanPool
from tracker.core.feeds import FetchOutcome, FetchResult, parse_retry_after
from tracker.core.netpolicy import IPNetwork, address_refusal

MAX_REDIRECTS = 5
MAX_CONTENT_CODINGS = 2
DECODE_CHUNK = 64 * 1024  # the most decoded output produced at a time by one decoder
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)


class BlockedAddress(Exception):
    """A connection the address policy refused; the message names the address and why."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding we do not decode, or too many of them."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address against the policy and connects to
    that exact address, so the address checked is the address used (no DNS-rebinding gap).
    Every connection goes through here: feeds, article pages and each redirect hop."""

    def __init__(
        self,
        allowed: Sequence[IPNetwork] = (),
        inner: httpcore.AsyncNetworkBackend | None = None,
        resolve: Resolver | None = None,
    ) -> None:
        self.allowed = tuple(allowed)
        self._inner = inner or AsyncioBackend()
        self._resolve_name = resolve or resolve_host

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port, timeout)
        for address in addresses:  # one forbidden answer refuses the name: no mixing
            reason = address_refusal(address, self.allowed)
            if reason is not None:
                shown = host if host.strip("[]") == address else f"{host} ({address})"
                raise BlockedAddress(f"refused to connect to {shown}: {reason}")
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused to connect to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        literal = host.strip("[]")
        try:
            ipaddress.ip_address(literal)
            return [literal]  # an address literal: connected to as written
        except ValueError:
            pass
        try:
            async with asyncio.timeout(timeout):
                return await self._resolve_name(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses of a host name, in the resolver's order, without duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def build_client(
    timeout_seconds: float,
    user_agent: str,
    max_connections: int,
    allowed_networks: Sequence[IPNetwork] = (),
    resolve: Resolver | None = None,
) -> httpx.AsyncClient:
    """One client per App, so connections are pooled across feeds of the same host.

    Every connection it opens passes the address guard (`GuardedBackend`); internal
    addresses are refused unless they lie in `allowed_networks`. `resolve` replaces the
    system resolver (tests: names that resolve to chosen addresses).
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    pool = transport._pool
    if not isinstance(pool, httpcore.AsyncConnectionPool):  # pragma: no cover - no proxy set
        raise TypeError("the address guard needs a direct connection pool")
    # httpx has no public hook for the pool or its network backend: the transport's pool
    # is replaced by one with the same limits, TLS context and keep-alive expiry whose
    # bookkeeping does not grow with the number of connections (tracker.adapters.feeds.pool).
    transport._pool = LeanPool(  # type: ignore[assignment]
        GuardedBackend(allowed_networks, resolve=resolve),
        max_connections,
        ssl_context=pool._ssl_context,
        keepalive_expiry=pool._keepalive_expiry,
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": user_agent.format(version=__version__),
            "Accept-Encoding": "gzip, deflate",
        },
        trust_env=False,
    )


class _Decoder:
    """One content coding undone with a bounded output: zlib's `max_length` caps what one
    call produces, the rest of the input waits in `unconsumed_tail`. A stage never holds
    more than DECODE_CHUNK of output, however much the input expands."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._raw_deflate_tried = coding != "deflate"
        wbits = zlib.MAX_WBITS | 16 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            yield from self._drain(piece)

    def finish(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        yield from self.feed(pieces)
        tail = self._obj.flush(DECODE_CHUNK)
        if tail:
            yield tail

    def _drain(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._obj.decompress(data, DECODE_CHUNK)
            except zlib.error as exc:
                if self._started or self._raw_deflate_tried:
                    raise httpx.DecodingError(f"{self.coding}: {exc}") from exc
                # "deflate" is sent both zlib-wrapped and raw; try raw once, as httpx does.
                self._raw_deflate_tried = True
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._started = True
            before, data = len(data), self._obj.unconsumed_tail
            if out:
                yield out
            elif len(data) == before:
                return  # no progress (cannot happen with zlib; never spin)
            if self._obj.eof:
                return  # anything after the end of the stream is ignored


def content_decoders(header: str | None) -> list[_Decoder]:
    """Decoders for a Content-Encoding header, outermost coding first.

    Refuses more than MAX_CONTENT_CODINGS codings and any coding but gzip and deflate (we
    only ask for those): an unknown one cannot be read and could hide a bomb.
    """
    codings = [c.strip().lower() for c in (header or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > MAX_CONTENT_CODINGS:
        raise UnsupportedEncoding(
            f"refused {len(codings)} content codings ({header}); at most {MAX_CONTENT_CODINGS}"
        )
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise UnsupportedEncoding(f"refused unsupported content coding {coding!r}")
    return [_Decoder(c) for c in reversed(codings)]


def _decode(decoders: list[_Decoder], raw: bytes | None) -> Iterator[bytes]:
    """Push `raw` through every layer lazily; None flushes the layers at the end."""
    pieces: Iterable[bytes] = [raw] if raw is not None else []
    for decoder in decoders:
        pieces = decoder.feed(pieces) if raw is not None else decoder.finish(pieces)
    yield from pieces


async def _finish_empty(resp: httpx.Response) -> None:
    """Read the end of a response that has no body (304), so its connection is kept."""
    async for _ in resp.aiter_raw():
        pass


class BodyTooLarge(Exception):
    """The decoded body passed max_body_bytes."""


class Fetcher:
    def __init__(
        self, client: httpx.AsyncClient, timeout_seconds: float, max_body_bytes: int
    ) -> None:
        self.client = client
        self.timeout_seconds = timeout_seconds
        self.max_body_bytes = max_body_bytes

    async def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """Fetch once; never raises for network or HTTP trouble, it returns an ERROR result."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag  # echoed verbatim, weak validators included
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._fetch(url, headers, started)
        except TimeoutError:
            return self._error(f"timed out after {self.timeout_seconds:g} s", started)
        except httpx.TooManyRedirects:
            return self._error(f"too many redirects (more than {MAX_REDIRECTS})", started)
        except httpx.TimeoutException:
            return self._error(f"timed out after {self.timeout_seconds:g} s", started)
        except httpx.DecodingError as exc:
            return self._error(f"could not decode the response body: {exc}", started)
        except BodyTooLarge:
            return self._error(
                f"response body larger than max_body_bytes ({self.max_body_bytes} bytes)",
                started,
                kind="too_large",
            )
        except BlockedAddress as exc:
            return self._error(str(exc), started, kind="blocked")
        except UnsupportedEncoding as exc:
            return self._error(str(exc), started, kind="encoding")
        except httpx.HTTPError as exc:
            return self._error(f"{type(exc).__name__}: {exc or 'request failed'}", started)
        except (ValueError, OSError) as exc:  # invalid URLs, odd sockets
            return self._error(f"{type(exc).__name__}: {exc}", started)

    async def _fetch(self, url: str, headers: dict[str, str], started: float) -> FetchResult:
        async with self.client.stream("GET", url, headers=headers) as resp:
            status = resp.status_code
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            final_url = str(resp.url)
            if status == 304:
                # A 304 has no body, but the connection goes back to the pool only once the
                # end of the response is read: without this every 304 closed its connection
                # and the next feed paid a new TCP connection.
                await _finish_empty(resp)
                return FetchResult(
                    FetchOutcome.NOT_MODIFIED,
                    status=status,
                    headers=resp_headers,
                    final_url=final_url,
                    duration_seconds=time.monotonic() - started,
                )
            if status == 410:
                return FetchResult(
                    FetchOutcome.GONE,
                    status=status,
                    error="HTTP 410 Gone",
                    final_url=final_url,
                    duration_seconds=time.monotonic() - started,
                )
            if status >= 400:
                retry_after = None
                if status in (429, 503):
                    retry_after = parse_retry_after(
                        resp.headers.get("retry-after"), datetime.now(UTC)
                    )
                return FetchResult(
                    FetchOutcome.ERROR,
                    status=status,
                    headers=resp_headers,
                    error=f"HTTP {status} {resp.reason_phrase}".strip(),
                    retry_after_seconds=retry_after,
                    final_url=final_url,
                    duration_seconds=time.monotonic() - started,
                )
            body = await self._read_capped(resp)
        outcome = FetchOutcome.OK if body.strip() else FetchOutcome.NOT_MODIFIED
        return FetchResult(
            outcome,
            status=status,
            body=body,
            headers=resp_headers,
            etag=resp_headers.get("etag"),
            last_modified=resp_headers.get("last-modified"),
            final_url=final_url,
            duration_seconds=time.monotonic() - started,
        )

    async def _read_capped(self, resp: httpx.Response) -> bytes:
        """The decoded body, refused once it passes max_body_bytes: decoding is done here,
        layer by layer in bounded pieces, so no more than one piece beyond the cap is held."""
        declared = resp.headers.get("content-length")
        if (
            declared
            and declared.isdigit()
            and "content-encoding" not in resp.headers
            and int(declared) > self.max_body_bytes
        ):
            raise BodyTooLarge
        decoders = content_decoders(resp.headers.get("content-encoding"))
        chunks: list[bytes] = []
        size = 0
        async for raw in resp.aiter_raw():
            for piece in _decode(decoders, raw):
                size += len(piece)
                if size > self.max_body_bytes:
                    raise BodyTooLarge
                chunks.append(piece)
        for piece in _decode(decoders, None):
            size += len(piece)
            if size > self.max_body_bytes:
                raise BodyTooLarge
            chunks.append(piece)
        return b"".join(chunks)

    @staticmethod
    def _error(message: str, started: float, kind: str | None = None) -> FetchResult:
        return FetchResult(
            FetchOutcome.ERROR,
            error=message,
            error_kind=kind,
            duration_seconds=time.monotonic() - started,
        )
