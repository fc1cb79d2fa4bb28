"""The composition root: settings in, wired service out. Nothing else builds engines, clients
or schedulers, so tests can build an App with any seam replaced.

The file has two parts:
- wiring: `App.__init__` and its `_build_*`/`_*_config` helpers, and at the end of the file
  the builders the commands and benches ask for (`open_engine`, `event_store`, `data_out`,
  `build_classifier`, ...). Commands (tracker/commands) import no adapter: they ask here;
- runtime: `App`'s methods under "work" (`tick`, `run`, the web server, the classification
  hand-offs, status and metrics), which only use what the wiring built.

Libraries a command may not need (the HTTP client, the chart, the web server, the parser
workers) are built on first use, so that `tracker poll` with nothing due stays quick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine

from tracker import __version__
from tracker.adapters.feeds.parse import ParserPool
from tracker.adapters.memory import cap_arenas, release_free_memory
from tracker.adapters.metrics import Metrics
from tracker.adapters.storage import db
from tracker.adapters.storage.alerts import AlertStore
from tracker.adapters.storage.events import EventStore
from tracker.adapters.storage.feeds import FeedSpec, FeedStore
from tracker.adapters.storage.leases import LeaseStore
from tracker.core.agreements import uncovered_places
from tracker.core.alerts import DestinationSpec, Filters
from tracker.core.channels import CONSOLE, CONSOLE_CHAT_ID, EMAIL, TELEGRAM, WEBHOOK
from tracker.core.digest import Basis
from tracker.core.netpolicy import parse_networks
from tracker.core.pacing import POLL_PAUSE_SECONDS, WRITER_GAP_SECONDS, next_batch_size
from tracker.core.sanitize import mask_secrets, mask_url
from tracker.core.startup import ReadyFacts, ready_line
from tracker.services.alert_bot import AlertService
from tracker.services.alert_delivery import DeliveryConfig, NotifierPort
from tracker.services.channels import ChannelConfig, ChannelDelivery, ChannelSenderPort
from tracker.services.classification import (
    ClassificationService,
    ClassifierPort,
    ClassifyStats,
)
from tracker.services.digest import (
    DigestConfig,
    DigestSender,
    DigestService,
    Format,
    PeriodKind,
)
from tracker.services.events import EventService
from tracker.services.poller import FetcherPort, ParserPort, PassReport, PollConfig, Poller
from tracker.services.supervisor import ErrorStreak, Supervisor
from tracker.settings import FilterSettings, Settings

log = logging.getLogger(__name__)
# Agreements are in force on local Damascus days (UTC+3 all year since 2022).
_DAMASCUS = timezone(timedelta(hours=3))
# The time zone of the places reported on (naive report times are local there).
PLACE_TZ = "Asia/Damascus"

Clock = Callable[[], datetime]


def instance_name() -> str:
    """Who holds a lease: host and process, plus a random part so that two Apps in one
    process (tests, a restart reusing a pid) are told apart."""
    import os
    import socket
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class FeedFetcher:
    """The feeds' HTTP fetcher, built on the first fetch: the HTTP client and its library
    cost a noticeable part of a second, which `tracker poll` with nothing due never pays."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._fetcher: Any = None
        self._client: Any = None

    async def fetch(self, url: str, *args: Any, **kwargs: Any) -> Any:
        if self._fetcher is None:
            from tracker.adapters.feeds.http import Fetcher, build_client

            p = self._settings.polling
            self._client = build_client(
                p.timeout_seconds,
                p.user_agent,
                p.max_concurrency * 2 + p.article_concurrency,
                parse_networks(p.allowed_networks),
            )
            self._fetcher = Fetcher(self._client, p.timeout_seconds, p.max_body_bytes)
        return await self._fetcher.fetch(url, *args, **kwargs)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = self._fetcher = None


@dataclass
class TickInfo:
    at: datetime | None = None
    duration_seconds: float | None = None
    feeds: int = 0
    new_items: int = 0
    errors: int = 0


