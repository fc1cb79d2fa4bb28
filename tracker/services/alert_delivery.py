"""Alert delivery: the outbox loop, edits when an event changes, and the instance
heartbeat. The bot's commands and the analysts' review buttons are tracker.services.alert_bot's
(its AlertService is this delivery plus the bot). Digests are tracker.services.digest's, sent by
its DigestSender.

The outbox rows are written by the classification transaction, after the merged events
were recomputed in it (see `AlertStore.write_outbox`): one row per (event, destination).
This service only moves them forward. Each step is recorded in
the database before the next one starts, so a crash or restart resumes where it stopped.

The one duplicate window: Telegram accepted a message and the process died (or the answer
was lost on the way back, e.g. a timeout after Telegram had already delivered it) before
the message id was recorded. The row is then still pending and is sent again once. Messages
of a multi-part alert are recorded part by part, so the window is one part, never the whole
alert. Nothing else sends twice: rows are unique per (event, destination, kind) and are
leased with a compare-and-set before sending. When a later report changes an event (more
sources, a higher toll, a split or a merge into another event) or an analyst decides, the
sent messages are edited, never sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar, cast

from tracker.core.alerts import (
    INSTANCE_LEASE_PREFIX,
    AlertView,
    BotUpdate,
    Button,
    ChatFormat,
    Decision,
    Filters,
    Job,
    Message,
    Outcome,
    SendResult,
    retry_delay,
)
from tracker.core.channels import Capabilities
from tracker.core.labels import DEFAULT_LANGUAGE
from tracker.services.channels import OutboxRecordPort
from tracker.services.supervisor import ErrorStreak, Report

# The logger keeps the name it had before the split (log filters and alerting use it).
log = logging.getLogger("tracker.services.alerts")
T = TypeVar("T")


class DestinationLike(Protocol):
    chat_id: int | None
    source: str
    active: bool
    filters: dict[str, Any]


class AlertStorePort(OutboxRecordPort, Protocol):
    """What delivery needs from storage (tracker.adapters.storage.alerts.AlertStore)."""

    def claim(
        self,
        now: datetime,
        lease_seconds: float,
        *,
        per_chat: int,
        limit: int = ...,
        busy_chats: frozenset[int] = ...,
        instance: str = ...,
        take_over: bool = ...,
    ) -> list[Job]: ...

    def views(self, event_ids: Iterable[int]) -> dict[int, AlertView]: ...

    def record_sent(
        self,
        row_id: int,
        chat_id: int,
        message_ids: Sequence[int],
        content_hash: str,
        plain: bool,
        now: datetime,
    ) -> None: ...

    def record_progress(self, row_id: int, message_ids: Sequence[int], plain: bool) -> None: ...

    def record_destination_ok(self, destination_id: int) -> None: ...

    def record_destination_failure(
        self, destination_id: int, error: str, threshold: int, now: datetime
    ) -> bool: ...

    def migrate_chat(self, destination_id: int, new_chat_id: int, now: datetime) -> None: ...

    def subscribe(self, chat_id: int, name: str, filters: Filters, now: datetime) -> str: ...

    def unsubscribe(self, chat_id: int, now: datetime) -> bool: ...

    def destination(self, chat_id: int) -> DestinationLike | None: ...

    def latest(self, limit: int) -> list[AlertView]: ...

    def decide(self, event_id: int, status: str, by: str, now: datetime) -> Decision | None: ...

    def message_shows_event(self, chat_id: int, message_id: int, event_id: int) -> bool: ...

    def excluded_destinations(self) -> Sequence[DestinationLike]: ...


class LeasePort(Protocol):
    """One instance at a time polls the bot (tracker.adapters.storage.leases.LeaseStore)."""

    def acquire(
        self, name: str, holder: str, now: datetime, seconds: float
    ) -> tuple[bool, int | None]: ...

    def save_cursor(self, name: str, holder: str, cursor: int) -> bool: ...

    def release(self, name: str, holder: str) -> None: ...


class _SoloLeases:
    """The lease port for a single instance without a shared database: always held, the
    cursor kept in memory (Telegram keeps unconfirmed updates for a day, so a restart
    replays at most the batch it was handling)."""

    def __init__(self) -> None:
        self.cursor: int | None = None

    def acquire(
        self, name: str, holder: str, now: datetime, seconds: float
    ) -> tuple[bool, int | None]:
        return True, self.cursor

    def save_cursor(self, name: str, holder: str, cursor: int) -> bool:
        self.cursor = cursor
        return True

    def release(self, name: str, holder: str) -> None:
        return None



class NotifierPort(Protocol):
    """One chat channel's sender. `name` is its channel (tracker.core.channels);
    `capabilities` says what it can do beyond sending (edits, commands, review buttons);
    `text` is how its messages are worded, cut and parsed."""

    name: str
    supports_html: bool
    capabilities: Capabilities
    text: ChatFormat

    async def send(
        self, chat_id: int, text: str, *, html: bool, buttons: Sequence[Button] = ()
    ) -> SendResult: ...

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        html: bool,
        buttons: Sequence[Button] = (),
    ) -> SendResult: ...

    async def send_photo(
        self, chat_id: int, photo: bytes, *, caption: str = "", html: bool = False
    ) -> SendResult: ...

    async def close(self) -> None: ...


class BotPort(NotifierPort, Protocol):
    """A chat channel that people can talk back to (`capabilities.commands`)."""

    async def prepare_updates(self, commands: Sequence[tuple[str, str]]) -> None: ...

    async def get_updates(self, offset: int | None, timeout: int) -> list[BotUpdate]: ...

    async def answer_callback(self, callback_id: str, text: str) -> None: ...


def as_bot(notifier: NotifierPort) -> BotPort:
    """The notifier as a bot; only for channels whose capabilities include commands."""
    if not notifier.capabilities.commands:
        raise TypeError(f"the {notifier.name} channel takes no commands")
    return cast(BotPort, notifier)


@dataclass(frozen=True)
class DeliveryConfig:
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    per_chat_interval_seconds: float = 1.0
    delivery_interval_seconds: float = 1.0
    commands: bool = True
    long_poll_seconds: int = 25
    allowed_chat_ids: frozenset[int] = frozenset()
    # A sender holds a row this long; longer than any single send (timeouts included).
    lease_seconds: float = 120.0
    per_chat_batch: int = 5
    refusals_before_deactivation: int = 3
    latest_max: int = 20
    # `[web] public_url`: alerts link to the event's page and API document there.
    public_url: str = ""
    # Each instance renews its heartbeat lease this often; an instance silent for
    # `instance_expiry_seconds` is dead and a live one takes over its claimed rows.
    heartbeat_seconds: float = 5.0
    instance_expiry_seconds: float = 10.0
    # On stop, sends under way get this long to finish before they are cancelled.
    shutdown_grace_seconds: float = 2.0
    # A failing loop logs one traceback, then one summary line per this many seconds.
    error_summary_seconds: float = 60.0
    # Longest wait between retries of a database step (the outbox, the bot's lease).
    storage_retry_max_seconds: float = 5.0
    # Pacing of group chats (negative ids): the notifier's own per-group limit, if any.
    group_interval_seconds: float = 0.0
    # The labels' language of each configured chat that chose one (`language` of its
    # destination); every other chat gets the default (English).
    chat_languages: Mapping[int, str] = field(default_factory=dict)


@dataclass
class DeliveryStats:
    sent: int = 0
    edited: int = 0
    failed: int = 0
    dead: int = 0
    latencies: list[float] = field(default_factory=list)


class _TakenOver(Exception):
    """Another instance holds the row now (ours was thought dead): do not send it."""


class _Stop(Exception):
    """The rest of this chat's batch must wait (rate limit, refusal)."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__()
        self.until = until


