"""Places read against their own phrase (table-driven, real reference data).

* A place matched only by an alternate or very short name is dropped when its own noun
  phrase names a containing city or governorate far away in another governorate
  ("the al-Hal market ... of Idlib city" is not al-Hawl in Hasakah).
* An act whose own place is not in the gazetteer but is described relative to a known one
  ("north-east of X", "10 km west of X", "near X", "on the outskirts of X") is placed at X
  with precision 2 (UCDP: within ~25 km of a named place).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.gazetteer import drop_contradicted
from tracker.core.incident import Incident, ItemInput
from tracker.reference import ReferenceData


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return shipped_reference()


@pytest.fixture(scope="module")
def classifier(ref: ReferenceData) -> Classifier:
    from zoneinfo import ZoneInfo

    return Classifier(ref, ZoneInfo("Asia/Damascus"))


def _classify(clf: Classifier, text: str) -> list[Incident]:
    return clf.classify(ItemInput("", text, datetime(2020, 2, 6, 12, tzinfo=UTC)))


CONTRADICTED = [
    # alternate name + container of its own phrase, far away in another governorate
    ("Air raids on Tuesday hit the al-Hal car market in the eastern quarter of Idlib city.",
     ["al-Hal"]),
    ("Shelling on Tuesday struck the al-Hal roundabout, in Idlib province.", ["al-Hal"]),
    ("In Idlib city, the al-Hal market was hit on Tuesday.", ["al-Hal"]),
    # the container agrees with the place: kept
    ("On Tuesday a drone struck a vehicle at the al-Hol camp in Hasakah province.", []),
    # a primary name is never dropped: the text may name two distant places
    ("Russian jets bombed Kabani and villages in Idlib province on Tuesday.", []),
    # the distant governorate belongs to another clause, not to the place's phrase
    ("Guards at al-Hol were attacked on Tuesday while jets struck villages in Idlib province.",
     []),
    ("Forces loyal to Damascus launched drone attacks on the al-Ghab plain on Tuesday.", []),
]


@pytest.mark.parametrize(("text", "dropped"), CONTRADICTED)
def test_alternate_names_contradicted_by_their_phrase(
    ref: ReferenceData, text: str, dropped: list[str]
) -> None:
    gaz = ref.gazetteer
    mentions = gaz.resolve(gaz.find(text), text)
    kept, gone = drop_contradicted(mentions, text)
    assert [m.surface for m, _ in gone] == dropped
    assert len(kept) + len(gone) == len(mentions)


HOMONYM_INCIDENTS = [
    ("Air raids on Tuesday hit the al-Hal car market in the eastern quarter of Idlib city, "
     "killing nine people.", "Idlib", 1, True),
    ("Shelling on Tuesday struck the al-Hal roundabout, in Idlib province.", "Idlib governorate",
     4, False),
    ("On Tuesday a drone struck a vehicle at the al-Hol camp in Hasakah province.", "al-Hawl", 1,
     False),
]


@pytest.mark.parametrize(("text", "place", "precision", "violation"), HOMONYM_INCIDENTS)
def test_act_takes_the_named_container(
    classifier: Classifier, text: str, place: str, precision: int, violation: bool
) -> None:
    incidents = _classify(classifier, text)
    assert len(incidents) == 1
    inc = incidents[0]
    assert inc.location is not None
    assert (inc.location.name, inc.location.precision) == (place, precision)
    assert inc.violation is violation


RELATIVE = [
    ("Turkish-backed factions attacked the hamlet of Umm Shaifa, 10 km west of Tell Tamr in "
     "Hasakah province, on Tuesday.", "Tell Tamr", 2),
    ("Government artillery shelled farmland north-east of Saraqib on Tuesday.", "Saraqib", 2),
    ("Regime helicopters dropped barrel bombs on the outskirts of Kafranbel on Tuesday.",
     "Kafranbel", 2),
    ("Russian jets struck a poultry farm near Ariha on Tuesday.", "Ariha", 2),
    # the act's own place is known: the reference point only describes it
    ("Shelling hit Kafranbel, 10 km west of Maarat al-Numan, on Tuesday.", "Kafranbel", 1),
    # fire coming from a place described relative to another: not where the act happened
    ("Government forces fired rockets from positions north of Hama at Kafr Zita on Tuesday.",
     "Kafr Zita", 1),
    ("Russian jets struck Ariha on Tuesday.", "Ariha", 1),
]


@pytest.mark.parametrize(("text", "place", "precision"), RELATIVE)
def test_relative_places_locate_the_act_near_the_anchor(
    classifier: Classifier, text: str, place: str, precision: int
) -> None:
    incidents = _classify(classifier, text)
    assert len(incidents) == 1
    loc = incidents[0].location
    assert loc is not None
    assert (loc.name, loc.precision) == (place, precision)


def test_relative_place_decides_the_zone(classifier: Classifier) -> None:
    """The governorate's centroid lies outside the NE zone; the anchor town inside it."""
    text = ("Turkish-backed factions attacked the villages of Umm Shaifa and Tal Laban, north-east "
            "of Ain Issa in Raqqa province, on Tuesday.")
    inc = _classify(classifier, text)[0]
    assert inc.location is not None and inc.location.name == "Ain Issa"
    assert inc.violation is True and inc.agreements == ("sochi-2019-ne",)
    assert any("relative to it; precision 2" in r for r in inc.reasons)