class App:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        engine: Engine | None = None,
        fetcher: FetcherPort | None = None,
        parser: ParserPort | None = None,
        classifier_factory: Callable[[], ClassifierPort] | None = None,
        notifier: NotifierPort | None = None,
    ) -> None:
        # Before the worker threads exist: they would each get a heap of their own (see
        # tracker.adapters.memory).
        cap_arenas()
        self.settings = settings
        self.clock = clock
        self.engine = engine or open_engine(
            settings, migrate=False, echo=settings.database.echo
        )
        self.repo = FeedStore(
            self.engine, synchronous_ingest=settings.database.ingest_synchronous_commit
        )
        self.prom = Metrics()
        self._feed_fetcher: FeedFetcher | None = None
        if fetcher is None:
            self._feed_fetcher = fetcher = FeedFetcher(settings)
        self.fetcher = fetcher
        self._pool: ParserPool | None = None
        if parser is None:
            self._pool = ParserPool(
                workers=2,
                timeout_seconds=settings.polling.parse_timeout_seconds,
                max_tasks_per_child=settings.polling.parser_max_tasks_per_child or None,
                warm_articles=settings.polling.fetch_articles,
            )
            parser = self._pool
        self.parser = parser
        self.classification = ClassificationService(
            self.repo,
            classifier_factory or self._build_classifier,
            clock,
            on_error=self.prom.classify_errors.inc,
            on_unclassified=self.prom.not_classified,
        )
        # One transaction per classification batch: the incidents, then their merged events
        # (recomputed on the same session), then the alert outbox rows of those events.
        self.event_store = EventStore(self.engine)
        self.events = EventService(self.event_store, clock)
        self.alert_store = AlertStore(self.engine, settings.telegram.allowed_chat_ids)
        self.event_store.change_hooks.append(self.alert_store.write_outbox)
        self.repo.classification_hooks.append(self.event_store.recompute_in)
        self.notifier = notifier or self._build_notifier()
        self.leases = LeaseStore(self.engine)
        # Background loops are restarted when they die, and /readyz names any that is unwell.
        self.supervisor = Supervisor()
        self._tick_errors = ErrorStreak("tick", log, report=self.supervisor.report)
        self.alerts = AlertService(
            self.alert_store,
            self.notifier,
            self._delivery_config(),
            clock,
            self.status,
            leases=self.leases,
            instance=instance_name(),
            report=self.supervisor.report,
        )
        self.channel_senders: list[ChannelDelivery] = [
            self._channel_delivery(sender) for sender in self._build_channel_senders()
        ]
        self.poller = Poller(
            self.repo,
            self.fetcher,
            self.parser,
            self._poll_config(),
            observer=self.prom,
            on_new_items=self._classify_new if settings.classifier.enabled else None,
        )
        self.started_at = clock()
        self._started_monotonic = time.monotonic()
        self.last_tick = TickInfo()
        self.tick_error: Exception | None = None
        self.scheduler_running = False
        self._tick_lock = asyncio.Lock()
        # Classification runs from the tick and from article batches (which finish outside
        # the tick); one at a time, so two batches never recompute the same events at once.
        self._classify_lock = asyncio.Lock()
        # Fresh first: backlog items handed over by the poller wait here (bounded by the
        # backlog, never by history) and drain in batches that give way to fresh work.
        self._deferred: set[int] = set()
        self._fresh_waiting = 0
        # Poll passes under way: the background drain starts no batch meanwhile (what the
        # pass finds may be fresh, and on SQLite its writes would queue behind the batch's).
        self._polling = 0
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._backlog_wake = asyncio.Event()
        self._backlog_size = 0  # the next backlog batch's item count (0: not sized yet)
        self._background_drain = False
        self._digests: DigestService | None = None
        self._digest_sender: DigestSender | None = None
        self._data_out: Any = None
        self._analysts: Any = None

    def _poll_config(self) -> PollConfig:
        p = self.settings.polling
        return PollConfig(
            default_interval=p.interval_seconds,
            max_concurrency=p.max_concurrency,
            max_per_host=p.max_per_host,
            max_entries_per_feed=p.max_entries_per_feed,
            max_backoff_seconds=p.max_backoff_seconds,
            degraded_after_errors=p.degraded_after_errors,
            backlog_hours=self.settings.alerts.backlog_hours,
            fetch_articles=p.fetch_articles,
            article_min_summary_chars=p.article_min_summary_chars,
            max_article_fetches_per_feed=p.max_article_fetches_per_feed,
            article_concurrency=p.article_concurrency,
            article_deadline_seconds=p.article_deadline_seconds,
            article_any_host=p.article_any_host,
            claim_batch=p.claim_batch,
        )

    def _build_notifier(self) -> NotifierPort:
        """Telegram when a token is set, else the console (so a bare `tracker run` shows
        what it would send)."""
        t = self.settings.telegram
        if not t.token:
            from tracker.adapters.notify.console import ConsoleNotifier

            return ConsoleNotifier()
        from tracker.adapters.notify.telegram import TelegramNotifier

        return TelegramNotifier(t.token, t.api_base_url, t.timeout_seconds, t.long_poll_seconds)

    def _build_channel_senders(self) -> list[ChannelSenderPort]:
        """A sender per configured channel other than chats. Webhooks get their own HTTP
        client behind the same address guard as feed fetching (`polling.allowed_networks`)."""
        dests = self.settings.alerts.destinations
        senders: list[ChannelSenderPort] = []
        hooks = {d.address: d.secret for d in dests if d.channel == WEBHOOK}
        if hooks:
            from tracker.adapters.feeds.http import BlockedAddress, build_client
            from tracker.adapters.notify.webhook import WebhookNotifier

            t, p = self.settings.telegram, self.settings.polling
            client = build_client(
                t.timeout_seconds, p.user_agent, 4, parse_networks(p.allowed_networks)
            )
            languages = {d.address: d.language for d in dests if d.channel == WEBHOOK}
            senders.append(
                WebhookNotifier(
                    client, secrets=hooks, refused=(BlockedAddress,), languages=languages
                )
            )
        if any(d.channel == EMAIL for d in dests):
            from tracker.adapters.notify.email import EmailNotifier, SmtpConfig

            e = self.settings.email
            senders.append(
                EmailNotifier(
                    SmtpConfig(
                        e.host, e.port, e.sender, e.username, e.password, e.starttls,
                        e.timeout_seconds,
                    ),
                    languages={d.address: d.language for d in dests if d.channel == EMAIL},
                )
            )
        return senders

    def _channel_delivery(self, sender: ChannelSenderPort) -> ChannelDelivery:
        """One channel's outbox loop, with the retry rules of `[telegram]` (one outbox,
        one set of rules)."""
        t = self.settings.telegram
        public_url = self.settings.web.public_url
        return ChannelDelivery(
            self.alert_store,
            sender,
            lambda event_id: self.data_api().event(event_id, public_url),
            ChannelConfig(
                max_attempts=t.max_attempts,
                retry_base_seconds=t.retry_base_seconds,
                retry_max_seconds=t.retry_max_seconds,
                interval_seconds=t.delivery_interval_seconds,
                lease_seconds=4 * t.timeout_seconds + 5,
            ),
            self.clock,
            instance=instance_name(),
        )

    def _delivery_config(self) -> DeliveryConfig:
        t = self.settings.telegram
        return DeliveryConfig(
            max_attempts=t.max_attempts,
            retry_base_seconds=t.retry_base_seconds,
            retry_max_seconds=t.retry_max_seconds,
            per_chat_interval_seconds=t.per_chat_interval_seconds,
            delivery_interval_seconds=t.delivery_interval_seconds,
            commands=t.commands,
            long_poll_seconds=t.long_poll_seconds,
            allowed_chat_ids=self._allowed_chats(),
            # Longer than a batch of sends can take, so a live sender never loses its rows;
            # after a crash the rows it held wait this long before another sender takes them.
            lease_seconds=2 * 5 * (t.timeout_seconds + t.per_chat_interval_seconds) + 5,
            per_chat_batch=5,
            public_url=self.settings.web.public_url,
            # Telegram's 20 messages a minute per group, as the notifier's limiter spaces them
            group_interval_seconds=60.0 / 19 if self.notifier.name == "telegram" else 0.0,
            heartbeat_seconds=t.heartbeat_seconds,
            instance_expiry_seconds=t.instance_expiry_seconds,
            shutdown_grace_seconds=t.shutdown_grace_seconds,
            chat_languages=self._chat_languages(),
        )

    def _chat_languages(self) -> dict[int, str]:
        """The labels' language of each configured chat (and of the console's stand-in
        chat); chats that subscribed themselves get the default."""
        languages = {d.chat_id: d.language for d in self.settings.telegram.destinations}
        for d in self.settings.alerts.destinations:
            if d.channel == TELEGRAM:
                languages[int(d.address)] = d.language
            elif d.channel == CONSOLE:
                languages.setdefault(CONSOLE_CHAT_ID, d.language)
        return languages

    def _allowed_chats(self) -> frozenset[int]:
        """Chats that may use the bot: `allowed_chat_ids` plus the configured destinations
        (always allowed); empty when the list is (every chat may)."""
        t = self.settings.telegram
        if not t.allowed_chat_ids:
            return frozenset()
        return frozenset(t.allowed_chat_ids) | {chat for chat, _, _ in self._configured_chats()}

    def _configured_chats(self) -> list[tuple[int, str, Filters]]:
        """(chat id, name, filters) of the Telegram chats in `[[alerts.destinations]]` and
        in the deprecated `[[telegram.destinations]]`."""
        chats = [
            (d.chat_id, d.name or str(d.chat_id), _filters(d))
            for d in self.settings.telegram.destinations
        ]
        return chats + [
            (int(d.address), d.name, _filters(d))
            for d in self.settings.alerts.destinations
            if d.channel == TELEGRAM
        ]

    def destination_specs(self) -> list[DestinationSpec]:
        """Configured destinations; without a token and without chat destinations, one
        console destination (the configured one, else one with the default filters)."""
        t = self.settings.telegram
        specs = [DestinationSpec(c, name, f) for c, name, f in self._configured_chats()]
        consoles = [d for d in self.settings.alerts.destinations if d.channel == CONSOLE]
        if not specs and not t.token:
            # One console: it has one stand-in chat. Its filters come from the configuration.
            name, filters = (consoles[0].name, _filters(consoles[0])) if consoles else (
                "console",
                Filters(),
            )
            specs.append(DestinationSpec(CONSOLE_CHAT_ID, name, filters, CONSOLE))
        return specs + [
            DestinationSpec(None, d.name, _filters(d), d.channel, d.address)
            for d in self.settings.alerts.destinations
            if d.channel not in (TELEGRAM, CONSOLE)
        ]

    def sync_destinations(self) -> None:
        self.alert_store.sync_destinations(self.destination_specs(), self.clock())

    def _build_classifier(self) -> ClassifierPort:
        """The registries load once per process (about a second); user additions apply."""
        from tracker.core.classify_cache import CachedClassifier

        started = time.monotonic()
        classifier: ClassifierPort = CachedClassifier(
            build_classifier(self.settings), self.settings.classifier.cache_items
        )
        log.info("reference data loaded in %.2f s", time.monotonic() - started)
        return classifier

    async def _classify_new(self, item_ids: list[int]) -> None:
        """Classify (merge, alert) the fresh items now; backlog items (published long before
        they were first seen: never alerted) wait for `drain_backlog`."""
        try:
            fresh, backlog = await asyncio.to_thread(self.repo.split_fresh, item_ids)
        except Exception:
            log.exception("could not tell fresh from backlog among %d new items", len(item_ids))
            fresh, backlog = list(item_ids), []
        if backlog:
            self._deferred.update(backlog)
            self._backlog_wake.set()
        if fresh:
            await self._classify_ids(fresh, fresh=True)

    async def _classify_ids(self, item_ids: list[int], fresh: bool = False) -> bool:
        if fresh:
            self._fresh_waiting += 1
        try:
            async with self._classify_lock:
                if fresh:
                    self._fresh_waiting -= 1
                    fresh = False
                stats = await asyncio.to_thread(self._classify_and_trim, item_ids)
        except Exception:
            # Items stay stored and unclassified; the next tick's catch-up retries them.
            log.exception("classification of %d new items failed", len(item_ids))
            self.prom.classify_errors.inc()
            return False
        finally:
            if fresh:
                self._fresh_waiting -= 1
        self._record_classified(stats)
        self.alerts.wake()
        return True

    def _classify_and_trim(self, item_ids: list[int]) -> ClassifyStats:
        """Classify, then give the batch's freed memory back (see tracker.adapters.memory:
        the reports a batch decodes and drops stayed resident otherwise)."""
        try:
            return self.classification.classify_ids(item_ids)
        finally:
            release_free_memory()

    async def drain_backlog(self, max_batches: int | None = None) -> int:
        """Classify backlog items in batches of `classifier.backlog_batch`, fresh work first
        between batches; returns the number of items classified."""
        c = self.settings.classifier
        batch = self._backlog_size or c.backlog_batch
        done = rounds = 0
        while max_batches is None or rounds < max_batches:
            await self._give_way()
            started = time.monotonic()
            if self._deferred:
                ids = sorted(self._deferred)[:batch]
                self._deferred.difference_update(ids)
                if not await self._classify_ids(ids):
                    break
                count = len(ids)
            else:
                before = len(self._deferred)
                count = await self._catch_up_once(batch)
                if count == 0 and len(self._deferred) == before:
                    break
            done += count
            if count:  # batches sized by time: a fresh report waits for at most one
                batch = next_batch_size(
                    count, time.monotonic() - started, c.backlog_batch_seconds, c.backlog_batch
                )
                self._backlog_size = batch
            rounds += 1
            # SQLite has one writer and no queue: a writer that finds it busy polls (up to
            # 100 ms apart), and back-to-back batches left it almost no chance (a fresh
            # alert's delivery waited 17 s). In the background drain (`tracker run`: the
            # delivery loop, polls and the web write meanwhile) a gap after each batch lets
            # it in; `tracker poll`'s own drain at the end of its pass has no one to wait for.
            gap = self._sqlite and self._background_drain
            await asyncio.sleep(WRITER_GAP_SECONDS if gap else 0)
        return done

    async def _give_way(self) -> None:
        """Before a backlog batch: fresh items go first, and so does a poll pass under way
        (its items are stored, told fresh or backlog and the fresh ones classified before a
        batch starts: a fresh report no longer waits for a batch started while it was being
        fetched). A pass that runs long holds the backlog back at most POLL_PAUSE_SECONDS
        at a time, so the backlog still drains beside passes of thousands of feeds."""
        paused = time.monotonic()
        while self._fresh_waiting or (
            self._polling and time.monotonic() - paused < POLL_PAUSE_SECONDS
        ):
            await asyncio.sleep(0.01)

    async def _backlog_loop(self, stop: asyncio.Event) -> None:
        """`tracker run`: drain the backlog in the background whenever some arrives."""
        while not stop.is_set():
            waiter = asyncio.create_task(self._backlog_wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if stop.is_set():
                return
            self._backlog_wake.clear()
            await self.drain_backlog()

    async def _catch_up_once(self, batch: int) -> int:
        try:
            async with self._classify_lock:
                stats = await asyncio.to_thread(
                    self.classification.classify_pending, batch, self._catch_up_before()
                )
        except Exception:
            log.exception("catch-up classification failed")
            self.prom.classify_errors.inc()
            return 0
        if stats.items:
            log.info("caught up on %d unclassified items", stats.items)
            self._record_classified(stats)
            self.alerts.wake()
        return int(stats.items)

    async def _classify_pending(self) -> None:
        if self._background_drain:
            self._backlog_wake.set()  # the backlog loop drains
        elif self._deferred:
            await self.drain_backlog()  # one pass (`tracker poll`): everything before it ends
        else:
            await self._catch_up_once(self.settings.classifier.catch_up_batch)
        try:  # incidents stored without their events (e.g. by an older version)
            changes = await asyncio.to_thread(
                self.events.catch_up, self.settings.classifier.catch_up_batch
            )
        except Exception:
            log.exception("events catch-up failed")
            return
        if changes.reports:
            self.alerts.wake()

    def _catch_up_before(self) -> datetime | None:
        """Items first seen after this may still be waiting for their article page (their
        batch classifies them); the catch-up leaves them alone until the deadline is past."""
        p = self.settings.polling
        if not p.fetch_articles:
            return None
        return self.clock() - timedelta(seconds=p.article_deadline_seconds + 60)

    def _record_classified(self, stats: Any) -> None:
        self.prom.incidents.inc(stats.incidents)
        self.prom.violations.inc(stats.violations)
        if stats.items:
            log.info(
                "classified %d items: %d incidents, %d violations",
                stats.items,
                stats.incidents,
                stats.violations,
            )

    # -- set-up ----------------------------------------------------------------------------

    def upgrade_db(self) -> None:
        db.upgrade(self.engine)

    def check_writable(self) -> None:
        """A read-only database: one line and exit, before any work (see DatabaseUnusable)."""
        db.check_writable(self.engine)

    def sync_feeds(self) -> None:
        self.repo.sync_feeds(configured_feed_specs(self.settings), self.clock())

    async def finish_articles(self) -> None:
        """Wait for the article batches of past ticks (`tracker poll` before it exits)."""
        await self.poller.drain_articles()

    async def aclose(self) -> None:
        # Unfinished article batches are dropped: their items are caught up later.
        await self.poller.drain_articles(cancel=True)
        if self._feed_fetcher is not None:
            await self._feed_fetcher.aclose()
        if self._pool is not None:
            await asyncio.to_thread(self._pool.close)
        await self.notifier.close()
        for channel in self.channel_senders:
            await channel.sender.close()
        self.engine.dispose()

    # -- work ------------------------------------------------------------------------------

    async def tick(
        self, on_progress: Callable[[int, int], None] | None = None, last: bool = False
    ) -> PassReport:
        """One scheduler tick: poll what is due. Never raises (the scheduler must go on).
        `last` (`tracker poll`): no tick follows, so the parser workers are let go once the
        feeds are in, before the backlog is classified (they would sit idle in memory)."""
        async with self._tick_lock:
            now = self.clock()
            started = time.monotonic()
            try:
                self._polling += 1
                try:
                    report = await self.poller.run_once(now, on_progress)
                finally:
                    self._polling -= 1
                if last:
                    await self._release_parsers()
                if self.settings.classifier.enabled:
                    await self._classify_pending()
            except Exception as exc:
                self.tick_error = exc  # `tracker poll` reports it and exits non-zero
                self._tick_errors.failed(exc)  # one traceback per outage, then counts
                report = PassReport(started_at=now)
            else:
                self.tick_error = None
                self._tick_errors.succeeded()
            self.prom.ticks.inc()
            self.last_tick = TickInfo(
                at=now,
                duration_seconds=round(time.monotonic() - started, 3),
                feeds=len(report.feeds),
                new_items=len(report.new_item_ids),
                errors=report.errors,
            )
            return report

    async def _release_parsers(self) -> None:
        """Stop the parser workers when no article batch may still need them (a later
        parse starts them again)."""
        if self._pool is not None and self._pool.started and not self.poller.articles_pending:
            await asyncio.to_thread(self._pool.close)

    async def _scheduled_tick(self) -> None:
        await self.tick()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """`tracker run`: migrate, sync feeds, poll on schedule, serve status until stopped."""
        from tracker.adapters.scheduler import DigestJob, build_scheduler

        log.info("migrating the database schema (%s)", self.database_display())
        await asyncio.to_thread(self.upgrade_db)
        await asyncio.to_thread(self.check_writable)  # read-only: one line, exit
        await asyncio.to_thread(self.sync_feeds)
        await asyncio.to_thread(self.sync_destinations)
        await asyncio.to_thread(self.log_agreements_in_force)
        if self._pool is not None:  # started with the first feed or article to parse
            log.info("%d feed parser workers start when there is something to parse",
                     self._pool.workers)
        stop = stop or asyncio.Event()
        _install_signal_handlers(stop)
        d = self.settings.digest
        scheduler = build_scheduler(
            self._scheduled_tick,
            self.settings.polling.tick_seconds,
            DigestJob(self._scheduled_digest, d.time, d.timezone, d.period),
        )
        scheduler.start()
        self.scheduler_running = True
        supervise = self.supervisor.start
        heartbeat = supervise("heartbeat", self.alerts.run_heartbeat, stop)
        delivery = supervise("alert delivery", self.alerts.run_delivery, stop)
        updates = supervise("bot commands", self.alerts.run_updates, stop)
        loops = [delivery, updates, heartbeat]
        if self.settings.classifier.enabled:
            self._background_drain = True
            loops.append(supervise("backlog", self._backlog_loop, stop))
        for channel in self.channel_senders:
            loops.append(supervise(f"{channel.sender.name} delivery", channel.run, stop))
        try:
            if self.settings.web.enabled:
                await self._serve_web(stop)
            else:
                await asyncio.to_thread(self.log_ready)
                await stop.wait()
        finally:
            stop.set()
            updates.cancel()  # a long poll under way has nothing worth waiting for
            await self._stop_tasks(*loops)
            self.scheduler_running = False
            scheduler.shutdown(wait=False)
            await self.aclose()
            log.info("tracker stopped")

    async def _stop_tasks(self, *tasks: asyncio.Task[None]) -> None:
        """Wait for the loops to wind down (delivery gives sends under way the shutdown
        grace), but never much longer: the whole stop must fit in Docker's grace period."""
        grace = self.settings.telegram.shutdown_grace_seconds
        _done, pending = await asyncio.wait(tasks, timeout=grace + 1.5)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)

    def web_app(self, digest_concurrency: int | None = None) -> Any:
        """The ASGI app of the status page, the read API, the digests and the dashboard."""
        from tracker.adapters.web import create_web_app

        concurrency = digest_concurrency or self.settings.web.digest_concurrency
        return create_web_app(self, __version__, digest_concurrency=concurrency)

    async def _serve_web(self, stop: asyncio.Event) -> None:
        import uvicorn

        web = self.web_app()
        config = uvicorn.Config(
            web,
            host=self.settings.web.host,
            port=self.settings.web.port,
            # The loggers were set up by tracker.logs: uvicorn keeps its hands off them.
            log_config=None,
            log_level=None,
            access_log=False,
            lifespan="off",
        )
        server = _quiet_server_class()(config)

        async def watch_stop() -> None:
            await stop.wait()
            server.should_exit = True

        async def announce_ready() -> None:
            while not server.started:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(self.log_ready)

        watcher = asyncio.create_task(watch_stop())
        announcer = asyncio.create_task(announce_ready())
        try:
            await server.serve()
        finally:
            watcher.cancel()
            announcer.cancel()

    # -- start-up summary ------------------------------------------------------------------

    def database_display(self) -> str:
        """The database URL with its password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    def ready_facts(self) -> ReadyFacts:
        from zoneinfo import ZoneInfo

        from tracker.reference import load_agreements

        extra = load_reference_extras(self.settings).get("extra_agreements")
        today = self.clock().astimezone(ZoneInfo(PLACE_TZ)).date()
        web = self.settings.web
        return ReadyFacts(
            version=__version__,
            database=self.database_display(),
            web=f"http://{web.host}:{web.port}" if web.enabled else None,
            feed_languages=[f.language for f in self.repo.list_feeds() if f.enabled],
            notifier=self.notifier.name,
            destinations=[d.name for d in self.alert_store.list_destinations() if d.active],
            agreements_in_force=[a.id for a in load_agreements(extra)
                                 if a.in_force_anywhere(today)],
            today=today.isoformat(),
        )

    def log_ready(self) -> None:
        """One line an operator reads first; a failure to gather it never stops the service."""
        try:
            log.info("%s", ready_line(self.ready_facts()))
        except Exception:
            log.exception("could not gather the start-up summary")

    # -- digests ---------------------------------------------------------------------------

    def digest_service(self) -> DigestService:
        """Built on first use: the chart pulls in matplotlib, which most commands never need."""
        if self._digests is None:
            from zoneinfo import ZoneInfo

            from tracker.adapters.charts import load_layers, render_png
            from tracker.adapters.digest_render import DigestRenderer
            from tracker.adapters.storage.digests import DigestStore

            d = self.settings.digest
            layers = load_layers()
            self._digests = DigestService(
                DigestStore(self.engine),
                DigestRenderer(lambda d: render_png(d, layers), self.settings.web.public_url),
                DigestConfig(ZoneInfo(d.timezone), d.period, d.top_incidents, d.late_report_days),
            )
        return self._digests

    def digest_sender(self) -> DigestSender:
        if self._digest_sender is None:
            from tracker.adapters.storage.digests import DigestRunStore

            self._digest_sender = DigestSender(
                self.digest_service(),
                DigestRunStore(self.engine, self.settings.telegram.allowed_chat_ids),
                self.notifier,
                self.clock,
            )
        return self._digest_sender

    async def send_digests(self, day: date | None = None, period: PeriodKind | None = None) -> int:
        """Send a digest to every destination in digest or both mode that has not had it:
        the last complete period by default (the scheduled job), else the one containing
        `day` (`tracker digest --send`). Returns how many destinations got it now."""
        sender = self.digest_sender()
        await self.alerts.log_excluded()
        if day is None:
            return await sender.send_due()
        return await sender.send_period(day, period)

    async def _scheduled_digest(self) -> None:
        try:
            sent = await self.send_digests()
        except Exception:
            log.exception("scheduled digest failed")
            return
        if sent:
            log.info("digest sent to %d destination(s)", sent)

    def digest(
        self, day: date, fmt: Format, period: PeriodKind | None = None, by: Basis = "recorded"
    ) -> tuple[bytes, str]:
        """DigestSource for the web app: the digest of the period containing `day`, counted
        by arrival (`recorded`) or by event date (`event`), from the render cache."""
        rendered = self.digest_service().render_cached(day, period, fmt, by)
        return rendered.body, rendered.media_type

    # -- the read API and exports ----------------------------------------------------------

    def data_api(self) -> Any:
        """tracker.services.dataout.DataOut over this database, built on first use."""
        if self._data_out is None:
            self._data_out = build_data_out(self.engine, self.settings, self.clock)
        return self._data_out

    def api_tokens(self) -> list[str]:
        return self.settings.web.api_tokens

    # -- the dashboard's analysts ------------------------------------------------------------

    def analysts(self) -> Any:
        """tracker.services.analysts.Analysts over this database, built on first use."""
        if self._analysts is None:
            from tracker.adapters.storage.analysts import AnalystStore
            from tracker.services.analysts import Analysts

            self._analysts = Analysts(AnalystStore(self.engine), self.clock)
        return self._analysts

    async def review(self, event_id: int, status: str, by: str) -> Any:
        """An analyst's decision from the dashboard: the same store call as a Telegram
        review button, then the alert loop (on this event loop) is woken to edit the sent
        messages."""
        decision = await asyncio.to_thread(
            self.alert_store.decide, event_id, status, by, self.clock()
        )
        if decision is not None and decision.applied:
            log.info("event %s marked %s by %s (dashboard)", event_id, status, by)
            self.alerts.wake()
        return decision

    # -- StatusSource ----------------------------------------------------------------------

    def ready(self) -> tuple[bool, str]:
        try:
            db.ping(self.engine)
        except Exception as exc:
            return False, f"database unreachable: {type(exc).__name__}"
        problems = self.supervisor.problems()
        if problems:
            return False, "; ".join(f"{name}: {what}" for name, what in sorted(problems.items()))
        return True, "database reachable"

    def log_agreements_in_force(self) -> None:
        """Start-up lines: the agreements in force today, and a warning when none covers the
        places the feeds reported on in the last 30 days (then no alert can fire for them)."""
        if not self.settings.classifier.enabled:
            return
        ref = getattr(self.classification.classifier, "ref", None)
        if ref is None:
            return
        today = self.clock().astimezone(_DAMASCUS).date()
        in_force = ref.agreements.on(today)
        log.info("agreements in force on %s: %s", today,
                 ", ".join(a.id for a in in_force) or "none")
        if not in_force:
            log.warning("no agreement is in force on %s: no report can be a violation", today)
            return
        places = self.repo.recent_places(self.clock() - timedelta(days=30))
        zoned = [(n, [h.zone_id for h in ref.zones.zones_at(lat, lon)]) for n, lat, lon in places]
        gaps = uncovered_places(ref.agreements, zoned, today)
        if gaps:
            log.warning("no agreement in force covers %d of %d places the feeds reported on in "
                        "the last 30 days (e.g. %s): reports from there are never violations",
                        len(gaps), len(places), ", ".join(gaps[:5]))

    def agreements_in_force(self) -> list[dict[str, Any]]:
        """Agreements in force today (for /status); empty before the registry is loaded."""
        ref = getattr(self.classification.loaded_classifier(), "ref", None)
        if ref is None:
            return []
        today = self.clock().astimezone(_DAMASCUS).date()
        return [{"id": a.id, "name": a.name, "since": a.start.date().isoformat()}
                for a in ref.agreements.on(today)]

    def status(self) -> dict[str, Any]:
        """The /status document; a database that cannot be reached raises SourceUnavailable
        (the endpoint answers 503 with the reason, naming no host or credentials)."""
        from tracker.adapters.web import SourceUnavailable

        try:
            return self._status()
        except db.CONNECTION_ERRORS as exc:
            if not db.is_connection_error(exc):
                raise
            raise SourceUnavailable(f"database unreachable: {type(exc).__name__}") from None

    def _status(self) -> dict[str, Any]:
        from tracker.core.feeds import shown_state

        feeds = self.repo.list_feeds()
        states = self._count_feed_states(feeds)
        rows = []
        for feed in feeds:
            state = shown_state(feed.state, feed.last_success_at, feed.consecutive_errors)
            rows.append(
                {
                    "url": mask_url(feed.url),
                    "name": feed.name,
                    "enabled": feed.enabled,
                    "state": state,
                    "last_success": _iso(feed.last_success_at),
                    "last_error": mask_secrets(feed.last_error) or None,
                    "last_error_at": _iso(feed.last_error_at),
                    "last_status": feed.last_status,
                    "consecutive_errors": feed.consecutive_errors,
                    "next_check": _iso(feed.next_check_at),
                    "items_stored": feed.items_count,
                }
            )
        return {
            "version": __version__,
            "started_at": _iso(self.started_at),
            "uptime_seconds": round(time.monotonic() - self._started_monotonic, 1),
            "scheduler_running": self.scheduler_running,
            "last_tick": {
                "at": _iso(self.last_tick.at),
                "duration_seconds": self.last_tick.duration_seconds,
                "feeds_polled": self.last_tick.feeds,
                "new_items": self.last_tick.new_items,
                "errors": self.last_tick.errors,
            },
            "feeds": rows,
            "classifier_enabled": self.settings.classifier.enabled,
            "backlog": self._backlog_status(),
            "agreements_in_force": self.agreements_in_force(),
            "alerts": {
                "notifier": self.notifier.name,
                **self.alert_store.outbox_counts(),
                "bot_updates": self._updates_lease(),
            },
            "totals": {
                **self.repo.incident_counts(self.clock() - timedelta(hours=24)),
                **self.event_store.event_counts(),
                "feeds": len(feeds),
                "feeds_enabled": sum(1 for f in feeds if f.enabled),
                "feeds_ok": states["ok"],
                "feeds_degraded": states["degraded"],
                "feeds_gone": states["gone"],
                "feeds_failing": states["failing"],
                "feeds_pending": states["pending"],
                "items": sum(f.items_count for f in feeds),
            },
        }

    def _updates_lease(self) -> dict[str, Any] | None:
        """Which instance polls the bot for commands (None before any has)."""
        from tracker.services.alert_bot import UPDATES_LEASE

        lease = self.leases.get(UPDATES_LEASE)
        if lease is None:
            return None
        return {
            "holder": lease.holder,
            "this_instance": lease.holder == self.alerts.instance,
            "expires_at": _iso(lease.expires_at),
        }

    def _backlog_status(self) -> dict[str, Any]:
        """Unclassified items and the age of the oldest (also set on the gauges)."""
        count, oldest = self.repo.backlog()
        age = max(0.0, (self.clock() - oldest).total_seconds()) if oldest is not None else 0.0
        self.prom.backlog.set(count)
        self.prom.backlog_age.set(round(age, 1))
        return {"items": count, "oldest_seconds": round(age, 1), "oldest_first_seen": _iso(oldest)}

    def metrics(self) -> tuple[bytes, str]:
        """Prometheus text; `tracker_feeds{state}` and the backlog are counted afresh from the
        database (they used to change only when /status was read). Unreachable: the last
        counts stay."""
        try:
            self._count_feed_states(self.repo.list_feeds())
            self._backlog_status()
        except db.CONNECTION_ERRORS as exc:
            if not db.is_connection_error(exc):
                raise
        return self.prom.render()

    def _count_feed_states(self, feeds: list[Any]) -> dict[str, int]:
        """Enabled feeds by shown state (see `shown_state`), also set on the gauge."""
        from tracker.core.feeds import SHOWN_STATES, shown_state

        states = dict.fromkeys(SHOWN_STATES, 0)
        for f in feeds:
            if f.enabled:
                state = shown_state(f.state, f.last_success_at, f.consecutive_errors)
                states[state] = states.get(state, 0) + 1
        for state, count in states.items():
            self.prom.feeds.labels(state=state).set(count)
        return states


def load_reference_extras(settings: Settings) -> dict[str, Any]:
    """Read the user's reference files named in [reference] (I/O stays out of the core)."""
    import csv
    import json
    from pathlib import Path

    from tracker.settings import read_toml

    ref = settings.reference
    extras: dict[str, Any] = {}
    if ref.agreements_file:
        extras["extra_agreements"] = read_toml(Path(ref.agreements_file).expanduser())
    if ref.zones_file:
        extras["extra_zones"] = json.loads(Path(ref.zones_file).expanduser().read_text("utf-8"))
    if ref.places_file:
        with Path(ref.places_file).expanduser().open(encoding="utf-8", newline="") as fh:
            extras["extra_places"] = list(csv.DictReader(fh))
    return extras


