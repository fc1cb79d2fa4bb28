"""Digests from stored data: load the records a period needs, build, render, and send.

Written against small protocols (a store, a renderer, a notifier) so that tests and the web
app can use it without the scheduler or Telegram.

Sending (`DigestSender`) is at most once per (period, destination): the run is recorded
(a unique row) before the first message goes out, so a job that fires twice, a restart
during the send or a second instance finds it and sends nothing. The price is that a digest
cut short by a crash is not completed automatically; its run stays "sending" (or "failed"
when Telegram refused a later part) and is visible in the database. A run refused before
anything was delivered is "unsent" and is taken again by the next firing or `--send`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html as html_lib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial
from typing import Protocol

from tracker.core.alerts import Button, Outcome, SendResult
from tracker.core.digest import (
    DIGEST_FORMATS,
    DIGEST_MEDIA_TYPES,
    Basis,
    DecisionRecord,
    Digest,
    DigestFormat,
    FeedRecord,
    IncidentRecord,
    PeriodKind,
    build_digest,
    checked_period,
    last_complete_period,
    load_window,
)

Format = DigestFormat
FORMATS = DIGEST_FORMATS
MEDIA_TYPES = DIGEST_MEDIA_TYPES
TELEGRAM_SEPARATOR = "\n\n----- next message -----\n\n"
log = logging.getLogger(__name__)


class DigestStorePort(Protocol):
    def incidents_recorded(self, start: datetime, end: datetime) -> list[IncidentRecord]: ...

    def incidents_dated(self, start: date, end: date) -> list[IncidentRecord]: ...

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
        self._cache = RenderCache()

    def render_cached(
        self, day: date, kind: PeriodKind | None, fmt: Format, basis: Basis = "recorded"
    ) -> Rendered:
        """The rendered digest of the period containing `day`, from the cache while the
        store's fingerprint is unchanged (a burst of requests for one day renders it once).
        Thread-safe: the web app calls it from worker threads."""
        period = checked_period(day, kind or self.config.period, self.config.timezone)
        fingerprint = getattr(self.store, "fingerprint", None)
        if fingerprint is None:  # a store that cannot tell when its data changes
            return self.render(self.build(period.start, period.kind, basis), fmt)
        key: CacheKey = (period.kind, period.start, fmt, basis)
        with self._cache.rendering(key):  # the same digest asked twice at once renders once
            version = fingerprint()
            cached = self._cache.get(key, version)
            if cached is None:
                cached = self.render(self.build(period.start, period.kind, basis), fmt)
                self._cache.put(key, version, cached)
        return cached

    def build(self, day: date, kind: PeriodKind | None = None, basis: Basis = "recorded") -> Digest:
        """The digest of the period (day, or Monday-to-Sunday week) that contains `day`,
        counting events by arrival (`recorded`) or by event date (`event`)."""
        period = checked_period(day, kind or self.config.period, self.config.timezone)
        start, end = load_window(period)
        if basis == "event":
            records = self.store.incidents_dated(start.date(), end.date())
        else:
            records = self.store.incidents_recorded(start, end)
        return build_digest(
            period,
            records,
            self.store.feeds(),
            self.store.decisions(period.start_at, period.end_at),
            top_limit=self.config.top_limit,
            late_after_days=self.config.late_after_days,
            basis=basis,
        )

    def due(self, now: datetime) -> Digest:
        """What a digest sent at `now` covers: the last complete day or week."""
        period = last_complete_period(now, self.config.period, self.config.timezone)
        return self.build(period.start, period.kind)

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


CacheKey = tuple[str, date, str, str]


class RenderCache:
    """Rendered digests by (period kind, start, format), valid for one data version.

    Entries of an older version can never be served again, so storing a newer version drops
    them: the cache holds at most one data version, and at most `max_entries` of it (least
    recently used dropped first), which bounds its memory however many days are asked for.
    """

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._version: Hashable = None
        self._entries: OrderedDict[CacheKey, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self._rendering: dict[CacheKey, threading.Lock] = {}

    @contextlib.contextmanager
    def rendering(self, key: CacheKey) -> Iterator[None]:
        """Held while one digest is looked up and rendered, so that a burst of requests for
        it waits for the first render instead of repeating it."""
        with self._lock:
            if len(self._rendering) > 4 * self.max_entries:  # bounded; a dropped lock only
                self._rendering.clear()  # costs a duplicate render
            lock = self._rendering.setdefault(key, threading.Lock())
        with lock:
            yield

    def get(self, key: CacheKey, version: Hashable) -> Rendered | None:
        with self._lock:
            if version != self._version or key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: CacheKey, version: Hashable, rendered: Rendered) -> None:
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            self._entries[key] = rendered
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


# -- sending --------------------------------------------------------------------------------


class DigestRunStorePort(Protocol):
    def digest_destinations(self) -> list[tuple[int, int]]: ...

    def start_run(
        self, kind: str, start: date, destination_id: int, chat_id: int, now: datetime
    ) -> int | None: ...

    def finish_run(
        self,
        run_id: int,
        status: str,
        chat_id: int,
        message_ids: Sequence[int],
        error: str | None,
        now: datetime,
    ) -> None: ...


class DigestNotifierPort(Protocol):
    supports_html: bool

    async def send(
        self, chat_id: int, text: str, *, html: bool, buttons: Sequence[Button] = ()
    ) -> SendResult: ...

    async def send_photo(
        self, chat_id: int, photo: bytes, *, caption: str = "", html: bool = False
    ) -> SendResult: ...


@dataclass(frozen=True)
class Outgoing:
    """One digest ready to send: its messages (each under 4096 characters) and its chart."""

    label: str
    chunks: tuple[str, ...]
    html: bool
    png: bytes | None


class DigestSender:
    """Sends the digest of a period once to every destination whose mode is digest or both."""

    def __init__(
        self,
        service: DigestService,
        runs: DigestRunStorePort,
        notifier: DigestNotifierPort,
        clock: Callable[[], datetime],
        *,
        attempts: int = 3,
        retry_seconds: float = 2.0,
        max_wait_seconds: float = 60.0,
    ) -> None:
        self.service = service
        self.runs = runs
        self.notifier = notifier
        self.clock = clock
        self.attempts = attempts
        self.retry_seconds = retry_seconds
        self.max_wait_seconds = max_wait_seconds
        self._lock = asyncio.Lock()

    async def send_due(self) -> int:
        """The scheduled job: the last complete day (or week) at the local time now."""
        period = last_complete_period(
            self.clock(), self.service.config.period, self.service.config.timezone
        )
        return await self.send_period(period.start, period.kind)

    async def send_period(self, day: date, kind: PeriodKind | None = None) -> int:
        """Send the digest of the period containing `day`; returns how many destinations got
        it now (0 for those that already had it)."""
        async with self._lock:  # one run at a time in a process; the database does the rest
            destinations = await asyncio.to_thread(self.runs.digest_destinations)
            if not destinations:
                return 0
            digest = await asyncio.to_thread(self.service.build, day, kind)
            outgoing = await asyncio.to_thread(self._prepare, digest)
            sent = 0
            for destination_id, chat_id in destinations:
                run_id = await asyncio.to_thread(
                    self.runs.start_run,
                    digest.period.kind,
                    digest.period.start,
                    destination_id,
                    chat_id,
                    self.clock(),
                )
                if run_id is None:
                    log.info("digest %s for chat %s already recorded", outgoing.label, chat_id)
                    continue
                ok, ids, error = await self._deliver(chat_id, outgoing)
                # Refused before anything went out: "unsent", which the next run may retry.
                status = "sent" if ok else "failed" if ids else "unsent"
                await asyncio.to_thread(
                    self.runs.finish_run, run_id, status, chat_id, ids, error, self.clock()
                )
                if ok:
                    sent += 1
                else:
                    log.error("digest %s to chat %s failed: %s", outgoing.label, chat_id, error)
            return sent

    def _prepare(self, digest: Digest) -> Outgoing:
        as_html = self.notifier.supports_html
        chunks = (
            tuple(self.service.renderer.telegram(digest))
            if as_html
            else (self.service.renderer.markdown(digest),)
        )
        try:
            png = self.service.renderer.png(digest)
        except Exception:  # the text is what matters; a broken chart must not stop it
            log.exception("digest chart failed")
            png = None
        return Outgoing(digest.period.label, chunks, as_html, png)

    async def _deliver(self, chat_id: int, out: Outgoing) -> tuple[bool, list[int], str | None]:
        ids: list[int] = []
        for chunk in out.chunks:
            result = await self._with_retries(
                partial(self.notifier.send, chat_id, chunk, html=out.html)
            )
            if result.outcome is Outcome.PARSE_ERROR:
                result = await self._with_retries(
                    partial(self.notifier.send, chat_id, _plain(chunk), html=False)
                )
            if result.outcome is not Outcome.OK or result.message_id is None:
                return False, ids, result.error or result.outcome.value
            ids.append(result.message_id)
        if out.png is not None:
            photo = out.png
            result = await self._with_retries(
                lambda: self.notifier.send_photo(chat_id, photo, caption=f"Digest {out.label}")
            )
            if result.outcome is not Outcome.OK or result.message_id is None:
                return False, ids, f"chart: {result.error or result.outcome.value}"
            ids.append(result.message_id)
        return True, ids, None

    async def _with_retries(self, call: Callable[[], Awaitable[SendResult]]) -> SendResult:
        """Waits out RetryAfter and retries timeouts and 5xx a few times, within the job."""
        result: SendResult = SendResult(Outcome.TRANSIENT, error="not sent")
        for attempt in range(1, self.attempts + 1):
            result = await call()
            if result.outcome is Outcome.RETRY_AFTER:
                wait = result.retry_after
            elif result.outcome is Outcome.TRANSIENT:
                wait = self.retry_seconds * 2 ** (attempt - 1)
            else:
                return result
            if attempt < self.attempts:
                await asyncio.sleep(min(wait, self.max_wait_seconds))
        return result


def _plain(chunk: str) -> str:
    """Telegram HTML as plain text, for a chat that refused the markup."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", chunk))
