"""`tracker run` as a real subprocess against the local feed server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.service_run import free_port, wait_for


def test_run_serves_status_and_metrics(feed_server: FeedServer, tmp_path: Path) -> None:
    good = feed_server.route(
        "/good",
        Reply(
            200,
            rss(
                [
                    {"title": "Shelling on Kafranbel", "guid": "1", "link": "http://example.org/1"},
                    {
                        "title": "Clashes on the Kabani axis",
                        "guid": "2",
                        "link": "http://example.org/2",
                    },
                ]
            ),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    bad = feed_server.route("/bad", Reply(500, b"down"))
    port = free_port()
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n'
        f"[polling]\ntick_seconds = 1\ntimeout_seconds = 5\nfetch_articles = false\n"
        'allowed_networks = ["127.0.0.1/32"]\n'
        f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[[feeds]]\nurl = "{good}"\nname = "Good"\n[[feeds]]\nurl = "{bad}"\n'
    )
    env = {**os.environ, "TRACKER_CONFIG": str(cfg)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(base + "/healthz").status_code == 200, what="/healthz")
        assert httpx.get(base + "/readyz").json()["ready"] is True

        def polled() -> dict | None:
            data = httpx.get(base + "/status").json()
            return data if data["totals"]["items"] == 2 and data["last_tick"]["at"] else None

        status = wait_for(polled, what="first poll in /status")
        assert status["scheduler_running"] is True and status["version"]
        feeds = {f["url"]: f for f in status["feeds"]}
        assert feeds[good]["state"] == "ok" and feeds[good]["items_stored"] == 2
        assert feeds[good]["name"] == "Good" and feeds[good]["last_success"]
        assert feeds[bad]["consecutive_errors"] >= 1 and "HTTP 500" in feeds[bad]["last_error"]
        assert feeds[bad]["next_check"] > feeds[bad]["last_error_at"]

        metrics = httpx.get(base + "/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
        assert {
            "tracker_polls",
            "tracker_poll_errors",
            "tracker_items_stored",
            "tracker_fetch_duration_seconds",
        } <= set(families)
        stored = [
            s.value for s in families["tracker_items_stored"].samples if s.name.endswith("_total")
        ]
        assert stored == [2.0]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "tracker stopped" in out
    lines = out.splitlines()
    # Said at once, before the seconds of imports and set-up; then one summary when ready.
    assert "tracker 0.1.0 starting" in lines[0], lines[:3]
    ready = [line for line in lines if " ready; " in line]
    assert len(ready) == 1, out
    assert f"web http://127.0.0.1:{port}" in ready[0] and "2 feeds (unknown 2)" in ready[0]
    assert "alerts: console to 1 destination(s): console" in ready[0]
    assert "agreements in force on " in ready[0] and "database sqlite:///" in ready[0]
    # One format: every log line stamped as ours (uvicorn's own is "INFO:     ..."), and no
    # APScheduler or uvicorn chatter at INFO. (Console alerts, if any, are not log lines.)
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")
    assert sum(1 for line in lines if stamp.match(line)) >= 4, out
    assert not any(re.match(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s", line) for line in lines)
    assert "Adding job" not in out and "Uvicorn running" not in out


def test_check_config_reports_errors_in_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[polling]\nmax_per_host = 0\n")
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(cfg), "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"config error in {cfg}: polling.max_per_host: Input should be greater than or equal to 1 (got 0)"
    ]
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "--config",
            str(Path(__file__).parents[1] / "config.example.toml"),
            "check-config",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["web"]["port"] == 8080
