"""Keeping merged events up to date outside classification.

Classification recomputes events inside its own transaction (EventStore.recompute_in is a
FeedStore classification hook), so incidents, events and alert outbox rows are stored
together. This service covers the rest: the command line, and catching up on incidents
stored before events existed; each batch is one transaction that also runs the store's
change hooks (the alert outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from tracker.core.merge import EventChanges

log = logging.getLogger(__name__)


class EventStorePort(Protocol):
    def recompute(self, item_ids: Sequence[int], now: datetime) -> EventChanges: ...

    def unlinked_item_ids(self, limit: int = ...) -> list[int]: ...


class EventService:
    def __init__(
        self, store: EventStorePort, clock: Callable[[], datetime], batch_size: int = 200
    ) -> None:
        self.store = store
        self.clock = clock
        self.batch_size = batch_size

    def update_for_items(
        self, item_ids: Sequence[int], now: datetime | None = None
    ) -> EventChanges:
        """Recompute the events the items' incidents can belong to, batch by batch."""
        changes = EventChanges()
        when = now or self.clock()
        for start in range(0, len(item_ids), self.batch_size):
            changes.add(self.store.recompute(item_ids[start : start + self.batch_size], when))
        if changes.split or changes.retired:
            log.info("events split %s, retired %s", changes.split, changes.retired)
        return changes

    def catch_up(self, limit: int = 10_000) -> EventChanges:
        """Link incidents that are in no event yet (e.g. stored before events existed)."""
        return self.update_for_items(self.store.unlinked_item_ids(limit))
