"""Webhook channel: one signed JSON POST per alert (and one per update of its event).

The body is `webhook_payload` (the `/api/v1/events/{id}` contract),
serialised once; the signature covers exactly those bytes. The HTTP client is given by the
composition root, built with the same address guard as feed fetching
(`polling.allowed_networks`), so a webhook URL cannot reach internal addresses either;
redirects are not followed (a 3xx would turn the POST into something else, somewhere else).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tracker.core.alerts import Outcome, SendResult
from tracker.core.channels import WEBHOOK, WEBHOOK_CAPABILITIES
from tracker.core.labels import DEFAULT_LANGUAGE

SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`, the Stripe/Slack scheme:
    the timestamp is inside the MAC so a captured request cannot be replayed later with a
    fresh timestamp, and the raw body is signed (not a re-serialisation of it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_payload(
    event: Mapping[str, Any], *, update: bool, language: str = DEFAULT_LANGUAGE
) -> dict[str, Any]:
    """The JSON a webhook receives: the event contract of `/api/v1/events/{id}` under
    `event`, with `type` and the event's `revision` on top so a receiver can drop an update
    older than one it already has (deliveries may arrive out of order after retries).

    Its keys are a contract and are not translated; a webhook destination that chose
    another `language` is told so in `language`, for the receiver's own wording. Text is
    sent as UTF-8 as written (Arabic evidence and titles are not escaped to \\u sequences)."""
    payload: dict[str, Any] = {
        "type": "event.updated" if update else "event.created",
        "revision": event.get("revision"),
        "event": dict(event),
    }
    if language != DEFAULT_LANGUAGE:
        payload["language"] = language
    return payload


def webhook_outcome(status: int) -> Outcome:
    """A webhook answer's HTTP status as a delivery outcome: 2xx delivered; 429 wait as
    told; 408 and 5xx again later (the receiver is down or busy); any other status is the
    receiver saying no (wrong URL, bad signature, gone), which retrying will not change."""
    if 200 <= status < 300:
        return Outcome.OK
    if status == 429:
        return Outcome.RETRY_AFTER
    if status == 408 or status >= 500:
        return Outcome.TRANSIENT
    return Outcome.PERMANENT


# A receiver's error text is kept for `last_error`, not its whole page.
MAX_ERROR_CHARS = 300


class WebhookNotifier:
    name = WEBHOOK
    capabilities = WEBHOOK_CAPABILITIES

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        secrets: Mapping[str, str] | None = None,
        refused: tuple[type[BaseException], ...] = (),
        clock: Callable[[], float] = time.time,
        languages: Mapping[str, str] | None = None,
    ) -> None:
        """`secrets`: each webhook URL's signing secret (from the configuration, never
        stored in the database); `refused`: the exceptions the client's address guard
        raises (a refused address is permanent: retrying reaches the same address);
        `languages`: each webhook URL's chosen language (`webhook_payload`)."""
        self._client = client
        self._secrets = dict(secrets or {})
        self._refused = refused
        self._clock = clock
        self._languages = dict(languages or {})

    async def deliver(self, address: str, event: Mapping[str, Any], *, update: bool) -> SendResult:
        """The event to the webhook at `address`, signed with its configured secret."""
        secret = self._secrets.get(address)
        if not secret:
            return SendResult(Outcome.PERMANENT, error="no secret configured for this webhook")
        language = self._languages.get(address, DEFAULT_LANGUAGE)
        payload = webhook_payload(event, update=update, language=language)
        return await self.post(address, secret, payload)

    async def post(self, url: str, secret: str, payload: Mapping[str, Any]) -> SendResult:
        """POST `payload` to `url`, signed with `secret`; the answer as a SendResult."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: webhook_signature(secret, timestamp, body),
        }
        try:
            response = await self._client.post(
                url, content=body, headers=headers, follow_redirects=False
            )
        except self._refused as exc:
            return SendResult(Outcome.PERMANENT, error=str(exc))
        except httpx.HTTPError as exc:
            return SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {exc}")
        return _result(response)

    async def close(self) -> None:
        await self._client.aclose()


def _result(response: httpx.Response) -> SendResult:
    outcome = webhook_outcome(response.status_code)
    if outcome is Outcome.OK:
        return SendResult(outcome)
    error = f"HTTP {response.status_code}: {response.text[:MAX_ERROR_CHARS]}".strip()
    wait = _retry_after(response) if outcome is Outcome.RETRY_AFTER else 0.0
    return SendResult(outcome, retry_after=wait, error=error)


def _retry_after(response: httpx.Response) -> float:
    """Retry-After in seconds (delta or HTTP date); 0 when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())
