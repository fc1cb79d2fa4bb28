"""Digests from stored data: load the records a period needs, build, render.

Written against small protocols (a store and a renderer) so that tests and the web app can
use it without the scheduler or Telegram.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Literal, Protocol

from tracker.core.digest import (
    DecisionRecord,
    Digest,
    FeedRecord,
    IncidentRecord,
    PeriodKind,
    build_digest,
    last_complete_period,
    load_window,
    period_of,
)

Format = Literal["md", "html", "json", "telegram", "png"]
FORMATS: tuple[str, ...] = ("md", "html", "json", "telegram", "png")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "telegram": "text/html; charset=utf-8",
    "png": "image/png",
}
TELEGRAM_SEPARATOR = "\n\n----- next message -----\n\n"


class DigestStorePort(Protocol):
    def incidents_recorded(self, start: datetime, end: datetime) -> list[IncidentRecord]: ...

    def feeds(self) -> list[FeedRecord]: ...

    def decisions(self, start: datetime, end: datetime) -> list[DecisionRecord]: ...


class RendererPort(Protocol):
    def markdown(self, d: Digest) -> str: ...

    def html(self, d: Digest) -> str: ...

    def telegram(self, d: Digest) -> list[str]: ...

    def png(self, d: Digest) -> bytes | None: ...


@dataclass(frozen=True)
class DigestConfig:
    timezone: tzinfo
    period: PeriodKind = "day"
    top_limit: int = 10
    late_after_days: int = 2


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str


class DigestService:
    def __init__(
        self, store: DigestStorePort, renderer: RendererPort, config: DigestConfig
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.config = config

    def build(self, day: date, kind: PeriodKind | None = None) -> Digest:
        """The digest of the period (day, or Monday-to-Sunday week) that contains `day`."""
        period = period_of(day, kind or self.config.period, self.config.timezone)
        start, end = load_window(period)
        return build_digest(
            period,
            self.store.incidents_recorded(start, end),
            self.store.feeds(),
            self._decisions(period.start_at, period.end_at),
            top_limit=self.config.top_limit,
            late_after_days=self.config.late_after_days,
        )

    def due(self, now: datetime) -> Digest:
        """What a digest sent at `now` covers: the last complete day or week."""
        period = last_complete_period(now, self.config.period, self.config.timezone)
        return self.build(period.start, period.kind)

    def _decisions(self, start: datetime, end: datetime) -> Sequence[DecisionRecord] | None:
        """Analyst decisions, or None when the alerts tables are not there (skipped)."""
        try:
            return self.store.decisions(start, end)
        except Exception:  # an older schema without review columns: leave the part out
            return None

    def render(self, digest: Digest, fmt: Format) -> Rendered:
        return Rendered(self._body(digest, fmt), MEDIA_TYPES[fmt])

    def _body(self, d: Digest, fmt: Format) -> bytes:
        if fmt == "json":
            return json.dumps(d.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
        if fmt == "md":
            return self.renderer.markdown(d).encode("utf-8")
        if fmt == "html":
            return self.renderer.html(d).encode("utf-8")
        if fmt == "telegram":
            return TELEGRAM_SEPARATOR.join(self.renderer.telegram(d)).encode("utf-8")
        if fmt == "png":
            png = self.renderer.png(d)
            if png is None:
                raise LookupError("no chart renderer configured")
            return png
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
