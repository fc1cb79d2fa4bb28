"""A headline's figure counts for the report's first act only where the headline speaks of it
(generated variations; none of these sentences comes from a labelled set).

"Child killed as rockets hit Darat Izza; death toll in Ihsim massacre rises to seven": the
second ';'-part names another place, so its seven dead are another act's.  "Rockets fall on
Kansafra a day after nine civilians killed": the nine died in an earlier act.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import Incident, ItemInput
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


WHEN = datetime(2021, 7, 18, 13, tzinfo=UTC)  # a Sunday
PAIRS = [("Darat Izza", "Ihsim"), ("Kansafra", "Balshun"), ("Ariha", "Sarja")]
NUMBERS = [("seven", 7), ("nine", 9), ("12", 12)]


def _first_violation(clf: Classifier, title: str, text: str) -> Incident:
    incidents = [i for i in clf.classify(ItemInput(title, text, WHEN)) if i.violation]
    assert incidents, (title, text)
    return incidents[0]


@pytest.mark.parametrize(("pair", "number"), list(itertools.product(PAIRS, NUMBERS)))
def test_a_headline_part_about_another_place_gives_no_toll(
    classifier: Classifier, pair: tuple[str, str], number: tuple[str, int]
) -> None:
    here, there = pair
    title = f"Child killed as rockets hit {here}; death toll in {there} massacre rises to {number[0]}"
    text = (f"A child was killed early on Sunday when government forces fired rockets at {here}, "
            "activists said.")
    assert _first_violation(classifier, title, text).fatalities == 1


@pytest.mark.parametrize(("pair", "number", "gap"),
                         list(itertools.product(PAIRS, NUMBERS, ["a day after", "two days after"])))
def test_a_headline_figure_of_an_earlier_act_is_not_this_acts(
    classifier: Classifier, pair: tuple[str, str], number: tuple[str, int], gap: str
) -> None:
    here = pair[0]
    title = f"Rockets fall on {here} {gap} {number[0]} civilians killed"
    text = (f"Government forces fired rockets early on Sunday at {here}, activists said. No "
            "information on casualties was available.")
    assert _first_violation(classifier, title, text).fatalities != number[1]


@pytest.mark.parametrize(("pair", "number"), list(itertools.product(PAIRS, NUMBERS)))
def test_a_headline_figure_of_the_act_still_counts(
    classifier: Classifier, pair: tuple[str, str], number: tuple[str, int]
) -> None:
    here = pair[0]
    title = f"{number[0].capitalize()} civilians killed as rockets hit {here}"
    text = f"Government forces fired rockets early on Sunday at {here}, activists said."
    assert _first_violation(classifier, title, text).fatalities == number[1]
