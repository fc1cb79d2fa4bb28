"""Who may read /api/v1: open on loopback, a bearer token from `[web] api_tokens` otherwise;
tokens never shown in /status, check-config or the logs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import make_settings
from tests.support import api_data
from tracker import __version__
from tracker.adapters.web import create_web_app
from tracker.app import App
from tracker.cli import app as cli
from tracker.settings import ConfigError, Settings, is_loopback, load_settings

TOKEN = "s3cret-token-0123456789abcdef"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("tracker.example.org", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_reachable_host_needs_a_token(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[web]\nhost = "0.0.0.0"\n')
    with pytest.raises(ConfigError, match=r"web: .*not a loopback address: set web\.api_tokens"):
        load_settings(cfg)
    cfg.write_text(f'[web]\nhost = "0.0.0.0"\napi_tokens = ["{TOKEN}"]\n')
    assert load_settings(cfg).web.api_tokens == [TOKEN]
    cfg.write_text('[web]\nhost = "0.0.0.0"\nenabled = false\n')
    assert load_settings(cfg).web.host == "0.0.0.0"  # nothing served, nothing to protect


def test_short_tokens_are_refused_without_echoing_them(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[web]\napi_tokens = ["short-secret"]\n')
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert "web.api_tokens" in str(err.value) and "short-secret" not in str(err.value)


def test_tokens_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_WEB__HOST", "0.0.0.0")
    monkeypatch.setenv("TRACKER_WEB__API_TOKENS", json.dumps([TOKEN]))
    assert load_settings().web.api_tokens == [TOKEN]


def test_tracker_run_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'feeds = []\n[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n[web]\nhost = "0.0.0.0"\n'
    )
    result = CliRunner().invoke(cli, ["--config", str(cfg), "run"])
    assert result.exit_code == 2
    assert "web.api_tokens" in result.output
    assert not (tmp_path / "t.db").exists()  # refused before touching anything


def test_check_config_masks_tokens(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'feeds = []\n[web]\napi_tokens = ["{TOKEN}"]\n')
    result = CliRunner().invoke(cli, ["--config", str(cfg), "check-config"])
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert json.loads(result.stdout)["web"]["api_tokens"] == "***"


@pytest.fixture
def guarded(sqlite_url: str, clock: Any) -> Iterator[tuple[TestClient, App]]:
    settings: Settings = make_settings(sqlite_url, web={"enabled": False, "api_tokens": [TOKEN]})
    app = App(settings, clock=clock)
    api_data.fill(app.engine)
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            yield client, app
    finally:
        asyncio.run(app.aclose())


@pytest.mark.parametrize(
    "path",
    ["/api/v1/events", "/api/v1/events?format=csv", "/api/v1/events/1", "/api/v1/items/1",
     "/api/v1/agreements", "/api/v1/zones"],
)  # fmt: skip
def test_every_api_path_needs_the_token(guarded: tuple[TestClient, App], path: str) -> None:
    client, _ = guarded
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN}x"}):  # fmt: skip
        r = client.get(path, headers=headers)
        assert r.status_code == 401, (path, headers)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json() == {"detail": "a valid bearer token is required"}
    assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_status_endpoints_stay_open_and_never_show_the_token(
    guarded: tuple[TestClient, App], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = guarded
    caplog.set_level(logging.DEBUG)
    assert client.get("/healthz").status_code == 200
    status = client.get("/status")
    assert status.status_code == 200 and TOKEN not in status.text
    client.get("/api/v1/events", headers={"Authorization": "Bearer wrong-token"})
    client.get("/api/v1/events", headers={"Authorization": f"Bearer {TOKEN}"})
    assert TOKEN not in caplog.text and "wrong-token" not in caplog.text


def test_loopback_default_is_open(sqlite_url: str, clock: Any) -> None:
    app = App(make_settings(sqlite_url), clock=clock)
    api_data.fill(app.engine)
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            assert client.get("/api/v1/events").status_code == 200
    finally:
        asyncio.run(app.aclose())
