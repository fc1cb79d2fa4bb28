"""One polling pass: due feeds from the database -> bounded concurrent fetches -> parse in
worker processes -> store new items once -> hand their ids on (classification, alerts).

Article pages (for items whose feed text is short) are fetched off the feed's critical path:
the feed's items are stored and its slots released first, then a background batch per feed
fetches the pages (its own concurrency limit, an overall deadline) and hands those items on
once their text is in, or after the deadline with the feed's text.

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
    FeedSuccess,
    FetchOutcome,
    FetchResult,
    NewItem,
    ParsedFeed,
    backlog_cutoff,
    body_digest,
    build_new_item,
    next_check_after_failure,
    next_check_after_success,
    state_after_errors,
)
from tracker.core.netpolicy import is_http_url, same_site

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

    def record_successes(self, successes: Sequence[FeedSuccess]) -> None: ...

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
    article_concurrency: int = 4
    article_deadline_seconds: float = 60.0
    article_any_host: bool = False
    claim_batch: int = 10_000


@dataclass
class FeedReport:
    feed_id: int
    url: str
    outcome: str
    new_item_ids: list[int] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None
    # New items whose article page is being fetched; they are handed on when it is in.
    article_item_ids: list[int] = field(default_factory=list)


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
        self._article_slots = asyncio.Semaphore(config.article_concurrency)
        self._article_batches: set[asyncio.Task[None]] = set()

    async def _db(self, fn: Callable[..., object], *args: object) -> object:
        return await self._run_db(fn, *args)

    async def run_once(
        self, now: datetime, on_progress: Callable[[int, int], None] | None = None
    ) -> PassReport:
        """Fetch every due feed once. Errors are recorded per feed, never raised.
        `on_progress(done, total)` is called as each feed finishes (for a progress bar)."""
        report = PassReport(started_at=now)
        done = total = 0

        # A batch's successful fetches are recorded together when the batch ends (one
        # transaction, not one per feed); failures are recorded as they happen.
        successes: list[FeedSuccess] = []

        async def counted(feed: FeedRef) -> FeedReport:
            nonlocal done
            try:
                return await self._guarded(feed, now, successes)
            finally:
                done += 1
                if on_progress is not None:
                    on_progress(done, total)

        while True:
            # Claimed a batch at a time: instances sharing a database take turns (one claim
            # of every due feed would leave the other instance idle), and a batch's new items
            # go on to classification without waiting for the rest of the pass.
            feeds = await self._db(
                self.store.claim_due, now, self.config.default_interval, self.config.claim_batch
            )
            assert isinstance(feeds, list)
            if not feeds:
                break
            total += len(feeds)

            results = await asyncio.gather(
                *(counted(feed) for feed in feeds), return_exceptions=True
            )
            batch: list[FeedReport] = []
            failed: set[int] = set()
            for feed, result in zip(feeds, results, strict=True):
                if isinstance(result, BaseException):
                    log.exception("feed %s: unexpected failure", feed.url, exc_info=result)
                    await self._fail(feed, now, f"internal error: {result!r}", None, None)
                    batch.append(FeedReport(feed.id, feed.url, "error", error=repr(result)))
                    failed.add(feed.id)  # its failure stands, not a success noted before it
                else:
                    batch.append(result)
            recorded = [s for s in successes if s.feed_id not in failed]
            successes.clear()
            if recorded:
                await self._db(self.store.record_successes, recorded)
            report.feeds.extend(batch)
            waiting = {i for f in batch for i in f.article_item_ids}
            ready = [i for f in batch for i in f.new_item_ids if i not in waiting]
            if ready and self.on_new_items is not None:
                await self.on_new_items(ready)
            if len(feeds) < self.config.claim_batch:
                break
        return report

    @property
    def articles_pending(self) -> bool:
        """Article batches are still fetching or extracting pages."""
        return bool(self._article_batches)

    async def drain_articles(self, cancel: bool = False) -> None:
        """Wait for the article batches still running (each ends by its deadline), or
        cancel them (shutdown: their items stay unclassified for the catch-up)."""
        batches = list(self._article_batches)
        if cancel:
            for batch in batches:
                batch.cancel()
        await asyncio.gather(*batches, return_exceptions=True)

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.config.max_per_host)
        return sem

    async def _guarded(
        self, feed: FeedRef, now: datetime, successes: list[FeedSuccess] | None = None
    ) -> FeedReport:
        async with self._global, self._host_limit(feed.url):
            return await self.poll_feed(feed, now, successes)

    async def poll_feed(
        self, feed: FeedRef, now: datetime, successes: list[FeedSuccess] | None = None
    ) -> FeedReport:
        """Fetch one feed and record the outcome; a success goes to `successes` when given
        (the caller records them in bulk), else it is recorded at once."""
        result = await self.fetcher.fetch(feed.url, feed.etag, feed.last_modified)
        self.observer.fetched(result.outcome.value, result.duration_seconds)
        interval = feed.interval_seconds or self.config.default_interval
        if result.outcome is FetchOutcome.NOT_MODIFIED:
            await self._succeed(feed, now, result, interval, False, successes)
            return FeedReport(feed.id, feed.url, "not_modified")
        if result.outcome is FetchOutcome.GONE:
            await self._fail(feed, now, result.error or "gone", result.status, None, gone=True)
            return FeedReport(feed.id, feed.url, "gone", error=result.error)
        if result.outcome is FetchOutcome.ERROR or result.body is None:
            error = result.error or "empty response"
            await self._fail(
                feed, now, error, result.status, result.retry_after_seconds, kind=result.error_kind
            )
            return FeedReport(feed.id, feed.url, "error", error=error)
        digest = body_digest(result.body)
        if digest == feed.body_digest:
            # The bytes whose entries were stored last time: nothing new, nothing to parse.
            await self._succeed(feed, now, result, interval, True, successes, digest)
            return FeedReport(feed.id, feed.url, "ok")
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
        await self._succeed(feed, now, result, interval, True, successes, digest)
        waiting = await self._queue_articles(feed, result.final_url, new_ids)
        return FeedReport(
            feed.id,
            feed.url,
            "ok",
            new_item_ids=new_ids,
            warning=warning,
            article_item_ids=waiting,
        )

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

    async def _queue_articles(
        self, feed: FeedRef, final_url: str | None, new_ids: list[int]
    ) -> list[int]:
        """Start a background batch for the new items whose article page should be read;
        returns their ids. Short summaries carry too little for the classifier."""
        if not new_ids or not self.config.fetch_articles:
            return []
        items = await self._db(self._short_items, new_ids)
        assert isinstance(items, list)
        pages = [
            (item_id, url)
            for item_id, url in items[: self.config.max_article_fetches_per_feed]
            if self._article_allowed(feed, final_url, url)
        ]
        if not pages:
            return []
        batch = asyncio.create_task(self._guarded_batch(feed.url, pages))
        self._article_batches.add(batch)
        batch.add_done_callback(self._article_batches.discard)
        return [item_id for item_id, _ in pages]

    def _article_allowed(self, feed: FeedRef, final_url: str | None, url: str) -> bool:
        """Article pages are http(s) on the feed's own site (same registrable host name and
        port as the feed's URL or where it redirected) unless `article_any_host` is set: a
        feed must not make us fetch other sites' pages or internal services."""
        if not is_http_url(url):
            log.info("article %s: not fetched: not an http(s) URL", url)
            return False
        if not self.config.article_any_host and not same_site(url, feed.url, final_url):
            log.info("article %s: not fetched: not on the site of feed %s", url, feed.url)
            self.observer.failed("article_other_site")
            return False
        return True

    async def _guarded_batch(self, feed_url: str, pages: list[tuple[int, str]]) -> None:
        """A background batch has no caller to raise to: its failures are logged here (its
        items stay unclassified and the catch-up takes them after the deadline)."""
        try:
            await self._article_batch(feed_url, pages)
        except Exception:
            log.exception("feed %s: article batch failed", feed_url)

    async def _article_batch(self, feed_url: str, pages: list[tuple[int, str]]) -> None:
        """Fetch one feed's article pages under the overall deadline, then hand the items on
        (classification) with whatever text they have by then."""
        done: set[int] = set()
        deadline = self.config.article_deadline_seconds
        try:
            async with asyncio.timeout(deadline):
                results = await asyncio.gather(
                    *(self._article(item_id, url, done) for item_id, url in pages),
                    return_exceptions=True,
                )
            for (_, url), result in zip(pages, results, strict=True):
                if isinstance(result, Exception):
                    log.error("article %s: failed: %r", url, result)
        except TimeoutError:
            late = [item_id for item_id, _ in pages if item_id not in done]
            log.warning(
                "feed %s: %d article page(s) not in after %g s; their items go on with the "
                "feed's text",
                feed_url,
                len(late),
                deadline,
            )
            self.observer.failed("article_deadline")
            for item_id in late:
                await self._db(self.store.mark_article_tried, item_id)
        if self.on_new_items is not None:
            await self.on_new_items([item_id for item_id, _ in pages])

    async def _article(self, item_id: int, url: str, done: set[int]) -> None:
        async with self._article_slots:
            result = await self.fetcher.fetch(url, accept="text/html,application/xhtml+xml")
            text = ""
            if result.outcome is FetchOutcome.OK and result.body:
                try:
                    text = await self.parser.extract_article(result.body, url)
                except Exception as exc:
                    log.warning("article %s: extraction failed: %s", url, exc)
            else:
                log.info("article %s: not fetched: %s", url, result.error or result.outcome.value)
                if result.error_kind:
                    self.observer.failed(f"article_{result.error_kind}")
            if text.strip():
                await self._db(self.store.set_item_text, item_id, text, "article")
            else:
                await self._db(self.store.mark_article_tried, item_id)
            done.add(item_id)

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
        self,
        feed: FeedRef,
        now: datetime,
        result: FetchResult,
        interval: int,
        modified: bool,
        successes: list[FeedSuccess] | None = None,
        digest: str | None = None,
    ) -> None:
        success = FeedSuccess(
            feed.id,
            now,
            result.status,
            result.etag,
            result.last_modified,
            next_check_after_success(now, interval),
            modified,
            digest,
        )
        if successes is not None:
            successes.append(success)
        else:
            await self._db(self.store.record_successes, [success])

    async def _fail(
        self,
        feed: FeedRef,
        now: datetime,
        error: str,
        status: int | None,
        retry_after: float | None,
        gone: bool = False,
        kind: str | None = None,
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
        if kind is None:
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
