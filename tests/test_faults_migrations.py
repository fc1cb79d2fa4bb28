"""Item 16: instances started together on a new database migrate it one at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Each process imports everything first, then waits for the go file, so that all of them
# call `tracker db upgrade` within a few milliseconds of each other.
RUNNER = """
import sys, time
from pathlib import Path
from tracker.cli import app
import tracker.adapters.storage.db, alembic.command  # noqa: F401  (imports done before go)
go = Path(sys.argv[1])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
sys.argv = ["tracker", "db", "upgrade"]
app()
"""


def _race(url: str, tmp_path: Path, count: int = 3) -> list[subprocess.CompletedProcess[str]]:
    go = tmp_path / "go"
    env = {**os.environ, "TRACKER_DATABASE__URL": url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(go)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    go.touch()
    out = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, ""))
    return out


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_concurrent_upgrades_on_a_new_database_all_succeed(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite:///{tmp_path / 'new.db'}"
    results = _race(url, tmp_path)
    for result in results:
        assert result.returncode == 0, result.stdout
        assert "database is up to date" in result.stdout