class AlertDelivery:
    """Moves the outbox rows of the chats forward: send, edit, retry, give up."""

    def __init__(
        self,
        store: AlertStorePort,
        notifier: NotifierPort,
        config: DeliveryConfig,
        clock: Callable[[], datetime],
        status_provider: Callable[[], dict[str, Any]] | None = None,
        leases: LeasePort | None = None,
        instance: str = "tracker",
        report: Report | None = None,
    ) -> None:
        self.store = store
        self.leases: LeasePort = leases or _SoloLeases()
        self.instance = instance
        self.notifier = notifier
        self.config = config
        self.clock = clock
        self.status_provider = status_provider
        self.stats = DeliveryStats()
        self._wake = asyncio.Event()
        self._chat_tasks: dict[int, asyncio.Task[None]] = {}
        self._next_send: dict[int, float] = {}
        self._paused_until: dict[int, datetime] = {}
        self._excluded_logged: set[int] = set()
        window = config.error_summary_seconds
        self._delivery_errors = ErrorStreak(
            "alert delivery", log, window_seconds=window, report=report
        )
        self._heartbeat_errors = ErrorStreak(
            "instance heartbeat", log, window_seconds=window, report=report
        )
        self._stopping = False
        self._steady_since: float | None = None  # heartbeat unbroken since (monotonic)

    # -- plumbing ----------------------------------------------------------------------------

    def wake(self) -> None:
        """New rows were written (or decisions made): deliver now instead of at the next
        interval. That is what keeps poll-to-message latency low."""
        self._wake.set()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _paced(self, chat_id: int, call: Callable[[], Awaitable[SendResult]]) -> SendResult:
        """At most one message per chat per interval (on top of the library's limits). Group
        chats (negative ids) are paced at the notifier's group rate as well, so that the wait
        happens here, before an attempt is recorded, not inside the library after it."""
        wait = self._next_send.get(chat_id, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        interval = self.config.per_chat_interval_seconds
        if chat_id < 0:
            interval = max(interval, self.config.group_interval_seconds)
        try:
            return await call()
        finally:
            self._next_send[chat_id] = time.monotonic() + interval

    async def _attempt(self, job: Job, send: Callable[[], Awaitable[SendResult]]) -> SendResult:
        """Record the attempt, then send. Called after the pacing wait, so that the record
        precedes the request by one database write: a crash in between is the only way an
        attempt's outcome can go unknown."""
        now = self.clock()
        until = now + timedelta(seconds=self.config.lease_seconds)
        if not await self._db(self.store.begin_attempt, job.row_id, self.instance, now, until):
            raise _TakenOver()
        return await send()

    def _backoff(self, attempts: int) -> timedelta:
        c = self.config
        return timedelta(seconds=retry_delay(attempts, c.retry_base_seconds, c.retry_max_seconds))

    # -- the delivery loop -------------------------------------------------------------------

    async def log_excluded(self) -> None:
        """Say once per chat (per process) that a stored destination outside
        `telegram.allowed_chat_ids` gets nothing; it is kept, not deleted, and receives
        again when the list admits it."""
        if not self.config.allowed_chat_ids:
            return
        try:
            excluded = await self._db(self.store.excluded_destinations)
        except Exception:
            log.exception("listing destinations outside telegram.allowed_chat_ids failed")
            return
        for dest in excluded:
            if dest.chat_id is not None and dest.chat_id not in self._excluded_logged:
                self._excluded_logged.add(dest.chat_id)
                log.warning(
                    "chat %s (%s destination) is not in telegram.allowed_chat_ids: it gets no "
                    "alerts or digests until the list admits it (the destination is kept)",
                    dest.chat_id,
                    dest.source,
                )

    async def run_delivery(self, stop: asyncio.Event) -> None:
        """Deliver until `stop`; woken at once by `wake()`, else every interval."""
        self._stopping = False
        await self.log_excluded()
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.dispatch()
            except Exception as exc:
                self._delivery_errors.failed(exc)
            else:
                self._delivery_errors.succeeded()
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait(
                {waiter, stopper},
                timeout=self.config.delivery_interval_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiter.cancel()
            stopper.cancel()
        self._stopping = True  # senders stop after the message under way
        await self.drain(timeout=self.config.shutdown_grace_seconds)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the chat senders started so far; after `timeout`, cancel the rest (their
        rows stay claimed by this instance, whose released heartbeat lets another instance
        take them over at once; a send cut short mid-request is the unknowable case)."""
        tasks = list(self._chat_tasks.values())
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("stopping: %d chat sender(s) cut short", len(pending))
            await asyncio.wait(pending, timeout=1.0)

    async def deliver_once(self) -> None:
        """One pass that waits for its sends (for tests and `tracker` commands)."""
        await self.dispatch()
        await self.drain()

    async def dispatch(self) -> int:
        """Lease due rows for chats not already being served and start one sender per chat."""
        now = self.clock()
        busy = frozenset(c for c, t in self._chat_tasks.items() if not t.done())
        paused = frozenset(c for c, until in self._paused_until.items() if until > now)
        jobs = await self._db(
            self.store.claim,
            now,
            self.config.lease_seconds,
            per_chat=self.config.per_chat_batch,
            busy_chats=busy | paused,
            instance=self.instance,
            take_over=self._may_take_over(),
        )
        by_chat: dict[int, list[Job]] = defaultdict(list)
        for job in jobs:
            by_chat[job.chat_id].append(job)
        for chat_id, chat_jobs in by_chat.items():
            self._chat_tasks[chat_id] = asyncio.create_task(self._serve_chat(chat_id, chat_jobs))
        self._chat_tasks = {c: t for c, t in self._chat_tasks.items() if not t.done()}
        return len(jobs)

    def _may_take_over(self) -> bool:
        """Take over dead instances' claims only once our own heartbeat has been unbroken
        for a whole expiry period: after a database outage every instance's heartbeat has
        run out, and each must first have had the time to renew its own."""
        since = self._steady_since
        return since is not None and (
            time.monotonic() - since >= self.config.instance_expiry_seconds
        )

    async def _serve_chat(self, chat_id: int, jobs: list[Job]) -> None:
        """Send a chat's batch in order. The batch stops at the first storage error: a
        message must never go out when the database cannot record that it is going out.
        Rows not reached stay claimed by this instance and come back at its next claim."""
        try:
            views = await self._db(self.store.views, [j.event_id for j in jobs])
        except Exception as exc:
            self._delivery_errors.failed(exc)
            return
        for index, job in enumerate(jobs):
            if self._stopping:
                await self._release(jobs[index:], None)
                return
            try:
                await self._process(job, views.get(job.event_id))
            except _Stop as stop:
                await self._release(jobs[index + 1 :], stop.until)
                if stop.until is not None:
                    self._paused_until[chat_id] = stop.until
                return
            except _TakenOver:
                log.warning("alert %s was taken over by another instance", job.row_id)
                continue
            except Exception as exc:
                log.warning(
                    "alert %s to chat %s: batch stopped (%s: %s)",
                    job.row_id,
                    chat_id,
                    type(exc).__name__,
                    str(exc).splitlines()[0] if str(exc) else "",
                )
                self._delivery_errors.failed(exc)
                await self._release(jobs[index + 1 :], None)
                return
        if jobs:
            self.wake()  # more rows for this chat may be waiting behind the batch limit

    async def _release(self, jobs: Sequence[Job], until: datetime | None) -> None:
        """Give rows back without counting an attempt (their lease would hold them). On a
        storage error the rest stay claimed by this instance, which claims them again."""
        when = until or self.clock()
        for job in jobs:
            try:
                await self._db(
                    self.store.record_retry,
                    job.row_id,
                    when,
                    "",
                    count_attempt=False,
                    resolved=False,
                )
            except Exception:
                return

    async def _record(self, job: Job, fn: Callable[..., T], *args: Any) -> T:
        """Record what Telegram already did (a message id). This must not be lost to a
        database hiccup, or the row would be sent again: retry, with backoff, for as long as
        it takes. Only a stop cuts it short (then the outcome is what a crash would leave)."""
        delay = 0.25
        while True:
            try:
                return await self._db(fn, *args)
            except Exception as exc:
                self._delivery_errors.failed(exc)
                if self._stopping:
                    log.error(
                        "alert %s reached chat %s but could not be recorded while stopping",
                        job.row_id,
                        job.chat_id,
                    )
                    raise
            await asyncio.sleep(delay)
            # never slower than the heartbeat: once the database is back, this write lands
            # before another instance may take the row over (see AlertStore._claimable)
            c = self.config
            delay = min(delay * 2, c.storage_retry_max_seconds, c.heartbeat_seconds)

    async def _process(self, job: Job, view: AlertView | None) -> None:
        if view is None:
            await self._db(self.store.record_skipped, job.row_id, "event has no reports")
            return
        canonical = self.notifier.text.render_alert(
            view,
            as_html=self.notifier.supports_html,
            review=job.review,
            public_url=self.config.public_url,
            language=self._language(job),
        )
        if job.edit:
            await self._edit(job, view, canonical)
        else:
            await self._send(job, view, canonical)

    def _render(self, view: AlertView, job: Job, plain: bool) -> Message:
        return self.notifier.text.render_alert(
            view,
            as_html=self.notifier.supports_html and not plain,
            review=job.review,
            public_url=self.config.public_url,
            language=self._language(job),
        )

    def _language(self, job: Job) -> str:
        """The labels' language the job's chat chose (default: English)."""
        return self.config.chat_languages.get(job.chat_id, DEFAULT_LANGUAGE)

    async def _send(self, job: Job, view: AlertView, canonical: Message) -> None:
        plain = job.plain
        message = self._render(view, job, plain)
        chat_id = job.chat_id
        ids = list(job.message_ids)  # parts delivered by an earlier attempt are not resent
        chunks = list(message.chunks[len(ids) :])
        migrated = False
        if job.uncertain:
            log.warning(
                "alert %s to chat %s: an earlier attempt was never recorded (its sender "
                "stopped mid-send); sending again, which may repeat it",
                job.row_id,
                job.chat_id,
            )
        while chunks:
            buttons = message.buttons if len(chunks) == 1 else ()
            text = chunks[0]
            send = partial(self.notifier.send, chat_id, text, html=message.html, buttons=buttons)
            result = await self._paced(chat_id, partial(self._attempt, job, send))
            if result.outcome is Outcome.OK and result.message_id is not None:
                ids.append(result.message_id)
                chunks.pop(0)
                if chunks:
                    await self._record(job, self.store.record_progress, job.row_id, ids, plain)
                continue
            if result.outcome is Outcome.PARSE_ERROR and not plain:
                log.warning("alert %s: HTML refused (%s); sending text", job.row_id, result.error)
                plain = True
                message = self._render(view, job, plain)
                chunks = list(message.chunks[len(ids) :]) or [message.chunks[-1]]
                continue
            if result.outcome is Outcome.MIGRATED and result.new_chat_id and not migrated:
                log.warning("chat %s migrated to %s", chat_id, result.new_chat_id)
                await self._db(
                    self.store.migrate_chat, job.destination_id, result.new_chat_id, self.clock()
                )
                chat_id, migrated = result.new_chat_id, True
                continue
            await self._failed(job, result, ids, plain)
            return
        now = self.clock()
        await self._record(
            job,
            self.store.record_sent,
            job.row_id,
            chat_id,
            ids,
            canonical.fingerprint(),
            plain,
            now,
        )
        if job.attempts:
            await self._db(self.store.record_destination_ok, job.destination_id)
        self.stats.sent += 1

    async def _failed(self, job: Job, result: SendResult, ids: Sequence[int], plain: bool) -> None:
        """Decide what a failed send means for the row, the chat and the destination."""
        now = self.clock()
        if ids or plain != job.plain:
            await self._db(self.store.record_progress, job.row_id, list(ids), plain)
        self.stats.failed += 1
        if result.outcome is Outcome.RETRY_AFTER:
            _log_retry_after(job, result)
            until = now + timedelta(seconds=max(result.retry_after, 0.0))
            await self._db(
                self.store.record_retry, job.row_id, until, result.error, count_attempt=False
            )
            raise _Stop(until)
        if result.outcome is Outcome.FORBIDDEN:
            deactivated = await self._db(
                self.store.record_destination_failure,
                job.destination_id,
                result.error,
                self.config.refusals_before_deactivation,
                now,
            )
            if deactivated:
                log.warning(
                    "destination chat %s deactivated after %d refusals: %s",
                    job.chat_id,
                    self.config.refusals_before_deactivation,
                    result.error,
                )
                raise _Stop()
            until = now + self._backoff(job.attempts + 1)
            await self._db(
                self.store.record_retry, job.row_id, until, result.error, count_attempt=True
            )
            raise _Stop(until)
        if result.outcome is Outcome.PERMANENT or job.attempts + 1 >= self.config.max_attempts:
            log.error("alert %s to chat %s is dead: %s", job.row_id, job.chat_id, result.error)
            await self._db(self.store.record_dead, job.row_id, result.error)
            self.stats.dead += 1
            return
        until = now + self._backoff(job.attempts + 1)
        log.info(
            "alert %s to chat %s failed (attempt %d of %d): %s",
            job.row_id,
            job.chat_id,
            job.attempts + 1,
            self.config.max_attempts,
            result.error,
        )
        await self._db(self.store.record_retry, job.row_id, until, result.error, count_attempt=True)

    async def _edit(self, job: Job, view: AlertView, canonical: Message) -> None:
        """Bring sent messages up to date; nothing is called when nothing material changed."""
        fingerprint = canonical.fingerprint()
        if fingerprint == job.content_hash:
            await self._db(self.store.record_edited, job.row_id, job.message_ids, fingerprint)
            return
        plain = job.plain
        message = self._render(view, job, plain)
        ids = list(job.message_ids)
        index = 0
        while index < len(message.chunks):
            last = index == len(message.chunks) - 1
            buttons = message.buttons if last else ()
            text = message.chunks[index]
            if index < len(ids):
                mid = ids[index]
                result = await self._paced(
                    job.chat_id,
                    partial(
                        self.notifier.edit,
                        job.chat_id,
                        mid,
                        text,
                        html=message.html,
                        buttons=buttons,
                    ),
                )
            else:
                result = await self._paced(
                    job.chat_id,
                    partial(
                        self.notifier.send, job.chat_id, text, html=message.html, buttons=buttons
                    ),
                )
                if result.outcome is Outcome.OK and result.message_id is not None:
                    ids.append(result.message_id)
            if result.outcome in (Outcome.OK, Outcome.NOT_MODIFIED):
                index += 1
                continue
            if result.outcome is Outcome.PARSE_ERROR and not plain:
                plain = True
                message = self._render(view, job, plain)
                continue
            await self._edit_failed(job, result)
            return
        await self._db(self.store.record_edited, job.row_id, ids, fingerprint)
        self.stats.edited += 1

    async def _edit_failed(self, job: Job, result: SendResult) -> None:
        now = self.clock()
        if result.outcome is Outcome.RETRY_AFTER:
            _log_retry_after(job, result)
            until = now + timedelta(seconds=result.retry_after)
            await self._db(
                self.store.record_retry, job.row_id, until, result.error, count_attempt=False
            )
            raise _Stop(until)
        transient = result.outcome is Outcome.TRANSIENT
        if transient and job.attempts + 1 < self.config.max_attempts:
            until = now + self._backoff(job.attempts + 1)
            await self._db(
                self.store.record_retry, job.row_id, until, result.error, count_attempt=True
            )
            return
        log.warning(
            "edit of alert %s in chat %s given up: %s", job.row_id, job.chat_id, result.error
        )
        await self._db(self.store.record_dead, job.row_id, result.error, edit=True)

    # -- the instance heartbeat --------------------------------------------------------------

    async def run_heartbeat(self, stop: asyncio.Event) -> None:
        """Renew this instance's lease until `stop`, then release it so that another
        instance takes over whatever this one still held at once."""
        name = INSTANCE_LEASE_PREFIX + self.instance
        try:
            while not stop.is_set():
                try:
                    await self._db(
                        self.leases.acquire,
                        name,
                        self.instance,
                        self.clock(),
                        self.config.instance_expiry_seconds,
                    )
                except Exception as exc:
                    self._steady_since = None
                    self._heartbeat_errors.failed(exc)
                else:
                    self._heartbeat_errors.succeeded()
                    if self._steady_since is None:
                        self._steady_since = time.monotonic()
                await sleep_or_stop(stop, self.config.heartbeat_seconds)
        finally:
            self._steady_since = None
            with contextlib.suppress(Exception):
                self.leases.release(name, self.instance)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _log_retry_after(job: Job, result: SendResult) -> None:
    log.warning(
        "alert %s to chat %s: Telegram asks to wait %.0f s (429 Too Many Requests); "
        "the chat's alerts wait as told",
        job.row_id,
        job.chat_id,
        result.retry_after,
    )
