"""A raw HTTP server on 127.0.0.1 that answers each connection once with a keep-alive "200
ok" and then closes it without a word: the case of a pooled connection the server dropped
while it sat idle."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def closing_server(connections: int) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    """(port, peers): serve ``connections`` connections, recording each client's address."""
    listener = socket.create_server(("127.0.0.1", 0))
    peers: list[tuple[str, int]] = []

    def serve() -> None:
        for _ in range(connections):
            conn, peer = listener.accept()
            peers.append(peer)
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            # closed here, after a keep-alive answer

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], peers
    finally:
        thread.join(5)
        listener.close()
