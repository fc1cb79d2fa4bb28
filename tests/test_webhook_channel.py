"""The webhook channel against a real receiver on 127.0.0.1: signed JSON of the event
contract, outcomes a delivery loop can act on (retry, wait, dead), and the same address
guard as feed fetching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from tests.support.webhook_receiver import webhook_receiver
from tracker.adapters.feeds.http import BlockedAddress, build_client
from tracker.adapters.notify.webhook import WebhookNotifier, webhook_payload, webhook_signature
from tracker.core.alerts import Outcome, SendResult
from tracker.core.netpolicy import parse_networks

SECRET = "s3cret-for-tests"
EVENT = {"id": 12, "revision": 3, "type": "Explosions/Remote violence", "place": "Idlib"}
LOOPBACK = parse_networks(["127.0.0.1/32"])
T = TypeVar("T")


def _run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout=10)

    return asyncio.run(bounded())


def _post(url: str, payload: dict[str, Any], allowed: Any = LOOPBACK) -> SendResult:
    async def go() -> SendResult:
        client = build_client(5.0, "tracker-test", 2, allowed_networks=allowed)
        notifier = WebhookNotifier(client, refused=(BlockedAddress,))
        try:
            return await notifier.post(url, SECRET, payload)
        finally:
            await notifier.close()

    return _run(go())


def test_receiver_gets_the_event_contract_signed() -> None:
    payload = webhook_payload(EVENT, update=False)
    with webhook_receiver(SECRET) as receiver:
        before = int(time.time())
        result = _post(receiver.url, payload)
    assert result.outcome is Outcome.OK
    [got] = receiver.received
    assert got.signature_ok
    assert got.path == "/hooks/tracker"
    assert got.headers["Content-Type"] == "application/json"
    assert abs(int(got.headers["X-Tracker-Timestamp"]) - before) <= 5
    assert got.json() == {"type": "event.created", "revision": 3, "event": EVENT}


def test_update_carries_the_revision() -> None:
    with webhook_receiver(SECRET) as receiver:
        _post(receiver.url, webhook_payload({**EVENT, "revision": 4}, update=True))
    [got] = receiver.received
    assert (got.json()["type"], got.json()["revision"]) == ("event.updated", 4)


def test_signature_is_over_timestamp_and_raw_body() -> None:
    """A fixed vector, so the scheme cannot drift from what receivers implement."""
    expected = "a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
    assert webhook_signature("key", 1700000000, b'{"a":1}') == "sha256=" + expected


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (500, Outcome.TRANSIENT),
        (503, Outcome.TRANSIENT),
        (404, Outcome.PERMANENT),
        (410, Outcome.PERMANENT),
        (429, Outcome.RETRY_AFTER),
    ],
)
def test_failures_say_whether_to_retry(status: int, outcome: Outcome) -> None:
    with webhook_receiver(SECRET, [status]) as receiver:
        result = _post(receiver.url, webhook_payload(EVENT, update=False))
    assert result.outcome is outcome
    assert result.error.startswith(f"HTTP {status}")
    if status == 429:
        assert result.retry_after == 7.0


def test_a_wrong_secret_is_refused_by_the_receiver() -> None:
    with webhook_receiver("another secret") as receiver:
        result = _post(receiver.url, webhook_payload(EVENT, update=False))
    assert result.outcome is Outcome.PERMANENT  # 401: retrying will not fix the secret
    assert [r.signature_ok for r in receiver.received] == [False]


def test_internal_addresses_are_refused_unless_allowed() -> None:
    with webhook_receiver(SECRET) as receiver:
        result = _post(receiver.url, webhook_payload(EVENT, update=False), allowed=())
    assert result.outcome is Outcome.PERMANENT
    assert "127.0.0.1" in result.error and "loopback" in result.error
    assert receiver.received == []  # nothing left the process


def test_an_unreachable_receiver_is_retried() -> None:
    with webhook_receiver(SECRET) as receiver:
        url = receiver.url
    result = _post(url, webhook_payload(EVENT, update=False))  # the server is gone
    assert result.outcome is Outcome.TRANSIENT


HOOK = {"name": "siem", "channel": "webhook", "address": "https://siem.example/hook"}


def _alerts(**hook: Any) -> Any:
    from tracker.settings import Settings

    return Settings.model_validate({"alerts": {"destinations": [{**HOOK, **hook}]}})


def test_webhook_secret_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET_FOR_TEST", "from-the-env")
    [dest] = _alerts(secret_env="HOOK_SECRET_FOR_TEST").alerts.destinations
    assert dest.secret == "from-the-env"


@pytest.mark.parametrize(
    ("hook", "message"),
    [
        ({}, "needs a secret"),
        ({"secret_env": "NO_SUCH_VARIABLE_FOR_TEST"}, "NO_SUCH_VARIABLE_FOR_TEST is not set"),
        ({"secret": "k", "address": "ftp://siem.example/"}, "http:// or https://"),
        ({"secret": "k", "mode": "digest"}, "immediate alerts only"),
        ({"secret": "k", "review": True}, "immediate alerts only"),
    ],
)
def test_bad_webhook_settings_are_refused(hook: dict[str, Any], message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        _alerts(**hook)


def test_check_config_masks_the_webhook_secret(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from tracker.cli import app

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[[alerts.destinations]]\nname = "siem"\nchannel = "webhook"\n'
        'address = "https://siem.example/hook"\nsecret = "very-secret-value"\n'
    )
    out = CliRunner().invoke(app, ["--config", str(cfg), "check-config"])
    assert out.exit_code == 0, out.output
    assert "very-secret-value" not in out.output and '"secret": "***"' in out.output
