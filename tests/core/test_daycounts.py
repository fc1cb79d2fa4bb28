"""Events per day for the dashboard chart (tracker.core.daycounts): every day between the
first and the last has a bar, gaps at zero; the window is cut to the latest days; undated
events are counted apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from tracker.core.daycounts import MAX_DAYS, DayChart, chart_from_counts


def _e(day: str | None, violation: bool = False) -> tuple[str | None, bool]:
    return day, violation


def day_counts(events: Iterable[tuple[str | None, bool]], max_days: int = MAX_DAYS) -> DayChart:
    """The chart of single events, through the per-day rows the database would give."""
    totals: Counter[date | None] = Counter()
    violations: Counter[date | None] = Counter()
    for raw, violation in events:
        day = date.fromisoformat(raw) if raw else None
        totals[day] += 1
        violations[day] += int(violation)
    return chart_from_counts(((d, n, violations[d]) for d, n in totals.items()), max_days)


def test_days_in_between_are_zero_and_violations_counted() -> None:
    chart = day_counts([_e("2024-05-03", True), _e("2024-05-01"), _e("2024-05-03"), _e(None, True)])
    assert [(d.day.isoformat(), d.total, d.violations) for d in chart.days] == [
        ("2024-05-01", 1, 0),
        ("2024-05-02", 0, 0),
        ("2024-05-03", 2, 1),
    ]
    assert chart.undated == 1 and chart.left_out == 0 and chart.peak == 2


def test_the_window_keeps_the_latest_days() -> None:
    chart = day_counts([_e("2024-01-01"), _e("2024-01-10"), _e("2024-01-12")], max_days=5)
    assert chart.days[0].day == date(2024, 1, 8) and chart.days[-1].day == date(2024, 1, 12)
    assert len(chart.days) == 5 and chart.left_out == 1
    assert sum(d.total for d in chart.days) == 2


def test_nothing_dated_gives_an_empty_chart() -> None:
    chart = day_counts([_e(None), _e("")])
    assert chart.days == () and chart.undated == 2 and chart.peak == 0


def test_rows_of_one_day_add_up_and_none_counts_the_undated() -> None:
    """The database's GROUP BY rows (day, events, violations) chart like the events."""
    events = [_e("2024-05-03", True), _e("2024-05-01"), _e("2024-05-03"), _e(None, True),
              _e("2023-11-01")]
    rows = [(date(2024, 5, 3), 1, 1), (date(2024, 5, 1), 1, 0), (None, 1, 1),
            (date(2024, 5, 3), 1, 0), (date(2023, 11, 1), 1, 0)]
    assert chart_from_counts(rows, max_days=10) == day_counts(events, max_days=10)
    assert chart_from_counts(rows, max_days=10).left_out == 1
