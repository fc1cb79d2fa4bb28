"""What a reader may ask of the stored events: filters, ordering and page cursors.

One model serves the read API (as its query parameters, so unknown ones are refused with 422
and the OpenAPI document lists them) and `tracker export` (as its options), so both select
exactly the same events. Pure: the SQL lives in tracker.adapters.storage.queries.

Cursors are opaque to clients but only encode the last row's sort key and id (keyset
pagination): a page never repeats or skips an event because others were inserted meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Order = Literal["-date", "date", "-updated", "updated", "-id", "id"]
Side = Literal["government", "opposition", "other", "civilian", "unknown"]
SeverityName = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
# Dates outside these years are refused: nothing reported here is older, and the bounds keep
# date arithmetic (until + 1 day) and database drivers away from their limits.
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_PAGE = 1000
# No control characters in text filters (documented in the OpenAPI schema as well).
PRINTABLE = r"^[^\x00-\x1f]*$"


class CursorError(ValueError):
    """A cursor that was not made by this service for this ordering."""


class EventFilters(BaseModel):
    """Which events: every field narrows the selection; none set means all active events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: date | None = Field(None, description="On or after this day (YYYY-MM-DD).")
    until: date | None = Field(None, description="On or before this day (YYYY-MM-DD).")
    by: Literal["event", "recorded"] = Field(
        "event",
        description="What since/until compare: the event's date, or the UTC day its "
        "earliest report was first seen (recorded).",
    )
    violations_only: bool = Field(
        False, description="Only ceasefire violations (never those an analyst dismissed)."
    )
    agreement: str | None = Field(
        None, max_length=100, pattern=PRINTABLE, description="Agreement id."
    )
    zone: str | None = Field(None, max_length=100, pattern=PRINTABLE, description="Zone id.")
    actor: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=PRINTABLE,
        description="Part of an actor's name.",
    )
    side: Side | None = Field(None, description="An attacker on this side.")
    event_type: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        pattern=PRINTABLE,
        description="ACLED event type or sub-event type, exactly (e.g. Battles, "
        "Air/drone strike).",
    )
    min_severity: SeverityName | None = None
    status: Literal["active", "dismissed", "merged"] = Field(
        "active",
        description="active: current events an analyst did not dismiss; dismissed: those "
        "dismissed; merged: events absorbed into another (see merged_into).",
    )
    bbox: str | None = Field(
        None,
        max_length=200,
        description="min_lon,min_lat,max_lon,max_lat (WGS 84, RFC 7946 order).",
    )
    q: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=PRINTABLE,
        description="Words in the evidence or titles.",
    )
    order: Order = Field("-date", description="Sort key; '-' means descending.")

    @field_validator("since", "until", mode="before")
    @classmethod
    def _calendar_day(cls, value: Any) -> Any:
        """YYYY-MM-DD only: pydantic would also read numbers ("0.0") as Unix times."""
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("expected a day as YYYY-MM-DD")
        if not isinstance(value, str | date | None):
            raise ValueError("expected a day as YYYY-MM-DD")
        return value

    @field_validator("since", "until")
    @classmethod
    def _sane_year(cls, value: date | None) -> date | None:
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
        return value

    @field_validator("agreement", "zone", "actor", "event_type", "q", "bbox")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        """Control characters are never part of a name or a search; NUL would also end the
        string early in SQLite (matching everything) and is refused by PostgreSQL."""
        if value is not None and any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise ValueError("control characters are not allowed")
        return value

    @field_validator("bbox")
    @classmethod
    def _valid_bbox(cls, value: str | None) -> str | None:
        if value is not None:
            parse_bbox(value)
        return value

    @model_validator(mode="after")
    def _ordered_dates(self) -> EventFilters:
        if self.since and self.until and self.until < self.since:
            raise ValueError("until is before since")
        return self

    def box(self) -> tuple[float, float, float, float] | None:
        return parse_bbox(self.bbox) if self.bbox is not None else None

    def severities(self) -> tuple[str, ...] | None:
        """The severity names at or above min_severity."""
        if self.min_severity is None:
            return None
        return SEVERITIES[SEVERITIES.index(self.min_severity) :]


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """'min_lon,min_lat,max_lon,max_lat' -> floats, within WGS 84 and not inverted."""
    parts = value.split(",")
    if len(parts) != 4:
        raise ValueError("bbox needs four numbers: min_lon,min_lat,max_lon,max_lat")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise ValueError("bbox values must be numbers") from None
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise ValueError("bbox must lie within -180..180, -90..90 with min <= max")
    return w, s, e, n


@dataclass(frozen=True)
class Cursor:
    """Where the previous page stopped: its last row's sort value and id."""

    order: str
    value: Any
    last_id: int

    def encode(self) -> str:
        raw = json.dumps([self.order, self.value, self.last_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, order: str) -> Cursor:
        """The cursor in `token`; CursorError when it is damaged or made for another order."""
        if len(token) > 200:
            raise CursorError("cursor too long")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            got_order, value, last_id = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise CursorError("cursor is not one this service issued") from None
        if got_order != order:
            raise CursorError(f"cursor was issued for order={got_order!r}, not {order!r}")
        if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 <= last_id < 2**31:
            raise CursorError("cursor is not one this service issued")
        return cls(order, _cursor_value(order, value), last_id)


def _cursor_value(order: str, value: Any) -> Any:
    """The typed sort value back from JSON, checked against the ordering."""
    key = order.lstrip("-")
    try:
        if key == "date":
            day = None if value is None else date.fromisoformat(value)
            if day is None or MIN_YEAR <= day.year <= MAX_YEAR:
                return day
        elif key == "updated":
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None and MIN_YEAR <= parsed.year <= MAX_YEAR:
                return parsed
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
            return value
    except (TypeError, ValueError):
        pass
    raise CursorError("cursor is not one this service issued")


def sort_value(order: str, record: dict[str, Any]) -> Any:
    """The JSON-ready sort value of an event document, for the next cursor."""
    key = order.lstrip("-")
    if key == "date":
        return record["date"]
    if key == "updated":
        return record["updated_at"]
    return record["id"]


def next_cursor(order: str, last: dict[str, Any]) -> str:
    return Cursor(order, sort_value(order, last), int(last["id"])).encode()
