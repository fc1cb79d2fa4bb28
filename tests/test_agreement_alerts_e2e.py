"""Today's Syria end to end (issue 14): `tracker run` on a fresh directory, a local feed with
one 2026 Sweida breach and one Israeli raid in Quneitra, two console alerts each citing its
agreement and article; `tracker agreements list`; agreements in force in /status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.service_run import free_port, wait_for
from tracker.cli import app
from tracker.core.agreements import AgreementRegistry, uncovered_places

SWEIDA = {
    "title": "Mortar fire hits Walgha as the Sweida truce frays",
    "guid": "sweida-2026-1",
    "link": "http://news.example/sweida-walgha",
    "description": "SWEIDA - Government forces shelled the village of Walgha, north-west of "
    "Sweida city, with mortars on Tuesday, wounding three civilians, the National Guard said. "
    "The National Guard said its fighters returned fire on government positions.",
    "pubDate": "Tue, 10 Feb 2026 12:00:00 +0000",
}
QUNEITRA = {
    "title": "Israeli troops raid village in Quneitra",
    "guid": "quneitra-2026-1",
    "link": "http://news.example/quneitra-kudna",
    "description": "Israeli forces raided the village of Kudna in the Quneitra countryside on "
    "Monday and detained two young men, local sources said. Israeli troops opened fire on "
    "residents who gathered near the village.",
    "pubDate": "Tue, 13 Jan 2026 09:00:00 +0000",
}


def _config(tmp_path: Path, feed_url: str, web_port: int) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n'
        "[polling]\ntick_seconds = 1\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        f'[web]\nhost = "127.0.0.1"\nport = {web_port}\n'
        # the reports are months old: the backlog rule would keep them quiet
        "[alerts]\nbacklog_hours = 0\n"
        f'[[feeds]]\nurl = "{feed_url}"\nname = "Local"\n'
    )
    return cfg


def _alerts(log: Path) -> list[str]:
    """Console alert blocks printed by the service."""
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return [b for b in text.split("\n--- ")[1:] if "(message " in b.split("\n", 1)[0]]


def test_run_sends_one_alert_per_breach_citing_agreement_and_article(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed = feed_server.route(
        "/feed", Reply(200, rss([SWEIDA, QUNEITRA]), {"Content-Type": "application/rss+xml"})
    )
    port = free_port()
    log = tmp_path / "log.txt"
    env = {**os.environ, "TRACKER_CONFIG": str(_config(tmp_path, feed, port))}
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "run"], env=env, cwd=tmp_path,
                            stdout=log.open("a"), stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: len(_alerts(log)) >= 2, timeout=90, what="two console alerts")
        status = httpx.get(f"http://127.0.0.1:{port}/status").json()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0, log.read_text()
    alerts = _alerts(log)
    assert len(alerts) == 2, alerts
    sweida = next(a for a in alerts if "Walgha" in a)
    quneitra = next(a for a in alerts if "Kudna" in a)
    assert "sweida-ceasefire-2025 (art. 1" in sweida
    assert "isr-syr-disengagement-1974 (art. 1" in quneitra
    ids = {a["id"] for a in status["agreements_in_force"]}
    assert {"sweida-ceasefire-2025", "isr-syr-disengagement-1974"} <= ids
    assert "agreements in force on" in log.read_text()


def test_agreements_list_at_a_date_json_and_text() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["agreements", "list", "--at", "2025-03-12", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert rows["syr-sdf-2025"]["in_force"] is True
    assert rows["syr-sdf-2025"]["side_b"] == ["syrian-democratic-forces"]
    assert rows["sochi-2018"]["in_force"] is False
    assert rows["sochi-2018"]["status"].startswith("ended 2024-11-26")
    assert rows["syr-lbn-border-2025"]["status"] == "not yet in force"
    text = runner.invoke(app, ["agreements", "list", "--at", "2019-06-01"])
    assert text.exit_code == 0
    assert "* sochi-2018:" in text.output and "  syr-sdf-2026:" in text.output


def test_agreements_list_rejects_a_bad_date() -> None:
    result = CliRunner().invoke(app, ["agreements", "list", "--at", "yesterday"])
    assert result.exit_code != 0


def test_places_no_agreement_in_force_covers() -> None:
    reg = AgreementRegistry.from_toml_dict({"a": {"name": "A", "start": "2025-01-01",
                                                  "zones": ["z"]}})
    places = [("Inside", ["z"]), ("Damascus", []), ("Elsewhere", ["other"])]
    assert uncovered_places(reg, places, date(2025, 6, 1)) == ["Damascus", "Elsewhere"]
    assert uncovered_places(reg, places, date(2024, 6, 1)) == ["Inside", "Damascus", "Elsewhere"]


def test_status_message_lists_agreements_in_force() -> None:
    from tracker.adapters.notify.telegram_text import render_status

    text = render_status({"agreements_in_force": [{"id": "syr-sdf-2026"},
                                                  {"id": "sweida-ceasefire-2025"}]})
    assert "agreements in force: syr-sdf-2026, sweida-ceasefire-2025" in text
    assert "agreements in force: none" in render_status({"agreements_in_force": []})


def test_built_in_feeds_cover_todays_fronts_with_their_languages() -> None:
    from tracker.settings import DEFAULT_FEEDS

    assert all(f.language in ("en", "ar") for f in DEFAULT_FEEDS)
    assert any(f.language == "ar" for f in DEFAULT_FEEDS)
    urls = " ".join(f.url for f in DEFAULT_FEEDS)
    assert "syriadirect.org" in urls and "Sweida" in urls and "SDF" in urls
