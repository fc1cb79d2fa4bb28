"""One polling pass: due feeds from the database -> bounded concurrent fetches -> parse in
worker processes -> store new items once -> hand their ids on (classification, alerts).

The pass depends on small protocols, not on concrete adapters, so tests can swap any seam.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from tracker.core.feeds import (
    BackoffPolicy,
    FeedRef,
    FeedState,
    FetchOutcome,
    FetchResult,
    NewItem,
    ParsedFeed,
    backlog_cutoff,
    build_new_item,
    next_check_after_failure,
    next_check_after_success,
    state_after_errors,
)

log = logging.getLogger(__name__)


class FetcherPort(Protocol):
    async def fetch(
        self, url: str, etag: str | None = ..., last_modified: str | None = ..., accept: str = ...
    ) -> FetchResult: ...


class ParserPort(Protocol):
    async def parse_feed(
        self, body: bytes, headers: dict[str, str], base_url: str, max_entries: int
    ) -> ParsedFeed: ...

    async def extract_article(self, body: bytes, url: str) -> str: ...


class StorePort(Protocol):
    def claim_due(
        self, now: datetime, default_interval: int, limit: int = ...
    ) -> list[FeedRef]: ...

    def store_items(self, feed_id: int, items: Sequence[NewItem]) -> list[int]: ...

    def record_success(
        self,
        feed_id: int,
        now: datetime,
        status: int | None,
        etag: str | None,
        last_modified: str | None,
        next_check: datetime,
        modified: bool,
    ) -> None: ...

    def record_failure(
        self,
        feed_id: int,
        now: datetime,
        error: str,
        status: int | None,
        next_check: datetime,
        state: FeedState,
        consecutive_errors: int,
    ) -> None: ...

    def set_item_text(self, item_id: int, text: str, source: str) -> None: ...

    def mark_article_tried(self, item_id: int) -> None: ...


class PollObserver(Protocol):
    """Receives counts for metrics; the Prometheus adapter implements it."""

    def fetched(self, outcome: str, duration_seconds: float) -> None: ...

    def failed(self, kind: str) -> None: ...

    def stored(self, count: int) -> None: ...


class NullObserver:
    def fetched(self, outcome: str, duration_seconds: float) -> None:
        return None

    def failed(self, kind: str) -> None:
        return None

    def stored(self, count: int) -> None:
        return None


@dataclass(frozen=True)
class PollConfig:
    default_interval: int = 300
    max_concurrency: int = 20
    max_per_host: int = 2
    max_entries_per_feed: int = 500
    max_backoff_seconds: int = 6 * 3600
    degraded_after_errors: int = 5
    backlog_hours: float = 48
    fetch_articles: bool = True
    article_min_summary_chars: int = 300
    max_article_fetches_per_feed: int = 5


@dataclass
class FeedReport:
    feed_id: int
    url: str
    outcome: str
    new_item_ids: list[int] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None


@dataclass
class PassReport:
    started_at: datetime
    feeds: list[FeedReport] = field(default_factory=list)

    @property
    def new_item_ids(self) -> list[int]:
        return [i for f in self.feeds for i in f.new_item_ids]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.feeds if f.outcome in ("error", "gone"))


NewItemsHook = Callable[[list[int]], Awaitable[None]]


class Poller:
    def __init__(
        self,
        store: StorePort,
        fetcher: FetcherPort,
        parser: ParserPort,
        config: PollConfig,
        *,
        run_db: Callable[..., Awaitable[object]] | None = None,
        observer: PollObserver | None = None,
        on_new_items: NewItemsHook | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.parser = parser
        self.config = config
        self.observer = observer or NullObserver()
        self.on_new_items = on_new_items
        self.rand = rand
        self._run_db = run_db or _to_thread
        self._policy = BackoffPolicy(
            base_seconds=float(config.default_interval),
            max_seconds=float(config.max_backoff_seconds),
        )
        self._global = asyncio.Semaphore(config.max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def _db(self, fn: Callable[..., object], *args: object) -> object:
        return await self._run_db(fn, *args)

    async def run_once(
        self, now: datetime, on_progress: Callable[[int, int], None] | None = None
    ) -> PassReport:
        """Fetch every due feed once. Errors are recorded per feed, never raised.
        `on_progress(done, total)` is called as each feed finishes (for a progress bar)."""
        report = PassReport(started_at=now)
        feeds = await self._db(self.store.claim_due, now, self.config.default_interval)
        assert isinstance(feeds, list)
        done = 0

        async def counted(feed: FeedRef) -> FeedReport:
            nonlocal done
            try:
                return await self._guarded(feed, now)
            finally:
                done += 1
                if on_progress is not None:
                    on_progress(done, len(feeds))

        results = await asyncio.gather(*(counted(feed) for feed in feeds), return_exceptions=True)
        for feed, result in zip(feeds, results, strict=True):
            if isinstance(result, BaseException):
                log.exception("feed %s: unexpected failure", feed.url, exc_info=result)
                await self._fail(feed, now, f"internal error: {result!r}", None, None)
                report.feeds.append(FeedReport(feed.id, feed.url, "error", error=repr(result)))
            else:
                report.feeds.append(result)
        new_ids = report.new_item_ids
        if new_ids and self.on_new_items is not None:
            await self.on_new_items(new_ids)
        return report

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.config.max_per_host)
        return sem

    async def _guarded(self, feed: FeedRef, now: datetime) -> FeedReport:
        async with self._global, self._host_limit(feed.url):
            return await self.poll_feed(feed, now)

    async def poll_feed(self, feed: FeedRef, now: datetime) -> FeedReport:
        result = await self.fetcher.fetch(feed.url, feed.etag, feed.last_modified)
        self.observer.fetched(result.outcome.value, result.duration_seconds)
        interval = feed.interval_seconds or self.config.default_interval
        if result.outcome is FetchOutcome.NOT_MODIFIED:
            await self._succeed(feed, now, result, interval, modified=False)
            return FeedReport(feed.id, feed.url, "not_modified")
        if result.outcome is FetchOutcome.GONE:
            await self._fail(feed, now, result.error or "gone", result.status, None, gone=True)
            return FeedReport(feed.id, feed.url, "gone", error=result.error)
        if result.outcome is FetchOutcome.ERROR or result.body is None:
            error = result.error or "empty response"
            await self._fail(feed, now, error, result.status, result.retry_after_seconds)
            return FeedReport(feed.id, feed.url, "error", error=error)
        try:
            parsed = await self.parser.parse_feed(
                result.body,
                result.headers,
                result.final_url or feed.url,
                self.config.max_entries_per_feed,
            )
        except Exception as exc:  # timeouts, worker crashes: recorded, not raised
            error = f"parse failed: {exc}"
            await self._fail(feed, now, error, result.status, None)
            return FeedReport(feed.id, feed.url, "error", error=error)
        if not parsed.entries and (not parsed.is_feed or parsed.bozo):
            ctype = result.headers.get("content-type", "unknown content type")
            error = f"not a feed ({ctype})" + (f": {parsed.bozo}" if parsed.bozo else "")
            await self._fail(feed, now, error, result.status, None)
            return FeedReport(feed.id, feed.url, "error", error=error)
        warning = self._warning(feed, parsed)
        new_ids = await self._store(feed, parsed, now)
        await self._succeed(feed, now, result, interval, modified=True)
        if new_ids and self.config.fetch_articles:
            await self._fetch_articles(new_ids)
        return FeedReport(feed.id, feed.url, "ok", new_item_ids=new_ids, warning=warning)

    def _warning(self, feed: FeedRef, parsed: ParsedFeed) -> str | None:
        notes = []
        if parsed.bozo:
            notes.append(
                f"ill-formed feed, {len(parsed.entries)} entries recovered ({parsed.bozo})"
            )
        if parsed.total_entries > len(parsed.entries):
            notes.append(f"{parsed.total_entries} entries; kept the first {len(parsed.entries)}")
        if not notes:
            return None
        message = "; ".join(notes)
        log.warning("feed %s: %s", feed.url, message)
        return message

    async def _store(self, feed: FeedRef, parsed: ParsedFeed, now: datetime) -> list[int]:
        cutoff = backlog_cutoff(now, self.config.backlog_hours)
        items = [build_new_item(e, now, feed.language, cutoff) for e in parsed.entries]
        ids = await self._db(self.store.store_items, feed.id, items)
        assert isinstance(ids, list)
        self.observer.stored(len(ids))
        if ids:
            log.info("feed %s: %d new items", feed.url, len(ids))
        return ids

    async def _fetch_articles(self, item_ids: list[int]) -> None:
        """Short summaries carry too little for the classifier: read the article page once."""
        items = await self._db(self._short_items, item_ids)
        assert isinstance(items, list)
        for item_id, url in items[: self.config.max_article_fetches_per_feed]:
            result = await self.fetcher.fetch(url, accept="text/html,application/xhtml+xml")
            text = ""
            if result.outcome is FetchOutcome.OK and result.body:
                try:
                    text = await self.parser.extract_article(result.body, url)
                except Exception as exc:
                    log.warning("article %s: extraction failed: %s", url, exc)
            else:
                log.info("article %s: not fetched: %s", url, result.error or result.outcome.value)
            if text.strip():
                await self._db(self.store.set_item_text, item_id, text, "article")
            else:
                await self._db(self.store.mark_article_tried, item_id)

    def _short_items(self, item_ids: list[int]) -> list[tuple[int, str]]:
        items_by_ids = getattr(self.store, "items_by_ids", None)
        if items_by_ids is None:
            return []
        return [
            (item.id, item.url)
            for item in items_by_ids(item_ids)
            if item.url
            and not item.article_fetched
            and len(item.text) < self.config.article_min_summary_chars
        ]

    async def _succeed(
        self, feed: FeedRef, now: datetime, result: FetchResult, interval: int, modified: bool
    ) -> None:
        await self._db(
            self.store.record_success,
            feed.id,
            now,
            result.status,
            result.etag,
            result.last_modified,
            next_check_after_success(now, interval),
            modified,
        )

    async def _fail(
        self,
        feed: FeedRef,
        now: datetime,
        error: str,
        status: int | None,
        retry_after: float | None,
        gone: bool = False,
    ) -> None:
        errors = feed.consecutive_errors + 1
        if gone:
            state = FeedState.GONE  # kept and shown; re-checked once a day in case it returns
            next_check = now + timedelta(days=1)
        else:
            state = state_after_errors(errors, self.config.degraded_after_errors)
            next_check = next_check_after_failure(
                now, self._policy, errors, self.rand(), retry_after
            )
        kind = "gone" if gone else ("http" if status else "fetch")
        self.observer.failed(kind)
        level = logging.WARNING if state is FeedState.OK else logging.ERROR
        log.log(
            level,
            "feed %s: %s (consecutive errors: %d, state: %s)",
            feed.url,
            error,
            errors,
            state.value,
        )
        await self._db(
            self.store.record_failure, feed.id, now, error, status, next_check, state, errors
        )


async def _to_thread(fn: Callable[..., object], *args: object) -> object:
    return await asyncio.to_thread(fn, *args)
