"""Date phrases resolved against the local publication time (table-driven)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tracker.core.dates import (
    NO_PHRASE_REASON,
    find_date_phrases,
    report_date,
    resolve_first,
    resolve_text,
    to_local,
)

DAMASCUS = timezone(timedelta(hours=3))
# Monday 4 March 2019, 09:00 local.
MONDAY_MORNING = datetime(2019, 3, 4, 9, 0)

CASES = [
    # (sentence, expected date, expected precision)
    ("Shelling hit the town today.", date(2019, 3, 4), 1),
    ("Militants tried to infiltrate at dawn today.", date(2019, 3, 4), 1),
    ("Jets struck the market this morning.", date(2019, 3, 4), 1),
    ("Two soldiers died yesterday.", date(2019, 3, 3), 1),
    ("The attack took place on Sunday.", date(2019, 3, 3), 1),
    ("Sunday's attack killed 21.", date(2019, 3, 3), 1),
    ("Clashes erupted late on Tuesday.", date(2019, 2, 26), 1),
    ("Rockets fell on Monday.", date(2019, 3, 4), 1),  # same day allowed
    ("Rockets fell last Monday.", date(2019, 2, 25), 1),  # strictly before
    ("Shelling was heard last night.", date(2019, 3, 3), 1),
    ("Raids continued overnight.", date(2019, 3, 3), 1),
    ("The base was attacked last week.", date(2019, 2, 25), 3),
    ("Clashes broke out earlier this month.", date(2019, 3, 1), 4),
    ("The strike happened on March 3.", date(2019, 3, 3), 1),
    ("The strike happened on 3 March.", date(2019, 3, 3), 1),
    ("The strike happened on March 3, 2018.", date(2018, 3, 3), 1),
    ("The raid of 20 December was deadly.", date(2018, 12, 20), 1),  # not after publication
    ("A raid two days ago killed five.", date(2019, 3, 2), 1),
    ("JUL 07, 2018 reported", date(2018, 7, 7), 1),
]


@pytest.mark.parametrize(("sentence", "expected", "precision"), CASES)
def test_phrase_resolution(sentence: str, expected: date, precision: int) -> None:
    res = resolve_text(sentence, MONDAY_MORNING)
    assert res is not None
    assert (res.date, res.precision) == (expected, precision)
    assert res.words and res.words in sentence


def test_last_night_published_in_the_evening_is_less_precise() -> None:
    res = resolve_text("Shelling was heard last night.", datetime(2019, 3, 4, 20, 0))
    assert res is not None and res.date == date(2019, 3, 3) and res.precision == 2


@pytest.mark.parametrize(
    "sentence",
    ["In 2019, the army clashed with HTS.", "No date words at all here.", "the group may attack"],
)
def test_background_or_missing_phrases_do_not_date_the_act(sentence: str) -> None:
    assert resolve_text(sentence, MONDAY_MORNING) is None


def test_fallback_is_the_local_report_date_with_precision_2() -> None:
    # 22:30 UTC on 3 March is already 4 March in Damascus.
    published = datetime(2019, 3, 3, 22, 30, tzinfo=UTC)
    res = resolve_first([("nothing here", None)], published, DAMASCUS)
    assert (res.date, res.precision, res.reason) == (date(2019, 3, 4), 2, NO_PHRASE_REASON)
    assert report_date(published, DAMASCUS).date == date(2019, 3, 4)


def test_first_text_with_a_phrase_wins() -> None:
    texts = [("At dawn, 21 were killed.", None), ("It happened on Sunday.", None)]
    res = resolve_first(texts, MONDAY_MORNING, DAMASCUS)
    assert res.date == date(2019, 3, 3)


def test_naive_published_is_taken_as_local() -> None:
    assert to_local(MONDAY_MORNING, DAMASCUS) == MONDAY_MORNING


def test_may_the_modal_is_not_a_month() -> None:
    assert find_date_phrases("Militants may attack again.") == ()
    assert [p.kind for p in find_date_phrases("On May 5 jets struck.")] == ["mdy"]
