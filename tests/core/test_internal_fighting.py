"""Fighting between the factions of one party is within one side, whatever roles the words
suggest (generated variations, none from a labelled set)."""

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


WHEN = datetime(2022, 5, 26, 10, tzinfo=UTC)  # a Thursday; the 2019 north-east memorandum
PARTIES = ["the Turkish-backed Syrian National Army", "the Syrian National Army",
           "the SNA"]
FORMS = ["Heavy fighting broke out on Wednesday between two factions of {p} inside Ras al-Ain.",
         "Three fighters were killed on Wednesday when clashes erupted between rival groups "
         "within {p} in Ras al-Ain.",
         "Infighting within {p} left two dead in Ras al-Ain on Wednesday."]


@pytest.mark.parametrize(("party", "form"), list(itertools.product(PARTIES, FORMS)))
def test_factions_of_one_party_fighting_is_no_violation(
    classifier: Classifier, party: str, form: str
) -> None:
    incidents = classifier.classify(ItemInput("", form.format(p=party), WHEN))
    assert incidents and not any(i.violation for i in incidents), \
        [i.to_dict() for i in incidents]


@pytest.mark.parametrize("party", PARTIES)
def test_the_party_against_its_opponent_stays_a_violation(
    classifier: Classifier, party: str
) -> None:
    text = f"Clashes broke out on Wednesday between {party} and the SDF near Ras al-Ain."
    incidents = classifier.classify(ItemInput("", text, WHEN))
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]
