"""Progress bars: drawn on a terminal (a real pseudo-terminal here), absent otherwise."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from tests.support.feedserver import FeedServer, Reply, rss
from tracker.cli import app
from tracker.progress import progress_bar

EVAL_CASES = Path(__file__).parent / "data" / "eval_cases.jsonl"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_and_nothing_elsewhere() -> None:
    terminal = _Terminal()
    with progress_bar("reading", terminal) as report:
        for n in range(1, 4):
            report(n, 3)
    assert "reading" in terminal.getvalue() and "3/3" in terminal.getvalue()

    pipe = io.StringIO()
    with progress_bar("reading", pipe) as report:
        report(1, 3)
    assert pipe.getvalue() == ""


def _on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `python -m tracker ARGS` with stderr on a pseudo-terminal; stdout is a pipe."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=cwd,
        env={**os.environ, **env, "COLUMNS": "100", "TERM": "xterm"},
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120  # a bound on a hang
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    out = proc.communicate(timeout=30)[0].decode()
    return proc.wait(), out, seen.decode(errors="replace")


def test_poll_reclassify_and_eval_show_a_bar_on_a_terminal(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feeds = [
        feed_server.route(
            f"/p{n}",
            Reply(
                200,
                rss([{"title": f"Shelling on Ariha {n}", "guid": str(n), "link": f"http://e/{n}"}]),
                {"Content-Type": "application/rss+xml"},
            ),
        )
        for n in range(3)
    ]
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "p.db"}"\n'
        "[polling]\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        + "".join(f'[[feeds]]\nurl = "{u}"\n' for u in feeds)
    )
    env = {"TRACKER_CONFIG": str(cfg), "TRACKER_LOGGING__LEVEL": "WARNING"}

    code, out, terminal = _on_a_terminal(["poll"], env, tmp_path)
    assert code == 0 and "3 feeds polled, 3 new items" in out, (out, terminal)
    assert "polling feeds" in terminal and "3/3" in terminal
    assert "polling feeds" not in out  # the bar never reaches stdout

    code, out, terminal = _on_a_terminal(["reclassify", "--since", "2000-01-01"], env, tmp_path)
    assert code == 0 and "reclassified 3 items" in out
    assert "reclassifying items" in terminal and "3/3" in terminal

    cases = tmp_path / "cases.jsonl"
    lines = EVAL_CASES.read_text(encoding="utf-8").splitlines()[:4]
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, terminal = _on_a_terminal(["eval", str(cases), "--json"], env, tmp_path)
    assert code == 0 and json.loads(out)
    assert "classifying cases" in terminal and "4/4" in terminal


def test_quiet_off_a_terminal(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/q", Reply(200, rss([{"title": "t", "guid": "1"}]), {"Content-Type": "text/xml"})
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "q.db"}"\n'
        f'[polling]\nfetch_articles = false\nallowed_networks = ["127.0.0.1/32"]\n'
        f'[[feeds]]\nurl = "{url}"\n'
    )
    runner = CliRunner()
    for args in (["poll"], ["reclassify", "--since", "2000-01-01"]):
        result = runner.invoke(app, ["--config", str(cfg), *args])
        assert result.exit_code == 0, result.output
        assert "polling feeds" not in result.output and "reclassifying" not in result.output
        assert "\x1b[" not in result.output
