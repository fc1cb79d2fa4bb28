"""Incursions, raids, new posts, checkpoints and detentions as an act kind, and a region
named after a place ("X in the southern Quneitra countryside") only locating that place.

An armed force's ground move or detention with no weapon used is ACLED's "Strategic
developments / Other"; it breaches an agreement only where a breach row names that act kind
(the 1974 disengagement agreement's area of separation and limitation areas), never through a
row that lists no acts. Each rule is checked in several wordings of our own, with the wordings
that must not change the answer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.agreements import EXPLICIT_ACTS, Breach
from tracker.core.classifier import Classifier
from tracker.core.events import INCURSION, scan_sentence
from tracker.core.incident import ItemInput

PUBLISHED = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


def _classify(clf: Classifier, text: str, title: str = "") -> list[dict[str, object]]:
    item = ItemInput(title=title, text=text, published=PUBLISHED)
    return [i.to_dict() for i in clf.classify(item)]


def _violations(incidents: list[dict[str, object]]) -> list[dict[str, object]]:
    return [i for i in incidents if i["violation"]]


# One act, many wordings: each is an Israeli ground move or detention in Quneitra's
# villages inside the 1974 zones, with no shot fired.
INCURSIONS = [
    "Israeli forces pushed into the village of Jubata al-Khashab on Tuesday, residents said.",
    "An Israeli patrol entered Jubata al-Khashab on Tuesday and searched several homes.",
    "Israeli troops set up a checkpoint at the entrance of Jubata al-Khashab on Tuesday.",
    "Israeli soldiers detained three young men in Jubata al-Khashab on Tuesday, locals said.",
    "Three shepherds were detained by Israeli troops near Jubata al-Khashab on Tuesday.",
    "On Tuesday, Israeli tanks and bulldozers advanced into Jubata al-Khashab, the monitor said.",
    "Israeli occupation forces carried out an incursion into Jubata al-Khashab on Tuesday.",
]


@pytest.mark.parametrize("text", INCURSIONS)
def test_an_incursion_in_the_1974_zones_breaches_the_disengagement_agreement(
    classifier: Classifier, text: str
) -> None:
    found = _violations(_classify(classifier, text))
    assert found, text
    first = found[0]
    assert first["agreements"] == ["isr-syr-disengagement-1974"]
    assert first["date"] == "2025-12-09"
    assert first["location"]["name"] == "Jubata al-Khashab"  # type: ignore[index]
    attackers = [a["name"] for a in first["actors"] if a["role"] == "attacker"]  # type: ignore[attr-defined]
    assert attackers == ["Israeli forces"]


@pytest.mark.parametrize("suffix", [
    "",
    " The army's former posts in the area have been empty since December 2024.",
    " Read more: Israel's buffer zone, explained.",
])
def test_background_and_trailers_do_not_change_the_incursion(
    classifier: Classifier, suffix: str
) -> None:
    text = INCURSIONS[0] + suffix
    found = _violations(_classify(classifier, text))
    assert [f["agreements"] for f in found] == [["isr-syr-disengagement-1974"]]


def test_fire_in_the_same_clause_keeps_the_weapon_type(classifier: Classifier) -> None:
    found = _violations(_classify(
        classifier,
        "Israeli troops entered Jubata al-Khashab on Tuesday and opened fire on farmers."))
    assert found and found[0]["sub_event_type"] != INCURSION


@pytest.mark.parametrize("text", [
    # an aid convoy is no armed force
    "An aid convoy entered Jubata al-Khashab on Tuesday, the UN said.",
    # the ceasefire entering into force is no act
    "The truce between the two sides entered into force on Tuesday, officials said.",
    # a threat
    "Israel warned it would push into Jubata al-Khashab if weapons were not handed over.",
])
def test_no_incursion_without_an_armed_force_or_a_reported_move(
    classifier: Classifier, text: str
) -> None:
    assert not _violations(_classify(classifier, text))


@pytest.mark.parametrize("text", [
    # an agreement whose breach rows do not name the act kind (fire, not presence)
    "Government forces arrested two National Guard members in al-Mazraa on Tuesday.",
    # outside every zone
    "Turkish army vehicles entered Idlib city on Tuesday to reinforce its posts.",
])
def test_an_incursion_breaches_only_where_a_row_names_it(
    classifier: Classifier, text: str
) -> None:
    assert not _violations(_classify(classifier, text))


def test_breach_rows_without_acts_do_not_cover_explicit_act_kinds() -> None:
    assert INCURSION in EXPLICIT_ACTS
    assert not Breach("1").applies(INCURSION, ["z"], False)
    assert not Breach("1", acts=("any",)).applies(INCURSION, ["z"], False)
    assert Breach("2", acts=(INCURSION,)).applies(INCURSION, ["z"], False)
    assert Breach("1").applies("Armed clash", ["z"], False)


def test_scan_types_the_move_as_an_incursion() -> None:
    acts = scan_sentence("Israeli forces pushed into the village on Tuesday.",
                         date(2025, 12, 10)).acts
    assert [a.sub_event_type for a in acts] == [INCURSION]


@pytest.mark.parametrize("text", [
    "Israeli tanks pushed into al-Rafid in the southern Quneitra countryside on Tuesday.",
    "Israeli tanks pushed into the town of al-Rafid, in the southern Quneitra countryside, "
    "on Tuesday.",
    "On Tuesday Israeli tanks pushed into al-Rafid in southern Quneitra countryside.",
])
def test_a_region_after_a_place_only_locates_it(classifier: Classifier, text: str) -> None:
    found = _violations(_classify(classifier, text))
    assert found and found[0]["location"]["name"] == "al-Rafid"  # type: ignore[index]


@pytest.mark.parametrize("text", [
    "Israeli soldiers fired on a protest in the Yarmouk basin on Tuesday, wounding a man.",
    "On Tuesday Israeli troops pushed into villages of the Yarmouk Basin, residents said.",
])
def test_the_yarmouk_basin_is_the_daraa_region_not_the_damascus_camp(
    classifier: Classifier, text: str
) -> None:
    found = _violations(_classify(classifier, text))
    assert found and found[0]["location"]["admin1"] == "Daraa"  # type: ignore[index]
    assert found[0]["agreements"] == ["isr-syr-disengagement-1974"]


@pytest.mark.parametrize("text", [
    "Mortar rounds fell on security posts in Tal Hadid in the western Sweida countryside on "
    "Tuesday, state TV said.",
    "On Tuesday two shells landed on a security checkpoint in Tal Hadid, state TV said.",
    "Drones struck Internal Security points in Tal Hadid on Tuesday, killing one member.",
])
def test_fire_on_government_security_posts_in_sweida_breaches_the_ceasefire(
    classifier: Classifier, text: str
) -> None:
    """Rounds that "fell on"/"landed on" a place are an act when a weapon is their subject,
    and security posts, points and checkpoints are the government's General Security."""
    found = _violations(_classify(classifier, text))
    assert found and found[0]["agreements"] == ["sweida-ceasefire-2025"]
    targets = [a["name"] for a in found[0]["actors"] if a["role"] == "target"]  # type: ignore[attr-defined]
    assert "General Security" in targets


