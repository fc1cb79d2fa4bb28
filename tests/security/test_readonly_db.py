"""Replayed fault (issue 13, item 11): a database that cannot be written.

`tracker poll` on a read-only SQLite file logged "tick failed", printed "0 errors" and
exited 0; `tracker run` died with a traceback; a database path whose folder is a file gave a
traceback. Now each says "database is read-only: PATH" (or why the path is unusable) in one
line and exits 1.

How the file is made read-only: these tests may run as root, and root writes through a
chmod 0444 file (and its folder), so chmod proves nothing there. SQLite's own read-only
open mode does: the URI `file:PATH?mode=ro` (SQLAlchemy: `sqlite:///file:PATH?mode=ro&
uri=true`) opens the same real file with SQLITE_OPEN_READONLY, and every write is refused
by SQLite itself with SQLITE_READONLY, "attempt to write a readonly database", exactly the
error a file without write permission gives an unprivileged user. The chmod case is run too
when the tests do not run as root.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.feedserver import FeedServer, Reply, rss
from tracker.adapters.storage import db
from tracker.cli import app as cli_app

runner = CliRunner()


def _config(path: Path, db_url: str) -> Path:
    path.write_text(
        f'feeds = []\n[database]\nurl = "{db_url}"\n'
        "[polling]\ntimeout_seconds = 5\nfetch_articles = false\n"
        "[web]\nenabled = false\n[classifier]\nenabled = false\n"
    )
    return path


_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ [\w.]+: ")


def _not_log_lines(output: str) -> list[str]:
    return [line for line in output.strip().splitlines() if not _LOG_LINE.match(line)]


def _invoke(cfg: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli_app, ["--config", str(cfg), *args])


@pytest.fixture(params=["mode=ro", "chmod"])
def read_only(request: pytest.FixtureRequest, tmp_path: Path, feed_server: FeedServer) -> Path:
    """A migrated database with one due feed, and a config that opens it read-only."""
    url = feed_server.route("/f", Reply(200, rss([{"title": "t", "guid": "1"}])))
    file = tmp_path / "tracker.db"
    writable = _config(tmp_path / "rw.toml", f"sqlite:///{file}")
    assert _invoke(writable, "feeds", "add", url).exit_code == 0
    if request.param == "mode=ro":
        return _config(tmp_path / "ro.toml", f"sqlite:///file:{file}?mode=ro&uri=true")
    if os.geteuid() == 0:
        pytest.skip("root writes through chmod 0444; the mode=ro case covers it")
    copy = tmp_path / "ro"
    copy.mkdir()
    shutil.copy(file, copy / "tracker.db")
    (copy / "tracker.db").chmod(0o444)
    copy.chmod(0o555)
    request.addfinalizer(lambda: copy.chmod(0o755))
    return _config(tmp_path / "ro.toml", f"sqlite:///{copy / 'tracker.db'}")


def _db_path(cfg: Path) -> str:
    url = cfg.read_text().split('url = "', 1)[1].split('"', 1)[0]
    return db.describe(url)


def test_poll_says_read_only_in_one_line_and_exits_1(read_only: Path) -> None:
    result = _invoke(read_only, "poll")
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [f"database is read-only: {_db_path(read_only)}"]


def test_poll_whose_tick_fails_does_not_report_0_errors(
    read_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that turns read-only after the start-up check (the start-up check is
    skipped to get there): the tick fails and the command must not print "0 errors"."""
    monkeypatch.setattr(db, "check_writable", lambda _engine: None)
    result = _invoke(read_only, "poll")
    assert result.exit_code == 1, result.output
    assert "0 errors" not in result.output and "feeds polled" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        f"database is read-only: {_db_path(read_only)}"
    )


def test_run_says_read_only_in_one_line_and_exits_1(read_only: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(read_only), "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"database is read-only: {_db_path(read_only)}"


@pytest.mark.parametrize(
    "args",
    [("poll",), ("run",), ("db", "upgrade"), ("feeds", "list"), ("digest", "--date", "2024-05-10")],
)
def test_a_path_whose_folder_is_a_file_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "afile").write_text("not a folder")
    target = tmp_path / "afile" / "sub" / "tracker.db"
    cfg = _config(tmp_path / "c.toml", f"sqlite:///{target}")
    result = _invoke(cfg, *args)
    assert result.exit_code == 1, result.output
    # `run` logs that it is starting first (a log line, not part of the error); no traceback
    assert _not_log_lines(result.output) == [
        f"database path is not usable: {target} (a file is in the way of its folder)"
    ]
