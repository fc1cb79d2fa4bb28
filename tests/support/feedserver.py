"""A real HTTP server on 127.0.0.1 for tests and benchmarks: routes map a path to a handler
that can answer any status, header or body, stall, drip or redirect."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the headers
    drip: float = 0.0  # seconds between 1 KB chunks of the body


Handler = Callable[["Request"], Reply]


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    client: tuple[str, int] | None = None  # the client's address and port (its connection)


class FeedServer:
    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                req = Request(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    (str(self.client_address[0]), int(self.client_address[1])),
                )
                with server._lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    server.requests.append(req)
                handler = server.routes.get(self.path.split("?")[0])
                reply = handler(req) if handler else Reply(404, b"not found")
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if reply.drip:
                        for i in range(0, len(reply.body), 1024):
                            self.wfile.write(reply.body[i : i + 1024])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    return

        class _Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            # socketserver's default accept queue is 5: a client opening 50 connections
            # at once (the benches) overflowed it, and the dropped handshakes were retried
            # by the kernel after 1, 2, 4 ... 32 s (feeds "timed out after 60 s").
            request_queue_size = 1024

        self.host = host
        self._httpd = _Server((host, 0), _H)
        self._httpd.daemon_threads = True
        if tls is not None:  # HTTPS: every accepted connection does the server's handshake
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, path: str, handler: Handler | Reply) -> str:
        if isinstance(handler, Reply):
            fixed = handler
            self.routes[path] = lambda _req: fixed
        else:
            self.routes[path] = handler
        return self.url(path)


def static_feed(
    body: bytes,
    content_type: str = "application/rss+xml",
    etag: str | None = None,
    last_modified: str | None = None,
) -> Handler:
    """Serve `body`, answering 304 when the client echoes the validators."""

    def handler(req: Request) -> Reply:
        if etag and req.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        if last_modified and req.headers.get("if-modified-since") == last_modified:
            return Reply(304, b"", {"Last-Modified": last_modified})
        headers = {"Content-Type": content_type}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        return Reply(200, body, headers)

    return handler


def gzipped(body: bytes, content_type: str = "application/rss+xml") -> Reply:
    return Reply(
        200, gzip.compress(body), {"Content-Type": content_type, "Content-Encoding": "gzip"}
    )


def rss(items: list[dict[str, str]], title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>d</description>"
    ]
    for it in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate"):
            if key in it:
                parts.append(f"<{key}>{it[key]}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding, "xmlcharrefreplace")


def atom(entries: list[dict[str, str]], title: str = "Atom test") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:test</id><updated>2024-01-01T00:00:00Z</updated>"
    ]
    for e in entries:
        parts.append(
            f"<entry><title>{e['title']}</title><id>{e['id']}</id>"
            f'<link href="{e.get("link", "")}"/><updated>{e.get("updated", "2024-01-01T00:00:00Z")}</updated>'
            f"<summary>{e.get('summary', '')}</summary></entry>"
        )
    parts.append("</feed>")
    return "".join(parts).encode()


def rdf(items: list[dict[str, str]]) -> bytes:
    parts = [
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="http://example.org/"><title>RDF test</title><link>http://example.org/</link>'
        "<description>d</description></channel>"
    ]
    for it in items:
        parts.append(
            f'<item rdf:about="{it["link"]}"><title>{it["title"]}</title><link>{it["link"]}</link>'
            f"<description>{it.get('description', '')}</description><dc:date>{it.get('date', '')}</dc:date></item>"
        )
    parts.append("</rdf:RDF>")
    return "".join(parts).encode()
