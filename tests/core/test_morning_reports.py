"""A report with no date words dates its act by when it came out: the day before when it came
out before local noon (a morning report tells of the day or night before), the same day
after; a time of exactly midnight UTC is a date without a time (generated variations)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import ItemInput
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


TEXTS = ["Government forces shelled Kafr Nabl, killing two civilians, activists said.",
         "Hayat Tahrir al-Sham fighters attacked army positions near Kafr Nabudah, killing "
         "three soldiers.",
         "Russian warplanes struck the outskirts of Ariha, the civil defence said."]


@pytest.mark.parametrize(("text", "hour"), list(itertools.product(TEXTS, [4, 6, 8])))
def test_a_morning_report_tells_of_the_day_before(
    classifier: Classifier, text: str, hour: int
) -> None:
    published = datetime(2021, 7, 20, hour, 30, tzinfo=UTC)  # 07:30-11:30 in Damascus
    incidents = [i for i in classifier.classify(ItemInput("", text, published)) if i.violation]
    assert incidents and incidents[0].date == date(2021, 7, 19)


@pytest.mark.parametrize(("text", "hour"), list(itertools.product(TEXTS, [10, 14, 19])))
def test_a_later_report_tells_of_its_own_day(
    classifier: Classifier, text: str, hour: int
) -> None:
    published = datetime(2021, 7, 20, hour, 30, tzinfo=UTC)  # 13:30-22:30 in Damascus
    incidents = [i for i in classifier.classify(ItemInput("", text, published)) if i.violation]
    assert incidents and incidents[0].date == date(2021, 7, 20)


@pytest.mark.parametrize("text", TEXTS)
def test_a_date_without_a_time_is_its_own_day(classifier: Classifier, text: str) -> None:
    published = datetime(2021, 7, 20, 0, 0, tzinfo=UTC)
    incidents = [i for i in classifier.classify(ItemInput("", text, published)) if i.violation]
    assert incidents and incidents[0].date == date(2021, 7, 20)


@pytest.mark.parametrize("text", TEXTS)
def test_date_words_win_over_the_hour(classifier: Classifier, text: str) -> None:
    published = datetime(2021, 7, 20, 5, 0, tzinfo=UTC)
    incidents = [i for i in classifier.classify(ItemInput("", text + " on Tuesday", published))
                 if i.violation]
    assert incidents and incidents[0].date == date(2021, 7, 20)
