"""Hostile payloads and a memory probe for the security tests, all generated lazily so a
test never holds what it attacks with."""

from __future__ import annotations

import os
import threading
import time
import zlib
from collections.abc import Iterator

GIB = 1 << 30


def gzip_layers_of_zeros(total: int, layers: int = 2, flush_every: int = 16 << 20) -> Iterator[bytes]:
    """`layers` nested gzip streams over `total` zero bytes, produced as it is sent (about
    30 KB on the wire for 1 GiB through two layers). Every `flush_every` bytes of zeros all
    layers are sync-flushed, so a reader gets decodable bytes at once, not only at the end."""
    compressors = [zlib.compressobj(1, zlib.DEFLATED, 31) for _ in range(layers)]
    block = bytes(1 << 20)

    def push(data: bytes, mode: int | None) -> bytes:
        for comp in compressors:
            data = comp.compress(data) + (comp.flush(mode) if mode is not None else b"")
        return data

    for i in range(1, total // len(block) + 1):
        out = push(block, zlib.Z_SYNC_FLUSH if (i * len(block)) % flush_every == 0 else None)
        if out:
            yield out
    yield push(b"", zlib.Z_FINISH)


def rss_bytes(pid: int | None = None, field: str = "VmRSS") -> int:
    """Resident memory of a process from /proc (VmRSS now, VmHWM the peak)."""
    with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not found")


class PeakRss:
    """Samples this process's resident memory every few milliseconds while in use."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.start = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start
