"""The fetcher's network backend on asyncio streams (tracker.adapters.feeds.aio): plain and
TLS connections kept between requests, a server that closes an idle connection, and the
httpcore errors the rest of the stack expects for refusals, timeouts and bad certificates."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpcore
import pytest

from tests.support.closing_server import closing_server
from tests.support.feedserver import FeedServer, Reply
from tracker.adapters.feeds.aio import AsyncioBackend


def get_all(pool: httpcore.AsyncConnectionPool, urls: list[str]) -> list[tuple[int, bytes]]:
    async def run() -> list[tuple[int, bytes]]:
        out = []
        async with pool:
            for url in urls:
                resp = await pool.request("GET", url)
                out.append((resp.status, resp.content))
        return out

    return asyncio.run(run())


def test_plain_requests_share_a_connection(feed_server: FeedServer) -> None:
    url = feed_server.route("/a", Reply(200, b"x" * 200_000))
    small = feed_server.route("/b", Reply(304, b"", {"ETag": '"e"'}))
    pool = httpcore.AsyncConnectionPool(network_backend=AsyncioBackend())
    got = get_all(pool, [url, small, url])
    assert got == [(200, b"x" * 200_000), (304, b""), (200, b"x" * 200_000)]
    assert len({r.client for r in feed_server.requests}) == 1


def test_a_connection_the_server_closed_is_not_reused(feed_server: FeedServer) -> None:
    url = feed_server.route("/c", Reply(200, b"bye", {"Connection": "close"}))
    again = feed_server.route("/d", Reply(200, b"hi"))
    pool = httpcore.AsyncConnectionPool(network_backend=AsyncioBackend())
    assert get_all(pool, [url, again]) == [(200, b"bye"), (200, b"hi")]
    assert len({r.client for r in feed_server.requests}) == 2


def test_an_idle_connection_the_server_dropped_is_replaced() -> None:
    """The server closes a kept-alive connection without a word while it is idle in the
    pool: the next request sees that (`is_readable`) and opens a new connection instead of
    failing on the dead one."""
    with closing_server(2) as (port, peers):

        async def run() -> list[bytes]:
            out = []
            async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
                for _ in range(2):
                    out.append((await pool.request("GET", f"http://127.0.0.1:{port}/")).content)
                    await asyncio.sleep(0.3)  # the close reaches the idle connection
            return out

        assert asyncio.run(run()) == [b"ok", b"ok"]
    assert len(set(peers)) == 2


def test_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    async def connect() -> None:
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

    with pytest.raises(httpcore.ConnectError):
        asyncio.run(connect())


def test_a_silent_server_is_a_read_timeout(feed_server: FeedServer) -> None:
    async def read() -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", feed_server.port, timeout=5)
        try:
            await stream.read(1024, timeout=0.2)  # no request sent: the server says nothing
        finally:
            await stream.aclose()

    with pytest.raises(httpcore.ReadTimeout):
        asyncio.run(read())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    yield cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[FeedServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = FeedServer(tls=context).start()
    yield server
    server.stop()


def test_tls_requests_share_a_connection(
    tls_server: FeedServer, certificate: tuple[Path, Path]
) -> None:
    url = tls_server.route("/feed", Reply(200, b"<rss/>" * 5000))
    assert url.startswith("https://")
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    pool = httpcore.AsyncConnectionPool(ssl_context=trusted, network_backend=AsyncioBackend())
    assert get_all(pool, [url, url]) == [(200, b"<rss/>" * 5000)] * 2
    assert len({r.client for r in tls_server.requests}) == 1


def test_an_untrusted_certificate_is_a_connect_error(tls_server: FeedServer) -> None:
    url = tls_server.route("/feed", Reply(200, b"<rss/>"))
    pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl.create_default_context(), network_backend=AsyncioBackend()
    )
    with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get_all(pool, [url])
    assert tls_server.requests == []
