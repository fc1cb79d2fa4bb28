"""Negated verbs, "came under fire", acts set against another clause, US forces, the
"occupation forces" and moves made under an agreement (generated variations; none of these
sentences comes from a labelled set).

- "X had not struck P" / "X did not shell P" says the act did not happen: no violation, while
  the same sentence without the negation is one (the control).
- The subject of "came under fire" is the target of the fire; a side named inside the phrase
  ("came under rebel fire") fired it.
- "The strikes came as government forces pressed an offensive": whoever the "came as" clause
  names has no role in the strikes.
- "The United States", "US Central Command" and "a US missile strike" name US forces, which
  are party to no agreement.
- "The occupation forces" is Israel's army; "Turkish occupation forces" stays Turkish.
- A move made under an agreement ("drove into the outskirts of Kobani in the first phase of
  the deal") is a consented deployment, not an incursion.
- "Army units", "army points" and "army troops" are government forces, so a report that army
  units repelled an attack is not read as fighting within the opposition.
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


def _classify(clf: Classifier, text: str, when: datetime) -> list[Incident]:
    return clf.classify(ItemInput("", text, when))


def _roles(incidents: list[Incident], name: str) -> set[str | None]:
    return {a.role for i in incidents for a in i.actors if a.name == name}


WHEN_2019 = datetime(2019, 6, 5, 12, tzinfo=UTC)  # a Wednesday; Monday is 3 June
WHEN_2026 = datetime(2026, 2, 3, 9, tzinfo=UTC)  # a Tuesday

GOV_ATTACKERS = ["Russian aircraft", "Russian warplanes", "Government forces", "Syrian troops",
                 "Regime artillery"]
PLACES = ["Kafr Nabl", "Khan Shaykhun", "Maarat al-Numan", "Ariha"]
NEGATED = ["{a} did not strike {p} on Monday, the ministry said.",
           "{a} had not struck {p} on Monday, a spokesman said.",
           "The ministry said {a} have not shelled {p} since the truce began on Monday.",
           "{a} didn't bomb {p} on Monday, the ministry insisted."]
AFFIRMED = ["{a} struck {p} on Monday, the monitor said.",
            "{a} shelled {p} on Monday, activists said."]


@pytest.mark.parametrize(("attacker", "place", "form"),
                         list(itertools.product(GOV_ATTACKERS, PLACES, NEGATED)))
def test_a_negated_verb_reports_no_act(
    classifier: Classifier, attacker: str, place: str, form: str
) -> None:
    text = form.format(a=attacker, p=place)
    incidents = _classify(classifier, text, WHEN_2019)
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]


@pytest.mark.parametrize(("attacker", "place", "form"),
                         list(itertools.product(GOV_ATTACKERS, PLACES, AFFIRMED)))
def test_the_same_act_affirmed_is_a_violation(
    classifier: Classifier, attacker: str, place: str, form: str
) -> None:
    text = form.format(a=attacker, p=place)
    incidents = _classify(classifier, text, WHEN_2019)
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]


@pytest.mark.parametrize("phrase", ["It was not clear who", "It is not known who",
                                    "It was not immediately clear who"])
def test_an_unknown_author_is_not_a_negation(classifier: Classifier, phrase: str) -> None:
    text = f"{phrase} shelled Kafr Nabl on Monday, killing two civilians."
    incidents = _classify(classifier, text, WHEN_2019)
    assert incidents and incidents[0].fatalities == 2, [i.to_dict() for i in incidents]


HELD = [("Rebel-held", "Opposition armed groups (unnamed)"),
        ("Opposition-held", "Opposition armed groups (unnamed)"),
        ("Government-held", "Syrian government forces")]
FIRE = ["artillery fire", "heavy fire", "rocket and artillery fire"]


@pytest.mark.parametrize(("held", "place", "fire"), list(itertools.product(HELD, PLACES, FIRE)))
def test_the_subject_of_came_under_fire_is_its_target(
    classifier: Classifier, held: tuple[str, str], place: str, fire: str
) -> None:
    text = f"{held[0]} {place} came under {fire} on Monday, residents said."
    incidents = _classify(classifier, text, WHEN_2019)
    roles = _roles(incidents, held[1])
    assert "target" in roles and "attacker" not in roles, [i.to_dict() for i in incidents]


@pytest.mark.parametrize(("side", "name"), [("rebel", "Opposition armed groups (unnamed)"),
                                            ("government", "Syrian government forces")])
def test_a_side_named_inside_came_under_fire_fired(
    classifier: Classifier, side: str, name: str
) -> None:
    text = f"Positions near Kafr Nabl came under {side} fire on Monday."
    incidents = _classify(classifier, text, WHEN_2019)
    assert "attacker" in _roles(incidents, name), [i.to_dict() for i in incidents]


SETTINGS = ["The strikes came as government forces and Russian jets pressed an offensive in "
            "northern Hama.",
            "The raids came amid an offensive by government forces in northern Hama.",
            "The strikes came days after government forces began a push in northern Hama."]


@pytest.mark.parametrize(("place", "setting"), list(itertools.product(PLACES, SETTINGS)))
def test_a_came_as_clause_gives_no_role_in_the_act(
    classifier: Classifier, place: str, setting: str
) -> None:
    text = f"Russian air strikes killed nine civilians in {place} on Monday. {setting}"
    incidents = _classify(classifier, text, WHEN_2019)
    assert "target" not in _roles(incidents, "Syrian government forces")
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]


US_FORMS = ["A US missile strike on a meeting of jihadist leaders near {p} on Monday killed "
            "at least 40 people.",
            "The United States carried out a strike on Monday against al-Qaeda leaders near {p}.",
            "US Central Command said it struck an al-Qaeda meeting near {p} on Monday, killing "
            "eight."]


@pytest.mark.parametrize(("place", "form"), list(itertools.product(PLACES, US_FORMS)))
def test_us_strikes_name_us_forces_and_breach_nothing(
    classifier: Classifier, place: str, form: str
) -> None:
    incidents = _classify(classifier, form.format(p=place), WHEN_2019)
    assert "attacker" in _roles(incidents, "US-led coalition"), [i.to_dict() for i in incidents]
    assert not any(i.violation for i in incidents)


QUNEITRA = ["Kudna", "Jubata al-Khashab", "Khan Arnabah"]
OCCUPATION = ["An occupation force entered {p} on Monday.",
              "Three military vehicles of the Israeli occupation forces penetrated the farmland "
              "near {p} on Monday before withdrawing.",
              "Occupation troops advanced about nine kilometres into the countryside near {p} "
              "on Monday."]


@pytest.mark.parametrize(("place", "form"), list(itertools.product(QUNEITRA, OCCUPATION)))
def test_the_occupation_forces_are_israels(classifier: Classifier, place: str, form: str) -> None:
    incidents = _classify(classifier, form.format(p=place), WHEN_2026)
    assert "attacker" in _roles(incidents, "Israeli forces"), [i.to_dict() for i in incidents]
    assert any(i.violation for i in incidents)


def test_turkish_occupation_forces_stay_turkish(classifier: Classifier) -> None:
    incidents = _classify(classifier, "Turkish occupation forces shelled Ain Issa on Monday.",
                          WHEN_2019)
    assert "attacker" in _roles(incidents, "Turkish Armed Forces")
    assert not _roles(incidents, "Israeli forces")


MOVE = "About 15 armoured vehicles of the Interior Ministry drove into the outskirts of Kobani on "
AGREED = ["Monday, in the first phase of the deal to integrate SDF areas into the state.",
          "Monday under the integration agreement announced on Friday.",
          "Monday as part of the agreement between Damascus and the SDF.",
          "Monday, as agreed with the SDF."]


@pytest.mark.parametrize("ending", AGREED)
def test_a_move_under_an_agreement_is_no_incursion(classifier: Classifier, ending: str) -> None:
    incidents = _classify(classifier, MOVE + ending, WHEN_2026)
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]


ARMY = ["Army units", "Army troops", "Army soldiers"]
REPEL = ["{a} on Saturday foiled an attempt by terrorist groups of Hayat Tahrir al-Sham to "
         "infiltrate towards an army point near Kafr Nabudah.",
         "{a} repelled an attack by Hayat Tahrir al-Sham fighters on army points near Kafr "
         "Nabudah on Saturday."]


@pytest.mark.parametrize(("army", "form"), list(itertools.product(ARMY, REPEL)))
def test_army_units_repelling_an_attack_is_not_infighting(
    classifier: Classifier, army: str, form: str
) -> None:
    incidents = _classify(classifier, form.format(a=army), WHEN_2019)
    assert any(i.violation for i in incidents), [i.to_dict() for i in incidents]
