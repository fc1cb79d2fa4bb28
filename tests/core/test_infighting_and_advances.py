"""Fighting within one side, drones on suicide missions, ground advances towards a place
(generated variations; none of these sentences comes from a labelled set).

When the only other party a report names is on the attacker's own side of the agreement, the
act is infighting: the violation rule must not infer the other side as the target.  A drone
that "carried out a suicide attack" is a drone strike.  Troops that "advanced towards" a
village, or "reached the outskirts of" it, made a ground move, which is an act.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.events import AIR, SUICIDE
from tracker.core.incident import Incident, ItemInput
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


def _classify(clf: Classifier, text: str, when: datetime) -> list[Incident]:
    return clf.classify(ItemInput("", text, when))


OPPOSITION_PAIRS = [("Hayat Tahrir al-Sham", "Ahrar al-Sham"),
                    ("Hayat Tahrir al-Sham", "Nour al-Din al-Zinki"),
                    ("HTS", "Hurras al-Din"),
                    ("Hayat Tahrir al-Sham fighters", "the National Liberation Front")]
INFIGHTING = ["{a} stormed positions of {b} in the town of Salqin on Tuesday.",
              "{a} attacked {b} in Salqin on Tuesday, seizing two of its checkpoints.",
              "Clashes broke out on Tuesday in Salqin when {a} attacked {b}."]
WHEN_2019 = datetime(2019, 1, 2, 12, tzinfo=UTC)


@pytest.mark.parametrize(("pair", "form"), list(itertools.product(OPPOSITION_PAIRS, INFIGHTING)))
def test_fighting_within_the_opposition_is_no_violation(
    classifier: Classifier, pair: tuple[str, str], form: str
) -> None:
    text = form.format(a=pair[0], b=pair[1])
    incidents = _classify(classifier, text, WHEN_2019)
    assert incidents, text
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]


@pytest.mark.parametrize("attacker", ["Hayat Tahrir al-Sham", "HTS fighters", "Ahrar al-Sham"])
def test_an_attack_on_the_army_stays_a_violation(classifier: Classifier, attacker: str) -> None:
    text = f"{attacker} attacked army positions near Kafr Nabudah on Tuesday, killing two soldiers."
    incidents = _classify(classifier, text, WHEN_2019)
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]


def test_an_unattributed_act_on_a_named_party_is_still_inferred(classifier: Classifier) -> None:
    """Only a named attacker makes an act infighting: shelling that hit the SDF, with nobody
    named as its author, is still read as the other party's fire."""
    text = ("Three SDF fighters were wounded on Monday when shells fell around the Tishrin Dam, "
            "the SDF said.")
    incidents = _classify(classifier, text, datetime(2025, 12, 30, 12, tzinfo=UTC))
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]


DRONE_FORMS = ["A drone carried out a suicide attack on {p} before dawn on Thursday.",
               "A government drone on a suicide mission struck {p} on Thursday.",
               "A suicide drone hit a house in {p} on Thursday.",
               "Government forces attacked {p} with suicide drones on Thursday."]


@pytest.mark.parametrize(("form", "place"), list(itertools.product(
    DRONE_FORMS, ["the Sheikh Maqsoud district of Aleppo", "the town of Deir Hafer"])))
def test_a_drone_on_a_suicide_mission_is_a_drone_strike(
    classifier: Classifier, form: str, place: str
) -> None:
    incidents = _classify(classifier, form.format(p=place), datetime(2025, 12, 26, 9, tzinfo=UTC))
    assert incidents
    subs = {i.sub_event_type for i in incidents}
    assert AIR in subs and SUICIDE not in subs, subs


def test_a_suicide_bomber_is_still_a_suicide_bomb(classifier: Classifier) -> None:
    incidents = _classify(classifier, "A suicide bomber blew himself up at an army checkpoint "
                          "near Saraqib on Thursday.", datetime(2019, 5, 10, 9, tzinfo=UTC))
    assert incidents and incidents[0].sub_event_type == SUICIDE


