"""Night-time phrases without a date (generated variations, none from a labelled set).

"At midnight between Sunday and Monday" is Monday: midnight starts the second day.
"Before dawn" with no day named is the dawn of the report's day in a report out after noon;
a morning report tells of the day before, as for reports without date words.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from tracker.core.dates import WEEKDAYS, resolve_text

DAYS = [d.title() for d in WEEKDAYS]
FORMS = ["Clashes erupted at midnight between {a} and {b} around the town.",
         "Shelling began around midnight between {a} and {b}, residents said.",
         "The attack came just after midnight from {a} to {b}."]


@pytest.mark.parametrize(("first", "form"), list(itertools.product(range(7), FORMS)))
def test_midnight_between_two_days_is_the_second(first: int, form: str) -> None:
    a, b = DAYS[first], DAYS[(first + 1) % 7]
    published = datetime(2025, 9, 7, 15)  # a Sunday afternoon, local time
    res = resolve_text(form.format(a=a, b=b), published)
    assert res is not None and res.date is not None
    assert res.date.weekday() == (first + 1) % 7
    assert timedelta(0) <= published.date() - res.date < timedelta(days=7)


DAWN = ["Fighters beat back an attack before dawn on positions near the village.",
        "Drones struck the town at dawn, activists said.",
        "An infiltration was foiled shortly before dawn, the statement said."]


@pytest.mark.parametrize(("text", "hour"), list(itertools.product(DAWN, [12, 15, 21])))
def test_dawn_in_an_afternoon_report_is_that_day(text: str, hour: int) -> None:
    res = resolve_text(text, datetime(2025, 8, 4, hour))
    assert res is not None and res.date == date(2025, 8, 4)


@pytest.mark.parametrize(("text", "hour"), list(itertools.product(DAWN, [6, 8, 11])))
def test_dawn_in_a_morning_report_is_the_day_before(text: str, hour: int) -> None:
    res = resolve_text(text, datetime(2025, 8, 4, hour))
    assert res is not None and res.date == date(2025, 8, 3)


@pytest.mark.parametrize("day_words", ["on Sunday", "yesterday", "today", "3 August"])
def test_a_named_day_after_dawn_wins(day_words: str) -> None:
    res = resolve_text(f"Drones struck the town at dawn {day_words}.", datetime(2025, 8, 4, 15))
    assert res is not None and res.words != "at dawn"