def build_data_out(engine: Engine, settings: Settings, clock: Clock) -> Any:
    """The read API's and `tracker export`'s DataOut: queries, reference data, links."""
    from tracker.adapters.storage.queries import EventQueries
    from tracker.reference import load_agreements_and_zones
    from tracker.services.dataout import DataOut, Reference, agreement_documents

    def reference() -> Reference:
        registry, zones = load_agreements_and_zones(**load_reference_extras(settings))
        return Reference(agreement_documents(registry), zones)

    return DataOut(EventQueries(engine), reference, clock, settings.web.public_url)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _quiet_server_class() -> type:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """uvicorn re-raises SIGTERM after serving, which would kill the process before the
        parser workers and the database are closed; the App handles signals itself."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return QuietServer


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def _filters(destination: FilterSettings) -> Filters:
    """A destination's filters, whatever its channel."""
    return Filters.from_mapping(destination.model_dump(include=set(FilterSettings.model_fields)))


# -- wiring for the commands and the benches -----------------------------------------------
# Commands never build engines, stores, clients or classifiers themselves: they ask here.


def open_engine(settings: Settings, *, migrate: bool = True, echo: bool = False) -> Engine:
    """An engine on the configured database, migrated to the newest schema unless told not."""
    engine = db.create_db_engine(settings.database.url, echo)
    if migrate:
        db.upgrade(engine)
    return engine


