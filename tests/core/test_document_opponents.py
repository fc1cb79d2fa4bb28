"""The party a report has an attacker fighting elsewhere is named for its other acts too
(document-level folding; generated variations, none from a labelled set).

"Clashes between HTS and Ahrar al-Sham ... HTS took control of Khan Shaykhun": the capture is
part of fighting within the opposition, not an act against the government the rule would
otherwise infer as the target.  The same capture in a report of HTS fighting the army stays a
violation.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import ItemInput
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


WHEN = datetime(2018, 4, 15, 14, tzinfo=UTC)  # a Sunday
RIVALS = ["Ahrar al-Sham", "Nour al-Din al-Zinki", "the Syrian Liberation Front"]
OPENINGS = ["Violent clashes have continued since dawn on Sunday, 15 April, between Hayat Tahrir "
            "al-Sham on one side and {r} on the other.",
            "Clashes broke out on Sunday between Hayat Tahrir al-Sham and {r} in southern Idlib."]
MOVES = ["Tahrir al-Sham advanced and took control of {p}.",
         "Hayat Tahrir al-Sham fighters stormed {p} later in the day."]
PLACES = ["Khan Shaykhun", "Maarat al-Numan", "Kafr Nabl"]


@pytest.mark.parametrize(("rival", "opening", "move", "place"),
                         list(itertools.product(RIVALS, OPENINGS, MOVES, PLACES)))
def test_a_move_inside_infighting_is_no_violation(
    classifier: Classifier, rival: str, opening: str, move: str, place: str
) -> None:
    text = opening.format(r=rival) + " " + move.format(p=place)
    incidents = classifier.classify(ItemInput("", text, WHEN))
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]


@pytest.mark.parametrize(("move", "place"), list(itertools.product(MOVES, PLACES)))
def test_the_same_move_against_the_army_stays_a_violation(
    classifier: Classifier, move: str, place: str
) -> None:
    text = ("Clashes broke out on Sunday between Hayat Tahrir al-Sham and government forces in "
            "southern Idlib. " + move.format(p=place))
    incidents = classifier.classify(ItemInput("", text, WHEN))
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]
