"""The command line, driven through typer's runner against real SQLite files and the local
feed server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.feedserver import FeedServer, Reply, rss
from tracker.cli import app

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'feeds = []\n[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n'
        "[polling]\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
    )
    return cfg


def invoke(config: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--config", str(config), *args])


def test_feeds_add_list_remove_and_poll(config: Path, feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/f",
        Reply(
            200,
            rss(
                [
                    {
                        "title": "Drone strike on Sarmin",
                        "guid": "1",
                        "link": "http://example.org/1",
                    },
                    {"title": "Shelling on Ariha", "guid": "2", "link": "http://example.org/2"},
                ]
            ),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    added = invoke(config, "feeds", "add", url, "--name", "Local", "--interval", "60")
    assert added.exit_code == 0 and "added feed 1" in added.output
    assert "enabled feed 1" in invoke(config, "feeds", "add", url).output

    polled = invoke(config, "poll")
    assert polled.exit_code == 0, polled.output
    assert "1 feeds polled, 2 new items, 0 errors" in polled.output

    listed = json.loads(invoke(config, "feeds", "list", "--json").output)
    assert [(f["url"], f["name"], f["items_count"], f["interval_seconds"]) for f in listed] == [
        (url, "Local", 2, 60)
    ]
    assert invoke(config, "poll").output.strip().endswith("0 feeds polled, 0 new items, 0 errors")

    removed = invoke(config, "feeds", "remove", url)
    assert removed.exit_code == 0 and "stored items kept" in removed.output
    assert "(disabled)" in invoke(config, "feeds", "list").output
    missing = invoke(config, "feeds", "remove", "http://nowhere.example/feed")
    assert missing.exit_code == 1 and "no such feed" in missing.output


def test_feeds_add_rejects_bad_url(config: Path) -> None:
    result = invoke(config, "feeds", "add", "ftp://example.org/feed")
    assert result.exit_code == 2 and "must be an http:// or https:// URL" in result.output
    assert "Value error" not in result.output


def test_feeds_check_prints_what_would_be_stored(
    config: Path, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route(
        "/c",
        Reply(
            200,
            rss(
                [
                    {
                        "title": "Clashes near Kabani",
                        "guid": "k1",
                        "link": "http://example.org/k?utm_medium=x",
                        "pubDate": "Fri, 07 Jul 2023 04:00:00 GMT",
                    },
                ]
            ),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    result = invoke(config, "feeds", "check", url)
    assert result.exit_code == 0, result.output
    assert "1 entries" in result.output and "Clashes near Kabani" in result.output
    assert "url=http://example.org/k" in result.output and "utm_medium" not in result.output
    assert "[backlog: not alerted]" in result.output  # published in 2023
    assert not (tmp_path / "cli.db").exists()  # check touches no database

    html = feed_server.route(
        "/page", Reply(200, b"<html><body>hi</body></html>", {"Content-Type": "text/html"})
    )
    bad = invoke(config, "feeds", "check", html)
    assert bad.exit_code == 1 and "not a feed" in bad.output
    down = invoke(config, "feeds", "check", feed_server.route("/down", Reply(503, b"")))
    assert down.exit_code == 1 and "HTTP 503" in down.output


def test_db_upgrade_and_check_config(config: Path, tmp_path: Path) -> None:
    result = invoke(config, "db", "upgrade")
    assert result.exit_code == 0 and "up to date" in result.output
    assert (tmp_path / "cli.db").exists()
    shown = invoke(config, "check-config")
    assert shown.exit_code == 0 and "configuration OK" in shown.output


def test_help_shows_flags_without_a_type() -> None:
    for args in (["incidents", "list", "--help"], ["feeds", "list", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "--json" in result.output
        assert "<bool>" not in result.output, result.output
    assert "<str>" in runner.invoke(app, ["incidents", "list", "--help"]).output  # --since


def test_check_config_ends_each_stream_with_a_newline(config: Path) -> None:
    shown = invoke(config, "check-config")
    assert shown.stdout.endswith("}\n") and shown.stderr == "configuration OK\n"


def _command_paths() -> list[list[str]]:
    import typer.main

    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "commands", None):
                walk(sub, [*prefix, name])
            else:
                paths.append([*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_readme_commands_table_lists_every_command() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    missing = []
    for path in _command_paths():
        whole = f"`tracker {' '.join(path)}" in section
        # "`tracker feeds list [--json]` / `add URL ...`": later subcommands share the row.
        shared = len(path) == 2 and any(
            f"`tracker {path[0]} " in row and f"`{path[1]}" in row for row in section.splitlines()
        )
        if not (whole or shared):
            missing.append(" ".join(path))
    assert len(_command_paths()) >= 16 and not missing, missing
