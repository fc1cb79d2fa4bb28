"""The status page in people's terms (/status.html): what /status says as JSON, as a page a
person reads: feeds with their state, last success and last error, the scheduler, the alert
queue and the agreements in force. Server-rendered, no JavaScript; reloads every minute."""

from __future__ import annotations

from typing import Any

from tracker.adapters.web_pages import _environment

# The feed states of /status (tracker.core.feeds.shown_state), in words.
FEED_STATES = {
    "ok": "working",
    "degraded": "working, with errors",
    "failing": "failing (never worked yet)",
    "gone": "gone (the feed was removed)",
    "pending": "not checked yet",
}


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return "uptime unknown"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"up {days} d {hours} h"
    if hours:
        return f"up {hours} h {minutes} min"
    return f"up {minutes} min"


def render_status(doc: dict[str, Any] | None, unavailable: str | None = None) -> str:
    """The page from the /status document, or the reason it cannot be had."""
    return (
        _environment()
        .get_template("status.html.j2")
        .render(
            s=doc or {},
            unavailable=unavailable,
            uptime=_uptime((doc or {}).get("uptime_seconds")),
            feed_states=FEED_STATES,
        )
    )