@pytest.mark.parametrize("text", [
    "The town fell to government forces on Tuesday after days of talks.",
    "A passenger plane landed in Damascus on Tuesday, the first in months.",
])
def test_falling_and_landing_without_a_weapon_is_no_act(classifier: Classifier, text: str) -> None:
    assert not _violations(_classify(classifier, text))


@pytest.mark.parametrize(("text", "toll"), [
    ("An officer and three soldiers were killed on Tuesday.", 4),
    ("Two officers and three soldiers of the army were killed on Tuesday.", 5),
    ("A soldier and two civilians were killed on Tuesday.", 3),
    ("Fifteen soldiers and nine rebels were killed on Tuesday.", 24),
    ("Fighters shot down a helicopter on Tuesday, killing the two people on board.", 2),
    ("The strike killed the three men inside the car on Tuesday.", 3),
])
def test_coordinated_victims_add_up(text: str, toll: int) -> None:
    from tracker.core.numbers import extract_toll

    assert extract_toll([text]).best == toll


@pytest.mark.parametrize("text", [
    "Government forces launched missiles at the hospital in Kansafra on Tuesday.",
    "On Tuesday regime forces launched three rockets towards Kansafra, residents said.",
])
def test_launching_weapons_at_a_place_is_an_act(classifier: Classifier, text: str) -> None:
    item = ItemInput(title="", text=text, published=datetime(2019, 11, 20, 12, 0, tzinfo=UTC))
    found = [i.to_dict() for i in classifier.classify(item) if i.violation]
    assert found and found[0]["date"] == "2019-11-19"


def test_the_report_year_named_with_the_day_is_no_background(classifier: Classifier) -> None:
    text = ("Six civilians were killed on Monday, the first day of 2024, when regime artillery "
            "hit the town of Darat Izza, rescuers said.")
    item = ItemInput(title="", text=text, published=datetime(2024, 1, 1, 16, 0, tzinfo=UTC))
    found = [i.to_dict() for i in classifier.classify(item) if i.violation]
    assert found and found[0]["date"] == "2024-01-01" and found[0]["fatalities"] == 6
    older = text.replace("of 2024", "of 2023")  # a year before the report's stays background
    item = ItemInput(title="", text=older, published=datetime(2024, 1, 1, 16, 0, tzinfo=UTC))
    assert not [i for i in classifier.classify(item) if i.violation]
