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


# -- the report's one attacker stands in for an unattributed strike on civilians ----------

WHEN_2019 = datetime(2019, 5, 16, 9, tzinfo=UTC)  # a Thursday; Sochi 2018 in force
UNATTRIBUTED = ["Rockets slammed into the village of {p} on Wednesday, killing three civilians.",
                "Shells struck homes in {p} on Wednesday, killing a woman and her son."]
NAMED = ["Government forces also shelled Kafr Nabudah on Wednesday, activists said.",
         "Regime artillery pounded the outskirts of Khan Shaykhun on Wednesday."]
VILLAGES = ["Kafr Nuran", "al-Tamanah", "Kansafra"]


@pytest.mark.parametrize(("hit", "named", "place"),
                         list(itertools.product(UNATTRIBUTED, NAMED, VILLAGES)))
def test_the_reports_one_attacker_fired_the_unattributed_rounds(
    classifier: Classifier, hit: str, named: str, place: str
) -> None:
    text = f"{hit.format(p=place)} {named}"
    incidents = classifier.classify(ItemInput("", text, WHEN_2019))
    here = [i for i in incidents if i.location and i.location.name == place]
    assert here and here[0].violation, [i.to_dict() for i in incidents]
    assert any(a.role == "attacker" and a.side == "government" for a in here[0].actors)


@pytest.mark.parametrize(("hit", "place"), list(itertools.product(UNATTRIBUTED, VILLAGES)))
def test_a_party_of_its_own_does_not_stand_in(
    classifier: Classifier, hit: str, place: str
) -> None:
    # Parties that are their own side (Turkey, the SDF, Israel) are named as often for their
    # replies as for first strikes: they are not taken for the author of other rounds.
    text = (f"{hit.format(p=place)}\n\nIn a separate development far to the east, Turkish "
            "forces shelled villages near Tell Tamr on Wednesday.")
    incidents = classifier.classify(ItemInput("", text, WHEN_2019))
    here = [i for i in incidents if i.location and i.location.name == place]
    assert here and not any(a.role == "attacker" for a in here[0].actors), \
        [i.to_dict() for i in incidents]
