"""Memory of a process tree, sampled from /proc (Linux): the peak of each process (VmHWM, as
the kernel keeps it) and the peak of the tree's summed RSS. Parser workers are recycled
(`polling.parser_max_tasks_per_child`), so a worker's peak must be read while it lives:
a thread samples every `period` seconds."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _status(pid: int) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def _kb(value: str | None) -> float:
    return int(value.split()[0]) / 1024 if value else 0.0


def descendants(root: int) -> list[int]:
    """`root` and every process below it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree.extend(frontier)
    return tree


class TreeSampler:
    """Samples the tree under `root` until stopped; peaks in MB."""

    def __init__(self, root: int, period: float = 0.2) -> None:
        self.root, self.period = root, period
        self.peak_of: dict[int, float] = {}
        self.peak_tree = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        total = 0.0
        for pid in descendants(self.root):
            status = _status(pid)
            total += _kb(status.get("VmRSS"))
            self.peak_of[pid] = max(self.peak_of.get(pid, 0.0), _kb(status.get("VmHWM")))
        self.peak_tree = max(self.peak_tree, total)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.sample()

    def stop(self) -> TreeSampler:
        self.sample()
        self._stop.set()
        self._thread.join()
        return self

    @property
    def peak_root(self) -> float:
        return self.peak_of.get(self.root, 0.0)

    @property
    def peak_child(self) -> float:
        return max((mb for pid, mb in self.peak_of.items() if pid != self.root), default=0.0)