def upgrade_database(settings: Settings) -> None:
    """`tracker db upgrade`: apply the migrations and let the engine go."""
    engine = open_engine(settings, migrate=False)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()


def database_unusable(exc: BaseException, settings: Settings | None = None) -> str | None:
    """One line saying why the database cannot be used at all (read-only, a path whose
    folder is a file), or None when `exc` is another error (it keeps its traceback).
    Without settings only the storage layer's own verdict counts."""
    if isinstance(exc, db.DatabaseUnusable):
        return str(exc)
    if settings is None:
        return None
    return db.unusable_reason(exc, settings.database.url)


def feed_spec(
    url: str, name: str | None = None, interval: int | None = None, language: str | None = None
) -> FeedSpec:
    """A feed as the feed store keeps it (for `feeds add` and the benches)."""
    return FeedSpec(url, name, interval, language)


def configured_feed_specs(settings: Settings) -> list[FeedSpec]:
    return [feed_spec(f.url, f.name, f.interval_seconds, f.language) for f in settings.feeds]


def feed_store(settings: Settings) -> FeedStore:
    """The feed store on the configured database, migrated."""
    return FeedStore(open_engine(settings))


def build_classifier(settings: Settings | None = None) -> Any:
    """The classifier over the shipped reference data, with the user's [reference] files
    applied when settings are given. The registries take about a second to load."""
    from zoneinfo import ZoneInfo

    from tracker.core.classifier import Classifier
    from tracker.reference import load_reference

    extras = load_reference_extras(settings) if settings is not None else {}
    return Classifier(load_reference(**extras), ZoneInfo(PLACE_TZ))


