"""Roles from clause structure: speakers reporting their own acts, allied co-attackers,
opponents named together, and a side's positions (table-driven).

Sentences are written for these tests; each table has cases where the rule must not fire.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.events import Span, assign_roles, scan_sentence
from tracker.core.incident import ItemInput

PUBLISHED = date(2020, 2, 6)


def _roles(sentence: str, names: list[str]) -> dict[str, str]:
    scan = scan_sentence(sentence, PUBLISHED)
    assert scan.acts, sentence
    spans = [Span(sentence.index(n), sentence.index(n) + len(n), n) for n in names]
    return assign_roles(sentence, scan.acts, spans)


# A speaker whose statement's subject points back to it ("its fighters", "it") did the act.
SPEAKERS = [
    (
        "Hayat Tahrir al-Sham said on Sunday that its fighters had detonated a car bomb at an "
        "army checkpoint near Kafr Nabudah.",
        {"Hayat Tahrir al-Sham": "attacker", "army checkpoint": "target"},
    ),
    (
        "The Syrian army said it shelled militant hideouts around Kabani on Tuesday.",
        {"Syrian army": "attacker", "militant": "target"},
    ),
    (
        "Ansar al-Tawhid announced on Friday that its men had stormed a regime post near Masasna.",
        {"Ansar al-Tawhid": "attacker", "regime": "target"},
    ),
    # The speaker's own people as victims, or its own defence: the speaker is the target.
    (
        "The SNA said on Monday that three of its fighters were killed in a drone strike near "
        "al-Bab.",
        {"SNA": "target"},
    ),
    (
        "Hurras al-Din said it had repelled an infiltration by regime forces near Jurin.",
        {"Hurras al-Din": "target", "regime forces": "attacker"},
    ),
    (
        "Jaish al-Izza said on Monday that its positions near Latamna came under heavy shelling.",
        {"Jaish al-Izza": "target"},
    ),
    # The speaker's own base hit by someone else.
    (
        "Russia's defence ministry said on Thursday that militants had fired rockets at its base "
        "near Jableh.",
        {"Russia": "target", "militants": "attacker"},
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), SPEAKERS)
def test_speaker_reporting_its_own_act(sentence: str, expected: dict[str, str]) -> None:
    assert _roles(sentence, list(expected)) == expected


# A monitor or a government reporting somebody else's act gets no role.
NOT_SPEAKER_ACTS = [
    (
        "The Syrian Observatory said government aircraft struck Ariha on Monday.",
        ["Syrian Observatory", "government aircraft"],
        {"government aircraft": "attacker"},
    ),
    (
        "Turkey's defence ministry said regime artillery shelled a Turkish post near Saraqib.",
        ["Turkey", "regime", "Turkish"],
        {"regime": "attacker", "Turkish": "target"},
    ),
    (
        "Russia said on Monday that it had counted 40 attacks by militants in the zone.",
        ["Russia", "militants"],
        {"militants": "attacker"},
    ),
    (
        "Russian jets bombed HTS near Sarmin, Turkish officials said.",
        ["Russian", "HTS", "Turkish"],
        {"Russian": "attacker", "HTS": "target"},
    ),
    (
        "Russia said on Monday that militants had shelled a village near its base.",
        ["Russia", "militants"],
        {"militants": "attacker"},
    ),
    (
        "The SDF said it documented 20 drone strikes by Turkey near Ain Issa this week.",
        ["SDF", "Turkey"],
        {"Turkey": "attacker"},
    ),
]


@pytest.mark.parametrize(("sentence", "names", "expected"), NOT_SPEAKER_ACTS)
def test_speaker_reporting_another_partys_act_gets_no_role(
    sentence: str, names: list[str], expected: dict[str, str]
) -> None:
    assert _roles(sentence, names) == expected


# Coordinated subjects of one act attack together; "between X and Y" and "X and Y clashed"
# (no object) put the two on opposite sides.
COORDINATION = [
    (
        "HTS and fighters of the National Liberation Front stormed army posts near Kafr Nabudah "
        "on Tuesday.",
        {"HTS": "attacker", "National Liberation Front": "attacker", "army posts": "target"},
    ),
    (
        "Jaish al-Izza, HTS and the TIP shelled government positions around Jurin.",
        {"Jaish al-Izza": "attacker", "HTS": "attacker", "TIP": "attacker",
         "government positions": "target"},
    ),
    (
        "Clashes between HTS and Hurras al-Din left four dead near Arab Said.",
        {"HTS": "attacker", "Hurras al-Din": "target"},
    ),
    (
        "Fighting erupted on the outskirts of Sarmada between regime forces and HTS.",
        {"regime": "attacker", "HTS": "target"},
    ),
    (
        "HTS and Hurras al-Din clashed west of Idlib on Sunday.",
        {"HTS": "attacker", "Hurras al-Din": "target"},
    ),
    # With an object the subjects are allies again.
    (
        "Regime forces and Iranian militias clashed with HTS near Kabani.",
        {"Regime forces": "attacker", "Iranian militias": "attacker", "HTS": "target"},
    ),
    (
        "Government troops and Russian forces fought HTS near Kabani.",
        {"Government troops": "attacker", "Russian forces": "attacker", "HTS": "target"},
    ),
    # Not coordination: an object, then the subject of the next verb.
    (
        "HTS attacked regime forces and Russian jets struck Sarmin in response.",
        {"HTS": "attacker", "regime": "target", "Russian": "attacker"},
    ),
    # Victims of a fight "with" a party: that party is on the other side.
    (
        "Three HTS fighters were killed on Monday in clashes with Hurras al-Din near Sarmada.",
        {"HTS": "target", "Hurras al-Din": "attacker"},
    ),
    (
        "Syrian soldiers were killed in clashes with HTS near Kabani.",
        {"Syrian soldiers": "target", "HTS": "attacker"},
    ),
    # Coordinated objects stay targets.
    (
        "Russian jets bombed HTS and the Turkistan Islamic Party near Jisr al-Shughur.",
        {"Russian": "attacker", "HTS": "target", "Turkistan Islamic Party": "target"},
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), COORDINATION)
def test_coordinated_and_opposed_mentions(sentence: str, expected: dict[str, str]) -> None:
    assert _roles(sentence, list(expected)) == expected


# A side's positions, lines and posts are what is hit, unless the fire came from them.
POSITIONS = [
    ("Rebels shelled army lines near Kafr Zita.", {"Rebels": "attacker", "army lines": "target"}),
    ("Regime positions came under heavy shelling near Jurin on Monday.", {"Regime": "target"}),
    ("Rockets fired from regime positions struck Sarmin.", {"regime": "attacker"}),
    ("Drones launched from government-held areas hit a market in Atarib.",
     {"government-held": "attacker"}),
    ("Regime artillery pounded Kafranbel on Monday.", {"Regime": "attacker"}),
    ("On Monday, HTS fighters attacked a Turkish observation post near Morek.",
     {"HTS": "attacker", "Turkish": "target"}),
]


@pytest.mark.parametrize(("sentence", "expected"), POSITIONS)
def test_positions_are_targets_unless_fire_came_from_them(
    sentence: str, expected: dict[str, str]
) -> None:
    assert _roles(sentence, list(expected)) == expected


def test_a_date_after_on_is_not_a_target() -> None:
    sentence = ("Seven people were killed on Saturday when government artillery hit a school "
                "in Jarjanaz.")
    assert _roles(sentence, ["government artillery"]) == {"government artillery": "attacker"}


# End to end: who fights whom decides between a violation and intra-side fighting.
@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


DECISIONS = [
    ("HTS and factions of the NLF launched an assault on government lines near Kafr Nabudah "
     "on Tuesday.", True, "opposition against government"),
    ("Jaish al-Izza and HTS fighters shelled regime positions around al-Suqaylabiyah on "
     "Tuesday.", True, "opposition against government"),
    ("Hayat Tahrir al-Sham said on Tuesday that its fighters had driven a truck bomb "
     "into pro-government positions in Khan al-Asal.", True, "opposition against government"),
    ("Clashes between HTS and Hurras al-Din erupted on Tuesday in Sarmada.", False,
     "intra-side fighting"),
    ("HTS and Jaish al-Izza clashed on the outskirts of Kafr Zita on Tuesday.", False,
     "intra-side fighting"),
    ("The NLF said on Tuesday that its fighters had clashed with HTS near Ariha.", False,
     "intra-side fighting"),
    ("HTS fighters attacked Hurras al-Din checkpoints in Sarmada on Tuesday.", False,
     "intra-side fighting"),
    ("Three HTS fighters were killed on Tuesday in clashes with Hurras al-Din near Sarmada.",
     False, "intra-side fighting"),
]


@pytest.mark.parametrize(("text", "violation", "reason"), DECISIONS)
def test_allies_attack_together_and_rivals_fight_each_other(
    classifier: Classifier, text: str, violation: bool, reason: str
) -> None:
    item = ItemInput("", text, datetime(2020, 2, 6, 12, tzinfo=UTC))
    incidents = classifier.classify(item)
    assert len(incidents) == 1, [i.reasons[0] for i in incidents]
    inc = incidents[0]
    assert inc.violation is violation
    assert reason in inc.reasons[0]
