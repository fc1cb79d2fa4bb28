"""Running `tracker run` as a real subprocess in tests: a free local port, waiting for a
condition, starting and stopping the service, and the hostile report the end-to-end tests
put in their feeds (with the Bot API token their fake Telegram expects)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

E2E_TOKEN = "123:E2E"

HOSTILE = {
    "title": "Regime shelling kills five in Kafranbel",
    "guid": "kafranbel-1",
    "link": "http://news.example/kafranbel",
    "description": "Syrian government forces shelled the town of Kafranbel in southern Idlib on "
    "Sunday, killing five civilians, the Syrian Observatory for Human Rights said.",
    "pubDate": "Mon, 10 Jun 2019 09:00:00 +0000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # server not up yet
            last_exc = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_exc})")


def start_service(cfg: Path, cwd: Path, log: Path) -> subprocess.Popen[str]:
    """`tracker run` with `cfg`, its output appended to `log`."""
    env = {**os.environ, "TRACKER_CONFIG": str(cfg)}
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "run"],
        env=env,
        cwd=cwd,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_service(proc: subprocess.Popen[str]) -> int:
    """SIGTERM (if still running) and its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)