def agreement_registry(settings: Settings) -> Any:
    """The shipped agreement registry with the user's configuration applied."""
    from tracker.reference import load_reference

    return load_reference(**load_reference_extras(settings)).agreements


def event_store(settings: Settings) -> EventStore:
    """The event store of the configured database, migrated and caught up (alerts of events
    the catch-up creates are queued in the same transaction, for `tracker run` to send)."""
    engine = open_engine(settings)
    store = EventStore(engine)
    store.change_hooks.append(AlertStore(engine, settings.telegram.allowed_chat_ids).write_outbox)
    EventService(store, utcnow).catch_up()
    return store


def data_out(settings: Settings) -> Any:
    """DataOut over the configured database (migrated first, as the other commands do)."""
    return build_data_out(open_engine(settings), settings, utcnow)


def add_analyst(settings: Settings, name: str, password: str) -> bool:
    """Create an analyst account; False when one of that name exists already. A password
    the rules refuse raises ValueError."""
    from tracker.adapters.storage.analysts import AnalystExists, AnalystStore
    from tracker.services.analysts import Analysts

    engine = open_engine(settings, migrate=False, echo=settings.database.echo)
    try:
        db.upgrade(engine)
        Analysts(AnalystStore(engine), utcnow).add(name, password)
    except AnalystExists:
        return False
    finally:
        engine.dispose()
    return True


