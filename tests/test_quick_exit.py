"""`tracker poll` run as the console script leaves without the interpreter's teardown once
it has closed everything (`state.closed_cleanly`): its output, piped, is complete, its exit
code is the command's, and what it stored is in the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.feedserver import FeedServer, Reply, rss

TRACKER = Path(sys.executable).with_name("tracker")


def test_piped_poll_output_is_complete_and_stored(tmp_path: Path, feed_server: FeedServer) -> None:
    feeds = [
        feed_server.route(
            f"/q{n}",
            Reply(200, rss([{"title": f"t{n}", "guid": f"g{n}"}]), {"Content-Type": "text/xml"}),
        )
        for n in range(3)
    ]
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "q.db"}"\n'
        "[polling]\nfetch_articles = false\nallowed_networks = [\"127.0.0.1/32\"]\n"
        "[classifier]\nenabled = false\n"
        + "".join(f'[[feeds]]\nurl = "{u}"\n' for u in feeds)
    )
    env = {**os.environ, "TRACKER_LOGGING__LEVEL": "WARNING"}
    done = subprocess.run(
        [str(TRACKER), "--config", str(cfg), "poll"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert sorted(line.split()[-1] for line in lines[:-1]) == sorted(feeds)
    assert lines[-1] == "3 feeds polled, 3 new items, 0 errors"
    with sqlite3.connect(tmp_path / "q.db") as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL"
                            ).fetchone() == (3,)


def test_a_failing_command_keeps_its_exit_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(TRACKER), "--config", str(tmp_path / "missing.toml"), "poll"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2 and b"file not found" in done.stderr
