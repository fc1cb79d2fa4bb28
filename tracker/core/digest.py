"""The daily (or weekly) digest as a pure function of stored records.

A digest covers what *came in* during its period (basis "recorded", the scheduled digest's):
incidents whose item was first seen in the period, each still shown with its own event date.
Counting by arrival rather than by event date keeps yesterday's digest stable (a late report
never changes a digest already sent) and makes every incident appear in exactly one digest;
reports of old events are marked as late. On request a digest counts by event date instead
(basis "event"): what *happened* in the period, however late it was reported, which is what
a backfill of old news needs.

Nothing here reads the clock, the database or the environment: the caller passes the period
(with its time zone) and the records, so every number is testable from known incidents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from tracker.core.sanitize import mask_secrets, mask_url, neutralised

PeriodKind = Literal["day", "week"]
# The one registry of digest formats: each with its media type. The web route, the CLI's
# --format, rendering and the services all take their list from here.
DigestFormat = Literal["md", "html", "json", "telegram", "png"]
DIGEST_MEDIA_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "telegram": "text/html; charset=utf-8",
    "png": "image/png",
}
DIGEST_FORMATS: tuple[str, ...] = tuple(DIGEST_MEDIA_TYPES)
Basis = Literal["recorded", "event"]
BASES: tuple[str, ...] = ("recorded", "event")
SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}
COMPARISON_PERIODS = 7
CHART_DAYS = 30
UNKNOWN = "unknown"


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentRecord:
    """One incident read from one item, with what the digest needs of its item and feed."""

    id: int
    item_id: int
    recorded_at: datetime
    violation: bool
    event_type: str
    sub_event_type: str = ""
    event_date: date | None = None
    date_precision: int = 1
    place_name: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    fatalities: int | None = None
    injured: int | None = None
    actors: tuple[Mapping[str, Any], ...] = ()
    agreements: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    severity: str = "low"
    confidence: float = 0.0
    source_title: str = ""
    source_url: str | None = None
    feed_name: str | None = None
    review_status: str | None = None
    # The classifier's decision line ("not a violation: hostile act outside every agreement
    # zone"), so that a digest with no violations can say why.
    decision: str = ""


@dataclass(frozen=True)
class FeedRecord:
    name: str
    url: str
    state: str
    enabled: bool = True
    consecutive_errors: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """An analyst's decision on an alert incident (confirmed / dismissed)."""

    incident_id: int
    status: str
    by: str
    at: datetime
    event_type: str = ""
    place_name: str | None = None


# -- the period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days [start, end) in time zone `tz`; a week runs Monday to Sunday."""

    kind: PeriodKind
    start: date
    end: date
    tz: tzinfo

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=self.tz)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), tzinfo=self.tz)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def shifted(self, periods: int) -> Period:
        """The period `periods` lengths earlier (positive) or later (negative)."""
        delta = self.length * periods
        return Period(self.kind, self.start - delta, self.end - delta, self.tz)

    def contains(self, moment: datetime) -> bool:
        return self.start_at <= moment < self.end_at

    def contains_day(self, day: date | None) -> bool:
        return day is not None and self.start <= day < self.end

    @property
    def within(self) -> str:
        """'on this day' / 'in this week', for sentences about the period."""
        return "on this day" if self.kind == "day" else "in this week"

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.last_day.isoformat()}"


def period_of(day: date, kind: PeriodKind, tz: tzinfo) -> Period:
    """The day itself, or the Monday-to-Sunday week containing it."""
    if kind == "day":
        return Period("day", day, day + timedelta(days=1), tz)
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=7), tz)
    raise ValueError(f"unknown period kind: {kind!r}")


class PeriodOutOfRange(ValueError):
    """A day too close to the ends of the calendar (year 1 or 9999) for its digest: the
    period, the previous periods it is compared with or the chart's 30 days cannot be
    computed. Refused up front so that callers answer with a reason, not an OverflowError."""


def checked_period(day: date, kind: PeriodKind, tz: tzinfo) -> Period:
    """`period_of(day, kind, tz)`, refusing a day whose digest window cannot be computed:
    its period, its load window (comparison periods, chart days) and both ends of that
    window as UTC instants (the database compares UTC times) must all exist."""
    try:
        period = period_of(day, kind, tz)
        start, end = load_window(period)
        for moment in (start, end):
            moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, ValueError) and "period kind" in str(exc):
            raise
        raise PeriodOutOfRange(
            f"date out of range for a {kind} digest: {day.isoformat()} "
            "(its period or comparison window falls outside years 1-9999)"
        ) from None
    return period


