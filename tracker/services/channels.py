"""Delivery on channels other than chats (webhook, email): the outbox rows of their
destinations, one sender per channel.

The same outbox, claims, attempts, backoff and dead rows as the chat sender
(tracker.services.alert_delivery); only the sending differs. A row's first delivery carries the
event as it is then; a later change of its event (the outbox flags the sent row for an edit)
is delivered again only on a channel that can update (`capabilities.edit`: a webhook gets an
`event.updated` POST with the event's revision; a mailbox gets one mail per event), and
never when the event's document did not change. A transient failure (5xx, 408, no answer,
SMTP 4xx) is tried again with exponential backoff up to `max_attempts`; a permanent one
(another 4xx, SMTP 5xx, a refused address) makes the row dead at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tracker.core.alerts import Job, Outcome, SendResult, retry_delay
from tracker.core.channels import Capabilities

log = logging.getLogger(__name__)


class OutboxRecordPort(Protocol):
    """How a sender records what became of an outbox row: the part of the storage port the
    chat sender (tracker.services.alert_delivery) and the channel senders share."""

    def begin_attempt(
        self, row_id: int, instance: str, now: datetime, lease_until: datetime | None = ...
    ) -> bool: ...

    def record_edited(self, row_id: int, message_ids: Sequence[int], content_hash: str) -> None: ...

    def record_retry(
        self,
        row_id: int,
        next_at: datetime,
        error: str,
        *,
        count_attempt: bool,
        resolved: bool = ...,
    ) -> None: ...

    def record_dead(self, row_id: int, error: str, *, edit: bool = ...) -> None: ...

    def record_skipped(self, row_id: int, reason: str) -> None: ...


class ChannelStorePort(OutboxRecordPort, Protocol):
    """What channel delivery needs from storage (tracker.adapters.storage.alerts)."""

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
        channels: Collection[str] = ...,
    ) -> list[Job]: ...

    def record_sent(
        self,
        row_id: int,
        chat_id: int | None,
        message_ids: Sequence[int],
        content_hash: str,
        plain: bool,
        now: datetime,
    ) -> None: ...


class ChannelSenderPort(Protocol):
    """One channel's sender (tracker.adapters.notify.webhook, .email)."""

    name: str
    capabilities: Capabilities

    async def deliver(
        self, address: str, event: Mapping[str, Any], *, update: bool
    ) -> SendResult: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class ChannelConfig:
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    interval_seconds: float = 1.0
    # Longer than one POST can take (the client's timeout), so a live sender keeps its rows.
    lease_seconds: float = 120.0
    per_address_batch: int = 5


class ChannelDelivery:
    def __init__(
        self,
        store: ChannelStorePort,
        sender: ChannelSenderPort,
        event_document: Callable[[int], Mapping[str, Any] | None],
        config: ChannelConfig,
        clock: Callable[[], datetime],
        instance: str = "",
    ) -> None:
        """`event_document`: the `/api/v1/events/{id}` contract of an event (None when it
        is gone)."""
        self.store = store
        self.sender = sender
        self.event_document = event_document
        self.config = config
        self.clock = clock
        self.instance = instance

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver every interval until `stop` (which ends the wait at once)."""
        while not stop.is_set():
            await self.deliver_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.interval_seconds)

    async def deliver_once(self) -> int:
        """Claim the channel's due rows and deliver each; returns how many were handled."""
        jobs = await asyncio.to_thread(
            self.store.claim,
            self.clock(),
            self.config.lease_seconds,
            per_chat=self.config.per_address_batch,
            instance=self.instance,
            channels=(self.sender.name,),
        )
        for job in jobs:
            await self._process(job)
        return len(jobs)

    async def _process(self, job: Job) -> None:
        document = await asyncio.to_thread(self.event_document, job.event_id)
        if document is None:
            await asyncio.to_thread(self.store.record_skipped, job.row_id, "event is gone")
            return
        fingerprint = _fingerprint(document)
        if job.edit and (fingerprint == job.content_hash or not self.sender.capabilities.edit):
            # nothing a receiver would see, or a channel that takes one message per event
            await asyncio.to_thread(self.store.record_edited, job.row_id, (), fingerprint)
            return
        if not await asyncio.to_thread(
            self.store.begin_attempt, job.row_id, self.instance, self.clock()
        ):
            return  # another instance took the row over
        result = await self.sender.deliver(job.address, document, update=job.edit)
        await self._record(job, result, fingerprint)

    async def _record(self, job: Job, result: SendResult, fingerprint: str) -> None:
        store, now = self.store, self.clock()
        if result.outcome is Outcome.OK:
            if job.edit:
                await asyncio.to_thread(store.record_edited, job.row_id, (), fingerprint)
            else:
                await asyncio.to_thread(
                    store.record_sent, job.row_id, None, (), fingerprint, False, now
                )
            return
        if result.outcome is Outcome.RETRY_AFTER:
            until = now + timedelta(seconds=max(result.retry_after, 1.0))
            await asyncio.to_thread(
                store.record_retry, job.row_id, until, result.error, count_attempt=False
            )
            return
        if result.outcome is Outcome.PERMANENT or job.attempts + 1 >= self.config.max_attempts:
            await self._dead(job, result.error)
            return
        c = self.config
        delay = retry_delay(job.attempts + 1, c.retry_base_seconds, c.retry_max_seconds)
        log.info(
            "%s alert %s failed (attempt %d of %d): %s",
            self.sender.name,
            job.row_id,
            job.attempts + 1,
            c.max_attempts,
            result.error,
        )
        await asyncio.to_thread(
            store.record_retry,
            job.row_id,
            now + timedelta(seconds=delay),
            result.error,
            count_attempt=True,
        )

    async def _dead(self, job: Job, error: str) -> None:
        log.error("%s alert %s is dead: %s", self.sender.name, job.row_id, error)
        await asyncio.to_thread(self.store.record_dead, job.row_id, error, edit=job.edit)


def _fingerprint(document: Mapping[str, Any]) -> str:
    """A hash of the event document: an update is posted only when it changed."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
