"""The attacks of issue 13 (items 1 and 2) replayed against `tracker run` as a real process:
the main process stays under 300 MB, /healthz keeps answering within a second, the bomb is
refused and counted, and the internal page linked from a feed is never asked for."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.feedserver import FeedServer, Reply, rss
from tests.support.hostile import gzip_bomb, rss_bytes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HealthProbe:
    """Asks /healthz every 50 ms from a thread and keeps the slowest answer."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.worst = 0.0
        self.answers = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    ok = client.get(self.base + "/healthz").status_code == 200
                except httpx.HTTPError as exc:
                    ok = False
                    self.failures.append(repr(exc))
                self.worst = max(self.worst, time.monotonic() - started)
                self.answers += ok
                time.sleep(0.05)

    def start(self) -> HealthProbe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_tracker_run_contains_a_bomb_and_an_internal_link(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    admin = FeedServer().start()  # an "internal service" on another local port
    try:
        admin.route("/admin", Reply(200, b"<html><body><p>secret</p></body></html>"))
        bomb = feed_server.route(
            "/bomb",
            Reply(
                200,
                gzip_bomb(),
                {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"},
            ),
        )
        linked = feed_server.route(
            "/linked",
            Reply(
                200,
                rss([{"title": "See", "guid": "1", "link": admin.url("/admin"), "description": "s"}]),
                {"Content-Type": "application/rss+xml"},
            ),
        )
        port = _free_port()
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n'
            '[polling]\ntick_seconds = 1\ntimeout_seconds = 20\nallowed_networks = ["127.0.0.1/32"]\n'
            f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
            f'[[feeds]]\nurl = "{bomb}"\n[[feeds]]\nurl = "{linked}"\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env["TRACKER_CONFIG"] = str(cfg)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        probe: HealthProbe | None = None
        try:
            _wait_for(lambda: httpx.get(base + "/healthz").status_code == 200, 60, "/healthz")
            probe = HealthProbe(base).start()
            status = _wait_for(
                lambda: (s := httpx.get(base + "/status").json())["last_tick"]["at"] and s,
                60,
                "a first tick",
            )
            time.sleep(1.0)  # the article step runs after the tick; give it its moment
            probe.stop()
            peak = rss_bytes(proc.pid, "VmHWM")
            feeds = {f["url"]: f for f in status["feeds"]}
            assert "larger than max_body_bytes" in feeds[bomb]["last_error"]
            assert feeds[linked]["items_stored"] == 1 and feeds[linked]["state"] == "ok"
            assert admin.hits == {}
            metrics = httpx.get(base + "/metrics").text
            errors = {
                s.labels["kind"]: s.value
                for f in text_string_to_metric_families(metrics)
                if f.name == "tracker_poll_errors"
                for s in f.samples
                if s.name.endswith("_total")
            }
            assert errors.get("too_large", 0) >= 1 and errors.get("article_other_site", 0) >= 1
            assert peak < 300 * 2**20, f"main process peaked at {peak / 2**20:.0f} MiB"
            assert probe.answers > 0 and not probe.failures, probe.failures[:3]
            assert probe.worst < 1.0, f"/healthz took {probe.worst:.2f} s"
        finally:
            if probe is not None:
                probe.stop()
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
    finally:
        admin.stop()