def last_complete_period(now: datetime, kind: PeriodKind, tz: tzinfo) -> Period:
    """What a digest sent at `now` covers: the previous local day or the previous week."""
    today = now.astimezone(tz).date()
    return period_of(today, kind, tz).shifted(1)


def load_window(period: Period) -> tuple[datetime, datetime]:
    """The span of records a digest needs: its comparison periods and its 30-day chart."""
    comparison_start = period.shifted(COMPARISON_PERIODS).start
    chart_start = period.end - timedelta(days=CHART_DAYS)
    start = min(comparison_start, chart_start)
    return datetime.combine(start, time(), tzinfo=period.tz), period.end_at


# -- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    key: str
    incidents: int
    violations: int

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "incidents": self.incidents, "violations": self.violations}


@dataclass(frozen=True)
class DayCount:
    day: date
    incidents: int
    violations: int


@dataclass(frozen=True)
class TopIncident:
    id: int
    item_id: int
    violation: bool
    severity: str
    event_type: str
    sub_event_type: str
    event_date: date | None
    date_precision: int
    late: bool
    place_name: str | None
    admin1: str | None
    fatalities: int | None
    injured: int | None
    agreements: tuple[str, ...]
    zones: tuple[str, ...]
    attackers: tuple[str, ...]
    source_title: str
    source_url: str | None
    feed_name: str | None
    review_status: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "violation": self.violation,
            "severity": self.severity,
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "date_precision": self.date_precision,
            "late_report": self.late,
            "place": self.place_name,
            "governorate": self.admin1,
            "fatalities": self.fatalities,
            "injured": self.injured,
            "agreements": list(self.agreements),
            "zones": list(self.zones),
            "attacker_sides": list(self.attackers),
            "source": {"title": self.source_title, "url": self.source_url, "feed": self.feed_name},
            "review_status": self.review_status,
        }


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    severity: str
    violation: bool
    label: str | None = None  # the place name, printed beside the point


@dataclass(frozen=True)
class Comparison:
    """This period's violations against the mean of the previous periods."""

    previous: tuple[int, ...]
    average: float
    change: float
    change_pct: float | None