ADVANCES = ["Israeli troops advanced towards {p} on Saturday.",
            "Israeli military units advanced on Saturday towards the village of {p}.",
            "An Israeli force pushed towards {p} on Saturday.",
            "Israeli vehicles moved towards {p} on Saturday.",
            "Israeli forces reached the outskirts of {p} on Saturday.",
            "Israeli tanks advanced to the outskirts of {p} on Saturday."]
SOUTH_PLACES = ["Taranja", "Jubata al-Khashab", "Hader in the northern Quneitra countryside"]


@pytest.mark.parametrize(("form", "place"), list(itertools.product(ADVANCES, SOUTH_PLACES)))
def test_a_ground_advance_in_the_south_is_an_incursion(
    classifier: Classifier, form: str, place: str
) -> None:
    text = form.format(p=place)
    incidents = _classify(classifier, text, datetime(2025, 12, 28, 9, tzinfo=UTC))
    assert any(i.violation for i in incidents), (text, [i.to_dict() for i in incidents])


@pytest.mark.parametrize("text", ["The talks moved towards a deal on Saturday.",
                                  "Negotiators pushed towards an agreement on Saturday."])
def test_moving_towards_a_deal_is_no_act(classifier: Classifier, text: str) -> None:
    assert _classify(classifier, text, datetime(2025, 12, 28, 9, tzinfo=UTC)) == []


@pytest.mark.parametrize("noun", ["Turkish factions", "Turkey's factions", "pro-Turkish militias",
                                  "Ankara-backed factions", "Turkish mercenaries"])
def test_turkish_proxies_are_the_syrian_national_army(classifier: Classifier, noun: str) -> None:
    text = f"{noun} shelled villages near Tal Tamr on Wednesday."
    incidents = _classify(classifier, text, datetime(2020, 12, 31, 9, tzinfo=UTC))
    attackers = {a.name for i in incidents for a in i.actors if a.role == "attacker"}
    assert attackers == {"Syrian National Army"}, [i.to_dict() for i in incidents]


WRECKAGE = ["Fragments of an interceptor fell near {p} on Friday.",
            "Debris of Iranian missiles landed near {p} on Friday.",
            "The wreckage of a downed drone fell on a field near {p} on Friday.",
            "Parts of an intercepted missile landed in {p} on Friday, residents said.",
            "Shrapnel from an interception fell in {p} on Friday."]


@pytest.mark.parametrize(("form", "place"), list(itertools.product(
    WRECKAGE, ["Inkhil in the Daraa countryside", "Ghadir al-Bustan in Quneitra", "Nawa"])))
def test_falling_wreckage_is_no_attack(classifier: Classifier, form: str, place: str) -> None:
    incidents = _classify(classifier, form.format(p=place), datetime(2025, 6, 14, 9, tzinfo=UTC))
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]


@pytest.mark.parametrize("text", [
    "Two mortar shells fell near Ghadir al-Bustan in Quneitra on Friday, fired by Israeli forces.",
    "Shells fired by Israeli forces landed in Kudna in the Quneitra countryside on Friday.",
])
def test_shells_that_fall_are_still_an_attack(classifier: Classifier, text: str) -> None:
    incidents = _classify(classifier, text, datetime(2025, 6, 14, 9, tzinfo=UTC))
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]


@pytest.mark.parametrize("cargo", ["Kornet missiles", "a shipment of weapons", "two trucks",
                                   "a cache of ammunition", "captagon pills"])
def test_seizing_cargo_is_no_attack(classifier: Classifier, cargo: str) -> None:
    text = f"General Security seized {cargo} near al-Qusayr on the Lebanese border on Saturday."
    assert _classify(classifier, text, datetime(2025, 10, 12, 9, tzinfo=UTC)) == []


def test_seizing_a_position_is_still_an_act(classifier: Classifier) -> None:
    text = "Rebels seized two army checkpoints near Kafr Nabudah on Saturday."
    incidents = _classify(classifier, text, datetime(2019, 5, 12, 9, tzinfo=UTC))
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]
