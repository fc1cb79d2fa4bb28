"""Alert channels, channel-neutral: where a destination is (`channel` + `address`) and what a
channel can do.

Destinations used to be Telegram chats (an integer chat id). A destination is now a channel
name and a string address in that channel's terms (a chat id for Telegram, a URL for a
webhook, a mailbox for email), and each channel declares its capabilities, so delivery asks
"can this channel edit a sent message?" instead of "is this Telegram?". Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.core.alerts import Outcome

TELEGRAM = "telegram"
CONSOLE = "console"


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do beyond sending one message per alert.

    `edit`: a sent message can be changed in place when its event changes (otherwise an
    update is a new message, or nothing). `commands`: people can talk back (bot commands such
    as /subscribe). `review`: analysts can confirm or dismiss an event from the message
    (inline buttons)."""

    edit: bool = False
    commands: bool = False
    review: bool = False


TELEGRAM_CAPABILITIES = Capabilities(edit=True, commands=True, review=True)
# The console prints edits as new blocks and shows the buttons as text, but nobody can
# answer it: no commands, no review decisions.
CONSOLE_CAPABILITIES = Capabilities(edit=True, commands=False, review=False)

# Channels whose destinations are chats, delivered by the chat sender
# (tracker.services.alert_delivery); each other channel has its own sender.
CHAT_CHANNELS = frozenset({TELEGRAM, CONSOLE})

# The console destination's stand-in chat id (no Telegram chat has id 0).
CONSOLE_CHAT_ID = 0


def telegram_address(chat_id: int) -> str:
    """A Telegram chat id as a destination address (its decimal form, sign included)."""
    return str(int(chat_id))


def channel_of_chat(chat_id: int) -> str:
    """The channel of a destination known only by its chat id (rows from before channels):
    the console's stand-in id 0, Telegram otherwise."""
    return CONSOLE if chat_id == CONSOLE_CHAT_ID else TELEGRAM


WEBHOOK = "webhook"
# A webhook cannot change what it already received; an update is a new POST carrying the
# event's revision, which is what `edit` means for it. Nobody answers a webhook.
WEBHOOK_CAPABILITIES = Capabilities(edit=True, commands=False, review=False)

SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`, the Stripe/Slack scheme:
    the timestamp is inside the MAC so a captured request cannot be replayed later with a
    fresh timestamp, and the raw body is signed (not a re-serialisation of it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_payload(event: Mapping[str, Any], *, update: bool) -> dict[str, Any]:
    """The JSON a webhook receives: the event contract of `/api/v1/events/{id}` under
    `event`, with `type` and the event's `revision` on top so a receiver can drop an update
    older than one it already has (deliveries may arrive out of order after retries)."""
    return {
        "type": "event.updated" if update else "event.created",
        "revision": event.get("revision"),
        "event": dict(event),
    }


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


EMAIL = "email"
# One message per event: a mail cannot be changed once sent, and a mailbox that got a new
# mail at every change of an event would be noise. Nobody answers it.
EMAIL_CAPABILITIES = Capabilities(edit=False, commands=False, review=False)


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def _toll(event: Mapping[str, Any]) -> str:
    low, best, high = (event.get(k) for k in ("fatalities_low", "fatalities", "fatalities_high"))
    if best is None:
        return "toll unknown"
    if low is not None and high is not None and low != high:
        return f"{best} killed ({low}-{high})"
    return f"{best} killed"


def email_message(event: Mapping[str, Any]) -> Mail:
    """An alert mail from the event contract (`/api/v1/events/{id}`): the same facts as a
    chat alert, as plain text and as HTML with every outside string escaped (feed text must
    not become markup in a mail client)."""
    place = event.get("location") or {}
    where = ", ".join(p for p in (place.get("name"), place.get("admin1")) if p) or "place unknown"
    severity = str(event.get("severity") or "").upper()
    subject = f"[{severity}] {event.get('event_type')} in {where} ({event.get('date') or '?'})"
    facts = [
        ("Event", f"#{event.get('id')} (revision {event.get('revision')})"),
        ("What", f"{event.get('event_type')} / {event.get('sub_event_type')}"),
        ("Where", where),
        ("When", str(event.get("date") or "unknown")),
        ("Toll", _toll(event)),
        ("Agreements", ", ".join(event.get("agreements") or []) or "none"),
        ("Sources", str(event.get("source_count", 0))),
    ]
    reasons = [str(r) for r in event.get("reasons") or []]
    link = str((event.get("links") or {}).get("self") or "")
    text = "\n".join(
        [f"{k}: {v}" for k, v in facts]
        + ([""] + [f"- {r}" for r in reasons] if reasons else [])
        + (["", link] if link else [])
    )
    rows = "".join(
        f"<tr><th align=left>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts
    )
    items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
    anchor = (
        f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
        if link.startswith(("http://", "https://"))
        else (f"<p>{html.escape(link)}</p>" if link else "")
    )
    body = f"<table>{rows}</table>" + (f"<ul>{items}</ul>" if items else "") + anchor
    return Mail(subject=_one_line(subject), text=text, html=f"<html><body>{body}</body></html>")


def _one_line(text: str) -> str:
    """A header value on one line (feed text must not add headers to a mail)."""
    return " ".join(text.split())[:250]