@dataclass(frozen=True)
class Digest:
    period: Period
    violations: int
    incidents: int
    fatalities: int
    violation_fatalities: int
    injured: int
    late_reports: int
    comparison: Comparison
    by_agreement: tuple[Count, ...]
    by_zone: tuple[Count, ...]
    by_governorate: tuple[Count, ...]
    by_event_type: tuple[Count, ...]
    by_attacker_side: tuple[Count, ...]
    top_incidents: tuple[TopIncident, ...]
    decisions: tuple[DecisionRecord, ...] | None
    feeds_failing: tuple[FeedRecord, ...]
    feeds_total: int
    daily: tuple[DayCount, ...]
    points: tuple[MapPoint, ...] = field(default=())
    basis: Basis = "recorded"
    # Why the period's other incidents are not violations, by reason (most frequent first).
    why_not: tuple[Count, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """No violations: the digest says so plainly and still shows the health part."""
        return self.violations == 0

    def to_json(self) -> dict[str, Any]:
        return digest_json(self)


# -- building -----------------------------------------------------------------------------


def attacker_sides(actors: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Sides of the actors in the attacker role, or ('unknown',) when nobody is named so."""
    sides = sorted({str(a.get("side") or UNKNOWN) for a in actors if a.get("role") == "attacker"})
    return tuple(sides) or (UNKNOWN,)


def is_late(
    record: IncidentRecord, period: Period, late_after_days: int, basis: Basis = "recorded"
) -> bool:
    """Reported well after it happened. By arrival: the event date is more than
    `late_after_days` before the period began. By event date (where every event is in the
    period): its first report came in more than `late_after_days` after the event."""
    if record.event_date is None:
        return False
    if basis == "event":
        recorded_day = record.recorded_at.astimezone(period.tz).date()
        return recorded_day > record.event_date + timedelta(days=late_after_days)
    return record.event_date < period.start - timedelta(days=late_after_days)


def in_period(record: IncidentRecord, period: Period, basis: Basis = "recorded") -> bool:
    """Whether the record counts in `period`: by its arrival time or by its event date."""
    if basis == "event":
        return period.contains_day(record.event_date)
    return period.contains(record.recorded_at)


def day_of(record: IncidentRecord, tz: tzinfo, basis: Basis = "recorded") -> date | None:
    """The local day a record counts on in the daily chart."""
    if basis == "event":
        return record.event_date
    return record.recorded_at.astimezone(tz).date()


def _count(records: Sequence[IncidentRecord], keys_of: Any) -> tuple[Count, ...]:
    """Incidents and violations per key; a record with several keys counts under each."""
    incidents: Counter[str] = Counter()
    violations: Counter[str] = Counter()
    for r in records:
        for key in keys_of(r):
            incidents[key] += 1
            violations[key] += int(r.violation)
    ordered = sorted(incidents, key=lambda k: (-violations[k], -incidents[k], k))
    return tuple(Count(k, incidents[k], violations[k]) for k in ordered)


def _severity_key(r: IncidentRecord) -> tuple[int, int, int, float, int]:
    return (
        int(r.violation),
        SEVERITY_ORDER.get(r.severity, 0),
        r.fatalities or 0,
        r.confidence,
        -r.id,
    )


def _top(
    records: Sequence[IncidentRecord],
    period: Period,
    limit: int,
    late_after_days: int,
    basis: Basis = "recorded",
) -> tuple[TopIncident, ...]:
    """Violations first, then by severity, toll and confidence; ties by id for stability."""
    ranked = sorted(records, key=_severity_key, reverse=True)[:limit]
    return tuple(_top_incident(r, period, late_after_days, basis) for r in ranked)


def _top_incident(
    r: IncidentRecord, period: Period, late_after_days: int, basis: Basis = "recorded"
) -> TopIncident:
    return TopIncident(
        id=r.id,
        item_id=r.item_id,
        violation=r.violation,
        severity=r.severity,
        event_type=r.event_type,
        sub_event_type=r.sub_event_type,
        event_date=r.event_date,
        date_precision=r.date_precision,
        late=is_late(r, period, late_after_days, basis),
        place_name=r.place_name,
        admin1=r.admin1,
        fatalities=r.fatalities,
        injured=r.injured,
        agreements=r.agreements,
        zones=r.zones,
        attackers=attacker_sides(r.actors),
        source_title=r.source_title,
        source_url=r.source_url,
        feed_name=r.feed_name,
        review_status=r.review_status,
    )


def compare(current: int, previous: Sequence[int]) -> Comparison:
    """Change against the mean of earlier periods; no percentage against a zero mean."""
    average = sum(previous) / len(previous) if previous else 0.0
    change = current - average
    pct = round(100.0 * change / average, 1) if average else None
    return Comparison(tuple(previous), round(average, 2), round(change, 2), pct)


def violations_in(
    records: Iterable[IncidentRecord], period: Period, basis: Basis = "recorded"
) -> int:
    return sum(1 for r in records if r.violation and in_period(r, period, basis))


def daily_counts(
    records: Iterable[IncidentRecord],
    last_day: date,
    tz: tzinfo,
    days: int = CHART_DAYS,
    basis: Basis = "recorded",
) -> tuple[DayCount, ...]:
    """Incidents and violations per local day (of arrival, or the event date) over `days`
    days ending `last_day`."""
    first = last_day - timedelta(days=days - 1)
    incidents: Counter[date] = Counter()
    violations: Counter[date] = Counter()
    for r in records:
        day = day_of(r, tz, basis)
        if day is not None and first <= day <= last_day:
            incidents[day] += 1
            violations[day] += int(r.violation)
    span = (first + timedelta(days=i) for i in range(days))
    return tuple(DayCount(d, incidents[d], violations[d]) for d in span)


def failing_feeds(feeds: Iterable[FeedRecord]) -> tuple[FeedRecord, ...]:
    """Enabled feeds that are not healthy now: degraded, gone or with a recent error; their
    URLs and errors with credentials masked (a digest goes to chats, not operators)."""
    bad = [
        replace(f, url=mask_url(f.url), last_error=mask_secrets(f.last_error) or f.last_error)
        for f in feeds
        if f.enabled and (f.state != "ok" or f.consecutive_errors > 0)
    ]
    return tuple(sorted(bad, key=lambda f: (-f.consecutive_errors, f.name, f.url)))


DISMISSED = "dismissed"


def effective(record: IncidentRecord) -> IncidentRecord:
    """An analyst's "not a violation" overrides the classifier, as everywhere else."""
    if record.violation and record.review_status == DISMISSED:
        return replace(record, violation=False)
    return record


_NOT_PREFIX = "not a violation: "


def why_not_reason(decision: str) -> str:
    """The reason of a "not a violation: ..." decision, without the example details in
    parentheses, so that reports with the same reason count together."""
    text = decision.strip()
    if not text.lower().startswith(_NOT_PREFIX):
        return "no reason recorded"
    reason = re.sub(r"\s*\([^)]*\)", "", text[len(_NOT_PREFIX) :]).strip()
    return reason or "no reason recorded"


def build_digest(
    period: Period,
    records: Iterable[IncidentRecord],
    feeds: Iterable[FeedRecord],
    decisions: Iterable[DecisionRecord] | None = None,
    *,
    top_limit: int = 10,
    late_after_days: int = 2,
    basis: Basis = "recorded",
) -> Digest:
    """The digest of `period` from every record of its load window (see `load_window`),
    counted by arrival time or by event date (`basis`).

    Outside text leaves for rendering here: bidi overrides and zero-width characters are
    removed from the digest (`neutralised`), so all formats (Telegram, HTML, Markdown, JSON,
    the chart) show text in the order it is stored. The digest, not its input, is cleaned:
    it holds a few dozen strings where the load window holds thousands of records.
    """
    all_records = [effective(r) for r in records]
    feed_list = list(feeds)
    current = [r for r in all_records if in_period(r, period, basis)]
    violations = [r for r in current if r.violation]
    previous = [
        violations_in(all_records, period.shifted(n), basis)
        for n in range(1, COMPARISON_PERIODS + 1)
    ]
    chosen = None
    if decisions is not None:
        chosen = tuple(sorted((d for d in decisions if period.contains(d.at)), key=lambda d: d.at))
    digest = Digest(
        period=period,
        violations=len(violations),
        incidents=len(current),
        fatalities=sum(r.fatalities or 0 for r in current),
        violation_fatalities=sum(r.fatalities or 0 for r in violations),
        injured=sum(r.injured or 0 for r in current),
        late_reports=sum(1 for r in current if is_late(r, period, late_after_days, basis)),
        comparison=compare(len(violations), previous),
        by_agreement=_count(current, lambda r: r.agreements),
        by_zone=_count(current, lambda r: r.zones),
        by_governorate=_count(current, lambda r: (r.admin1 or UNKNOWN,)),
        by_event_type=_count(current, lambda r: (r.event_type,)),
        by_attacker_side=_count(current, lambda r: attacker_sides(r.actors)),
        top_incidents=_top(current, period, top_limit, late_after_days, basis),
        decisions=chosen,
        feeds_failing=failing_feeds(feed_list),
        feeds_total=sum(1 for f in feed_list if f.enabled),
        daily=daily_counts(all_records, period.last_day, period.tz, basis=basis),
        points=tuple(
            MapPoint(r.lat, r.lon, r.severity, r.violation, r.place_name)
            for r in current
            if r.lat is not None and r.lon is not None
        ),
        basis=basis,
        why_not=_count([r for r in current if not r.violation],
                       lambda r: (why_not_reason(r.decision),)),
    )
    return neutralised(digest)


# -- JSON ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _counts_json(counts: Sequence[Count]) -> list[dict[str, Any]]:
    return [c.to_json() for c in counts]


def digest_json(d: Digest) -> dict[str, Any]:
    """The JSON contract. `period_start`/`period_end` are a half-open local interval."""
    c = d.comparison
    return {
        "period": d.period.kind,
        "counted_by": d.basis,
        "period_start": d.period.start_at.isoformat(),
        "period_end": d.period.end_at.isoformat(),
        "timezone": str(d.period.tz),
        "violations": d.violations,
        "incidents": d.incidents,
        "fatalities": d.fatalities,
        "violation_fatalities": d.violation_fatalities,
        "injured": d.injured,
        "late_reports": d.late_reports,
        "no_violations": d.empty,
        "comparison": {
            "previous_periods": list(c.previous),
            "average": c.average,
            "change": c.change,
            "change_pct": c.change_pct,
        },
        "by_agreement": _counts_json(d.by_agreement),
        "by_zone": _counts_json(d.by_zone),
        "by_governorate": _counts_json(d.by_governorate),
        "by_event_type": _counts_json(d.by_event_type),
        "by_attacker_side": _counts_json(d.by_attacker_side),
        "why_not_violations": _counts_json(d.why_not),
        "top_incidents": [t.to_json() for t in d.top_incidents],
        "decisions": None
        if d.decisions is None
        else [
            {
                "incident_id": x.incident_id,
                "status": x.status,
                "by": x.by,
                "at": x.at.isoformat(),
                "event_type": x.event_type,
                "place": x.place_name,
            }
            for x in d.decisions
        ],
        "feeds_failing": [
            {
                "name": f.name,
                "url": f.url,
                "state": f.state,
                "consecutive_errors": f.consecutive_errors,
                "last_error": f.last_error,
                "last_error_at": _iso(f.last_error_at),
                "last_success_at": _iso(f.last_success_at),
            }
            for f in d.feeds_failing
        ],
        "feeds_total": d.feeds_total,
        "daily": [
            {"date": x.day.isoformat(), "incidents": x.incidents, "violations": x.violations}
            for x in d.daily
        ],
    }
