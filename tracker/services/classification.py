"""Classification of stored items into incidents: new items after each poll, items left
unclassified by a crash on the next tick, and `tracker reclassify` after a rule change."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tracker.core.incident import ItemInput
from tracker.core.lang.detect import UNSUPPORTED_REASON, choose_language

log = logging.getLogger(__name__)


class IncidentLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class ClassifierPort(Protocol):
    def classify(self, item: ItemInput) -> Sequence[IncidentLike]: ...


class ItemSource(Protocol):
    """What the service needs from storage (the FeedStore implements it)."""

    def items_by_ids(self, ids: Sequence[int]) -> list[Any]: ...

    def save_classifications(
        self, results: Sequence[tuple[int, Sequence[dict[str, Any]]]], now: datetime
    ) -> int: ...

    def unclassified_item_ids(
        self, limit: int, seen_before: datetime | None = None
    ) -> list[int]: ...

    def item_ids_first_seen_since(self, since: datetime) -> list[int]: ...


@dataclass
class ClassifyStats:
    items: int = 0
    incidents: int = 0
    violations: int = 0
    failed: int = 0
    unclassified: int = 0  # stored but not read: a language the classifier has no rules for

    def add(self, other: ClassifyStats) -> None:
        self.items += other.items
        self.incidents += other.incidents
        self.violations += other.violations
        self.failed += other.failed
        self.unclassified += other.unclassified


class ClassificationService:
    def __init__(
        self,
        store: ItemSource,
        classifier_factory: Callable[[], ClassifierPort],
        clock: Callable[[], datetime],
        batch_size: int = 200,
        on_error: Callable[[], None] | None = None,
        on_unclassified: Callable[[str, str], None] | None = None,
    ) -> None:
        """``on_unclassified(language, reason)`` is told of every item left unread (its
        language has no extraction rules), so that /metrics counts them by language."""
        self.store = store
        self._factory = classifier_factory
        self._classifier: ClassifierPort | None = None
        self._lock = threading.Lock()
        self.clock = clock
        self.batch_size = batch_size
        self.on_error = on_error
        self.on_unclassified = on_unclassified

    @property
    def classifier(self) -> ClassifierPort:
        """Built on first use (the registries take a moment to load), then kept."""
        with self._lock:
            if self._classifier is None:
                self._classifier = self._factory()
            return self._classifier

    def loaded_classifier(self) -> ClassifierPort | None:
        """The classifier if it is already built (never builds it: /status stays cheap)."""
        return self._classifier

    def classify_ids(
        self, ids: Sequence[int], on_progress: Callable[[int, int], None] | None = None
    ) -> ClassifyStats:
        """Classify in batches; `on_progress(done, total)` after each (for a progress bar)."""
        stats = ClassifyStats()
        for start in range(0, len(ids), self.batch_size):
            stats.add(self._batch(ids[start : start + self.batch_size]))
            if on_progress is not None:
                on_progress(min(start + self.batch_size, len(ids)), len(ids))
        return stats

    def classify_pending(
        self, limit: int = 1000, seen_before: datetime | None = None
    ) -> ClassifyStats:
        """Catch up on items stored but never classified (e.g. the process died in between);
        with `seen_before`, only items first seen before then (newer ones may still be
        waiting for their article page)."""
        return self.classify_ids(self.store.unclassified_item_ids(limit, seen_before))

    def reclassify_since(
        self, since: datetime, on_progress: Callable[[int, int], None] | None = None
    ) -> ClassifyStats:
        return self.classify_ids(self.store.item_ids_first_seen_since(since), on_progress)

    def _batch(self, ids: Sequence[int]) -> ClassifyStats:
        stats = ClassifyStats()
        results: list[tuple[int, list[dict[str, Any]]]] = []
        for item in self.store.items_by_ids(ids):
            stats.items += 1
            published = item.published_at or item.first_seen_at
            text = item.text or item.summary
            lang = choose_language(item.language, item.title or "", text or "")
            if not lang.supported:
                # Stored, never read by rules of another language, and counted: an item in a
                # language without rules is not silently "no incident".
                log.info("item %s: not classified: %s %r (from the %s)", item.id,
                         UNSUPPORTED_REASON, lang.code, lang.source)
                stats.unclassified += 1
                if self.on_unclassified is not None:
                    self.on_unclassified(lang.code, UNSUPPORTED_REASON)
                results.append((item.id, []))
                continue
            try:
                incidents = [
                    i.to_dict()
                    for i in self.classifier.classify(
                        ItemInput(item.title, text, published, item.url, lang.code)
                    )
                ]
            except Exception:
                # The item stays stored; `tracker reclassify` can retry it after a fix.
                log.exception("item %s: classification failed", item.id)
                stats.failed += 1
                if self.on_error is not None:
                    self.on_error()
                incidents = []
            stats.incidents += len(incidents)
            stats.violations += sum(1 for i in incidents if i["violation"])
            results.append((item.id, incidents))
        if results:
            # The store's hooks recompute the merged events and write the alert outbox in
            # the same transaction (see FeedStore.classification_hooks).
            self.store.save_classifications(results, self.clock())
        return stats
