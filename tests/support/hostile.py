"""Hostile payloads and a memory probe for the security tests. A bomb is built by streaming
its zeros through the compressors: a test never holds what the bomb expands to."""

from __future__ import annotations

import functools
import os
import threading
import time
import zlib

GIB = 1 << 30


@functools.cache
def gzip_bomb(total: int = GIB, layers: int = 2) -> bytes:
    """`layers` nested gzip streams over `total` zero bytes: about 27 KB for 1 GiB through
    two layers, sent in one piece as in the attack (a reader that decodes a whole network
    chunk at once gets the whole GiB). The zeros are compressed 1 MiB at a time, never held;
    computed once per process (about 1.5 s for 1 GiB)."""
    compressors = [zlib.compressobj(1, zlib.DEFLATED, 31) for _ in range(layers)]
    block = bytes(1 << 20)
    out: list[bytes] = []

    def push(data: bytes, finish: bool) -> None:
        for comp in compressors:
            data = comp.compress(data) + (comp.flush() if finish else b"")
        out.append(data)

    for _ in range(total // len(block)):
        push(block, finish=False)
    push(b"", finish=True)
    return b"".join(out)


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
