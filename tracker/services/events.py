"""Keeping merged events up to date as incidents are stored.

Runs after each batch of classifications (and on demand from the command line); a failure
here never loses an incident: unlinked incidents are picked up by the next catch-up.
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

    def after_classification(self, item_ids: Sequence[int], now: datetime) -> None:
        """Hook for ClassificationService: never lets an events failure stop classifying."""
        try:
            self.update_for_items(item_ids, now)
        except Exception:
            log.exception("events for %d items not updated; the catch-up will retry", len(item_ids))

    def catch_up(self, limit: int = 10_000) -> EventChanges:
        """Link incidents that are in no event yet (e.g. stored before events existed)."""
        return self.update_for_items(self.store.unlinked_item_ids(limit))