@dataclass
class FeedPreview:
    """What `tracker feeds check` shows: a fetch error, or the feed's title and entries."""

    error: str | None = None
    title: str | None = None
    bozo: Any = None
    is_feed: bool = False
    content_type: str = "?"
    entries: list[Any] | None = None


async def preview_feed(settings: Settings, url: str) -> FeedPreview:
    """Fetch a feed once and parse it in this process. Touches no database."""
    from tracker.adapters.feeds.http import Fetcher, build_client
    from tracker.adapters.feeds.parse import parse_feed_bytes
    from tracker.core.feeds import FetchOutcome

    p = settings.polling
    client = build_client(p.timeout_seconds, p.user_agent, 2, parse_networks(p.allowed_networks))
    try:
        result = await Fetcher(client, p.timeout_seconds, p.max_body_bytes).fetch(url)
    finally:
        await client.aclose()
    if result.outcome is not FetchOutcome.OK or result.body is None:
        return FeedPreview(error=result.error or result.outcome.value)
    parsed = parse_feed_bytes(
        result.body, result.headers, result.final_url or url, p.max_entries_per_feed
    )
    return FeedPreview(
        title=parsed.title,
        bozo=parsed.bozo,
        is_feed=parsed.is_feed,
        content_type=result.headers.get("content-type", "?"),
        entries=list(parsed.entries),
    )
