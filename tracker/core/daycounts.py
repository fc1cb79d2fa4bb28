"""Counts of events per day, for the dashboard's small chart. Pure: no I/O, no clock.

The chart covers the days from the earliest to the latest dated event given, at most
`max_days` of them (the latest ones); every day in between has a bar, zero included, so
the gaps show. Undated events are counted apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 120


@dataclass(frozen=True)
class DayCount:
    day: date
    total: int
    violations: int


@dataclass(frozen=True)
class DayChart:
    days: tuple[DayCount, ...]
    undated: int  # events without a date (not drawn)
    left_out: int  # dated events before the first day drawn

    @property
    def peak(self) -> int:
        return max((d.total for d in self.days), default=0)


def chart_from_counts(
    rows: Iterable[tuple[date | None, int, int]], max_days: int = MAX_DAYS
) -> DayChart:
    """The chart from counts made per day, (day or None, events, violations): what the
    database's GROUP BY gives (rows of one day add up; None counts the undated)."""
    totals: Counter[date] = Counter()
    violations: Counter[date] = Counter()
    undated = 0
    for day, n, v in rows:
        if day is None:
            undated += n
        else:
            totals[day] += n
            violations[day] += v
    return chart_of(totals, violations, undated, max_days)


def chart_of(
    totals: Mapping[date, int], violations: Mapping[date, int], undated: int,
    max_days: int = MAX_DAYS,
) -> DayChart:
    """Every day from the first to the last with events (at most `max_days`, the latest)."""
    if not totals:
        return DayChart((), undated, 0)
    last = max(totals)
    first = max(min(totals), last - timedelta(days=max_days - 1))
    span = (last - first).days + 1
    days = tuple(
        DayCount(d, totals.get(d, 0), violations.get(d, 0))
        for d in (first + timedelta(days=n) for n in range(span))
    )
    left_out = sum(n for d, n in totals.items() if d < first)
    return DayChart(days, undated, left_out)
