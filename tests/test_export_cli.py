"""`tracker export`: the API's exports as files, byte for byte, with the API's filters."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import FakeClock
from tests.support import api_data
from tracker import __version__
from tracker.adapters.storage import db
from tracker.adapters.web import create_web_app
from tracker.app import App
from tracker.cli import app as cli
from tracker.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = db.create_db_engine(url)
    api_data.fill(engine)
    engine.dispose()
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'feeds = []\n[database]\nurl = "{url}"\n'
        '[web]\npublic_url = "https://tracker.example.org/"\n'
    )
    return cfg


@pytest.fixture
def client(config: Path) -> Iterator[TestClient]:
    app = App(load_settings(config), clock=FakeClock())
    try:
        with TestClient(create_web_app(app, __version__)) as c:
            yield c
    finally:
        asyncio.run(app.aclose())


@pytest.mark.parametrize(
    ("args", "query"),
    [
        (["-f", "csv"], "format=csv"),
        (["-f", "csv", "--violations-only", "--since", "2024-05-01"],
         "format=csv&since=2024-05-01&violations_only=true"),
        (["-f", "geojson", "--zone", "idlib-deescalation"], "format=geojson&zone=idlib-deescalation"),
        (["-f", "jsonl", "--actor", "tahrir", "--order", "id"], "format=jsonl&actor=tahrir&order=id"),
        (["-f", "jsonl", "--status", "merged"], "format=jsonl&status=merged"),
        (["-f", "jsonl", "--event-type", "Explosions/Remote violence"],
         "format=jsonl&event_type=Explosions%2FRemote%20violence"),
        (["-f", "atom"], "format=atom"),
        (["-f", "atom", "--min-severity", "high", "--limit", "1"],
         "format=atom&min_severity=high&limit=1"),
    ],
)  # fmt: skip
def test_file_equals_the_api_download(
    config: Path, client: TestClient, tmp_path: Path, args: list[str], query: str
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--config", str(config), "export", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    # Not a terminal here: no progress bar, one line saying where the file went.
    assert result.stderr == f"wrote {out}\n"
    expected = client.get(f"/api/v1/events?{query}")
    assert expected.status_code == 200
    assert out.read_bytes() == expected.content
    if "csv" not in query:  # links point at [web] public_url in both
        assert b"https://tracker.example.org/api/v1/events/" in out.read_bytes()


def test_stdout_and_bad_options(config: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["--config", str(config), "export", "-f", "jsonl", "-o", "-"])
    assert ok.exit_code == 0 and len(ok.stdout.splitlines()) == 5
    for args, message in [
        (["-f", "xlsx"], "--format must be one of csv, geojson, atom, jsonl"),
        (["--side", "rebels"], "side: Input should be"),
        (["--since", "2024-02-30"], "since: Input should be a valid date"),
        (["--bbox", "1,2"], "bbox needs four numbers"),
    ]:
        bad = runner.invoke(cli, ["--config", str(config), "export", *args, "-o", "-"])
        assert bad.exit_code == 2 and message in bad.output, (args, bad.output)


def test_progress_bar_on_a_terminal(config: Path, tmp_path: Path) -> None:
    """With stderr on a terminal the export draws a progress bar there."""
    out = tmp_path / "tty.csv"
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(config), "export", "-o", str(out)],
        cwd=ROOT, env=env, stderr=follower, stdout=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert b"exporting" in drawn and b"100%" in drawn
    assert out.read_bytes().count(b"\r\n") == 6  # header and five events
