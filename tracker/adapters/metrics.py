"""Prometheus metrics, one registry per App (no global registry, so tests and several Apps in
one process do not collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.polls = Counter(
            "tracker_polls", "Feed fetches by outcome", ["outcome"], registry=self.registry
        )
        self.errors = Counter(
            "tracker_poll_errors", "Feed poll failures by kind", ["kind"], registry=self.registry
        )
        self.items = Counter("tracker_items_stored", "New items stored", registry=self.registry)
        self.ticks = Counter("tracker_ticks", "Scheduler ticks run", registry=self.registry)
        self.fetch_seconds = Histogram(
            "tracker_fetch_duration_seconds",
            "Duration of feed fetches",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.incidents = Counter(
            "tracker_incidents_recorded", "Incidents recorded", registry=self.registry
        )
        self.violations = Counter(
            "tracker_violations_recorded", "Violations recorded", registry=self.registry
        )
        self.classify_errors = Counter(
            "tracker_classify_errors", "Items whose classification failed", registry=self.registry
        )
        self.unclassified = Counter(
            "tracker_items_unclassified",
            "Items stored but not classified, by language and reason",
            ["language", "reason"],
            registry=self.registry,
        )
        self.feeds = Gauge("tracker_feeds", "Feeds by state", ["state"], registry=self.registry)
        self.backlog = Gauge(
            "tracker_backlog_items", "Stored items not classified yet", registry=self.registry
        )
        self.backlog_age = Gauge(
            "tracker_backlog_oldest_seconds",
            "Age of the oldest unclassified item (since first seen; 0 with no backlog)",
            registry=self.registry,
        )

    # PollObserver
    def fetched(self, outcome: str, duration_seconds: float) -> None:
        self.polls.labels(outcome=outcome).inc()
        self.fetch_seconds.observe(duration_seconds)

    def failed(self, kind: str) -> None:
        self.errors.labels(kind=kind).inc()

    def stored(self, count: int) -> None:
        if count:
            self.items.inc(count)

    def not_classified(self, language: str, reason: str) -> None:
        """An item stored but not read (e.g. a language the classifier has no rules for)."""
        self.unclassified.labels(language=language, reason=reason).inc()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
