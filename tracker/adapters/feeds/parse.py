"""Feed parsing and article extraction, run in worker processes with a time limit.

feedparser and trafilatura are CPU-bound and, on hostile input, can be slow; a thread cannot
be stopped, a process can. A worker that overruns is killed and the pool rebuilt.
"""

from __future__ import annotations

import asyncio
import calendar
import concurrent.futures
import logging
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from typing import Any, TypeVar

from tracker.core.feeds import ParsedEntry, ParsedFeed
from tracker.core.htmltext import html_to_text
from tracker.core.storable import drop_bad_char_refs, storable, storable_or_none

log = logging.getLogger(__name__)
T = TypeVar("T")

_SAFE_HEADERS = ("content-type", "content-location", "content-language", "last-modified", "etag")


class ParseTimeout(Exception):
    pass


def _struct_to_utc(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    best = ""
    for content in contents:
        text = html_to_text(content.get("value") or "")
        if len(text) > len(best):
            best = text
    return best


def _language(value: Any) -> str | None:
    """A language code as stored (at most 16 characters, the column's width)."""
    return storable_or_none(str(value).strip()[:16]) if value else None


def _entry(raw: Any, feed_language: str | None) -> ParsedEntry:
    """One entry, every string cleaned of what the database refuses (see core.storable), so
    a NUL in one item can never fail the feed's insert."""
    title = html_to_text(raw.get("title") or "")
    summary = html_to_text(raw.get("summary") or raw.get("description") or "")
    published = (
        _struct_to_utc(raw.get("published_parsed"))
        or _struct_to_utc(raw.get("updated_parsed"))
        or _struct_to_utc(raw.get("created_parsed"))
    )
    link = raw.get("link")
    guid = raw.get("id") or raw.get("guid")
    return ParsedEntry(
        guid=storable_or_none(str(guid)) if guid else None,
        link=storable_or_none(str(link)) if link else None,
        title=storable(title)[:1000],
        summary=storable(summary)[:20000],
        content=storable(_entry_text(raw))[:200000],
        published=published,
        language=_language(raw.get("language") or feed_language),
    )


def parse_feed_bytes(
    body: bytes, headers: dict[str, str], base_url: str, max_entries: int
) -> ParsedFeed:
    """Parse a feed from bytes. feedparser is never given a URL, so it never fetches."""
    import feedparser

    safe = {k: v for k, v in headers.items() if k.lower() in _SAFE_HEADERS}
    safe.setdefault("content-location", base_url)
    parsed = feedparser.parse(drop_bad_char_refs(body), response_headers=safe, sanitize_html=True)
    raw_entries = parsed.get("entries") or []
    bozo = None
    if parsed.get("bozo"):
        bozo = storable(
            f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
        )
    feed_meta = parsed.get("feed") or {}
    language = feed_meta.get("language")
    entries: list[ParsedEntry] = []
    for raw in raw_entries[:max_entries]:
        entries.append(_entry(raw, language))
    is_feed = bool(parsed.get("version")) or bool(raw_entries)
    return ParsedFeed(
        entries=entries,
        title=storable_or_none(feed_meta.get("title")),
        language=_language(language),
        bozo=bozo,
        total_entries=len(raw_entries),
        is_feed=is_feed,
    )


def extract_article_text(body: bytes, url: str) -> str:
    """Main text of an article page (trafilatura), or '' when nothing readable is found."""
    import trafilatura

    text = trafilatura.extract(
        body, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    return storable(text or "")


def _init_worker() -> None:
    """Ctrl-C reaches the whole process group; only the main process decides to stop.

    A worker also ends when the service process is gone. A killed service (SIGKILL, OOM)
    cannot shut its pool down, and its workers would wait on their task queue for ever; as
    they hold the forkserver's and the resource tracker's pipes, those two (the tracker
    ignores SIGTERM) would be orphaned with them.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()  # returns when the parent's sentinel closes, i.e. the parent has died
    os._exit(0)


def _warm(articles: bool = True) -> bool:
    """Import the parsers once per worker so the first real task is not slow; trafilatura
    (article pages, about 15 MB a worker) only when article pages are read."""
    import feedparser  # noqa: F401

    if articles:
        import trafilatura  # noqa: F401

    return True


class ParserPool:
    """A process pool with a per-task deadline. The workers start with the first task (a
    service with nothing to parse never starts them) and are warmed before it, so that the
    first task's deadline does not pay for their imports. With `max_tasks_per_child`, a
    worker is replaced after that many tasks (whatever a parser library keeps in memory
    goes with it)."""

    def __init__(
        self,
        workers: int,
        timeout_seconds: float,
        max_tasks_per_child: int | None = None,
        warm_articles: bool = True,
    ) -> None:
        self.workers = workers
        self.timeout_seconds = timeout_seconds
        self.max_tasks_per_child = max_tasks_per_child
        # Article extraction imported in the warm-up (when pages are fetched), else on first
        # use in a worker.
        self.warm_articles = warm_articles
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._warm: (
            tuple[concurrent.futures.ProcessPoolExecutor, asyncio.AbstractEventLoop,
                  asyncio.Future[Any]] | None
        ) = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.workers,
                mp_context=ctx,
                initializer=_init_worker,
                max_tasks_per_child=self.max_tasks_per_child,
            )
        return self._pool

    async def start(self) -> None:
        """Start the workers and import the parsers in each (also done before the first
        task when not called). Every task waits for the same warm-up: tasks that arrive
        while the workers start must not spend their deadline on the workers' imports."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        warm = self._warm
        if warm is None or warm[0] is not pool or (warm[1] is not loop and not warm[2].done()):
            future: asyncio.Future[Any] = asyncio.gather(
                *(
                    loop.run_in_executor(pool, _warm, self.warm_articles)
                    for _ in range(self.workers)
                )
            )
            warm = (pool, loop, future)
            self._warm = warm
        await warm[2]

    async def parse_feed(
        self, body: bytes, headers: dict[str, str], base_url: str, max_entries: int
    ) -> ParsedFeed:
        return await self._run(parse_feed_bytes, body, headers, base_url, max_entries)

    async def extract_article(self, body: bytes, url: str) -> str:
        return await self._run(extract_article_text, body, url)

    async def _run(self, fn: Any, *args: Any) -> Any:
        # One task per worker at a time: the deadline is the task's own, never time spent
        # queued behind other feeds (50 feeds in flight on 2 busy workers queue for more
        # than the deadline, and an overrun kills the pool under every other task).
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(self.workers))
        async with self._slots[1]:
            return await self._run_now(fn, *args)

    async def _run_now(self, fn: Any, *args: Any) -> Any:
        for attempt in (1, 2):
            await self.start()  # at once when warm; else waits for the warm-up under way
            pool = self._executor()
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(pool, fn, *args)
            try:
                return await asyncio.wait_for(future, self.timeout_seconds)
            except TimeoutError:
                log.warning(
                    "parse worker overran %.1f s; restarting the pool", self.timeout_seconds
                )
                self._kill(pool)
                raise ParseTimeout(f"parsing took longer than {self.timeout_seconds:g} s") from None
            except BrokenProcessPool:
                # Another task's overrun killed the pool under us: retry once on a fresh one.
                if self._pool is pool:
                    self._pool = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _kill(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
