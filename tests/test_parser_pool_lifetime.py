"""The parser pool's helper processes never outlive the service, even a killed one.

A service killed with SIGKILL cannot shut its pool down. Its workers used to wait on their
task queue for ever, keeping the forkserver and the multiprocessing resource tracker (which
ignores SIGTERM) alive as orphans after every test run that killed a `tracker run`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import asyncio, json, sys, time
from multiprocessing import forkserver, resource_tracker
from tracker.adapters.feeds.parse import ParserPool

async def main():
    pool = ParserPool(workers=2, timeout_seconds=10)
    await pool.start()
    rss = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
    await pool.parse_feed(rss, {}, "http://127.0.0.1/feed", 10)
    pids = {
        "workers": sorted(pool._pool._processes),
        "forkserver": forkserver._forkserver._forkserver_pid,
        "tracker": resource_tracker._resource_tracker._pid,
    }
    print(json.dumps(pids), flush=True)
    time.sleep(120)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_helpers_exit_when_the_service_is_killed(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    helpers: list[int] = []
    try:
        assert proc.stdout is not None
        pids = json.loads(proc.stdout.readline())
        helpers = [*pids["workers"], pids["forkserver"], pids["tracker"]]
        assert len(helpers) == 4 and all(_alive(pid) for pid in helpers), pids
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15  # a bound on a hang, not a timing claim
        while time.monotonic() < deadline and any(_alive(pid) for pid in helpers):
            time.sleep(0.1)
        left = [pid for pid in helpers if _alive(pid)]
        assert not left, f"orphaned helper processes: {left} of {pids}"
    finally:
        proc.kill()
        for pid in helpers:  # never leave them behind, even when the test fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
