"""General rules found by the second (blind) hold-out set: coordinated victims of one verb,
the attackers' own dead, singular victims, where the fire came from, a speaker's own
aircraft, acts in general or in the future, and observation posts named by their site."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.events import Span, assign_roles, fire_origin_side, scan_sentence
from tracker.core.incident import ItemInput
from tracker.core.numbers import extract_toll


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


# --------------------------------------------------------------------------- fatalities


@pytest.mark.parametrize(
    ("sentences", "best"),
    [
        # two objects of one killing verb add up
        (["A rocket hit the school, killing four boys and five adults, medics said."], 9),
        (["The raid killed three women and two adults in the camp."], 5),
        # a second figure with its own verb is counted once, not also as a second object
        (["Jets bombed the town on Monday, killing five civilians, and two gunmen died in "
          "clashes nearby, the monitor said."], 7),
        # a bare number in the title repeats the total of the body; it is not added to it
        (["Strike on village market kills nine people",
          "The strike killed six civilians, and three rebel fighters died in raids nearby."], 9),
        # the attacking side's dead come on top of the victims
        (["Militants stormed the checkpoint, killing eight soldiers.",
          "Three of the attackers blew themselves up or were killed during the assault."], 11),
        (["Gunmen attacked the post, killing 11 soldiers.",
          "Two of the attackers killed themselves, the monitor said."], 13),
        # "including" attackers is a subset, not an addition
        (["Nine people were killed, including two attackers, the monitor said."], 9),
        # one singular victim
        (["A nine-year-old girl was killed when a shell hit her home."], 1),
        (["A teenage boy was killed by sniper fire near the front line."], 1),
        (["One child was killed and two were wounded."], 1),
    ],
)
def test_toll_rules(sentences: list[str], best: int) -> None:
    assert extract_toll(sentences).best == best


@pytest.mark.parametrize(
    "sentence",
    [
        "The nine-year-old girl was treated for shrapnel wounds.",
        "Shelling hit a house where a 12-year-old boy lived; he was unhurt.",
        "A seven-year-old child was wounded in the shelling.",
    ],
)
def test_an_age_is_never_a_toll(sentence: str) -> None:
    assert extract_toll([sentence]).best is None


# --------------------------------------------------------------------------- fire origin


@pytest.mark.parametrize(
    ("sentence", "side"),
    [
        ("Monitors said the missile had been launched from government-held territory.",
         "government"),
        ("The rockets were fired from regime-held areas south of the town.", "government"),
        ("Residents said the shells were fired from positions of the army near Jurin.",
         "government"),
        ("The drones came from opposition-held areas in the west, Russia said.", "opposition"),
        ("Mortars were fired from rebel-controlled villages overnight.", "opposition"),
        # not an origin of fire
        ("Families fled from government-held territory last year.", None),
        ("Displaced people arrived from opposition-held areas.", None),
        ("The missile struck government-held territory near Hama.", None),
    ],
)
def test_fire_origin_side(sentence: str, side: str | None) -> None:
    assert fire_origin_side(sentence) == side


def test_fire_origin_names_the_attacker_when_none_is_named(classifier: Classifier) -> None:
    published = datetime(2019, 11, 21, 9, tzinfo=UTC)
    item = ItemInput(
        "Missile hits camp",
        "A missile struck a camp for displaced families in the village of Qah on Wednesday "
        "evening, killing four people, rescuers said. Dozens were wounded. Monitors said the "
        "missile had been launched from government-held territory south of Aleppo.",
        published,
    )
    incidents = classifier.classify(item)
    assert incidents and incidents[0].violation
    assert any(a.name == "Syrian government forces" and a.role == "attacker"
               for a in incidents[0].actors)


# --------------------------------------------------------------------------- speaker


def _roles(sentence: str, names: dict[str, str]) -> dict[str, str]:
    acts = scan_sentence(sentence).acts
    spans = []
    for surface, key in names.items():
        start = sentence.index(surface)
        spans.append(Span(start, start + len(surface), key))
    spans.sort(key=lambda s: s.start)
    return assign_roles(sentence, acts, spans)


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Russia's defence ministry said on Wednesday that two of its Su-34 bombers had "
         "destroyed a workshop in Idlib province.", "attacker"),
        ("Russia's defence ministry said one of its drones struck a depot near Saraqib.",
         "attacker"),
        ("Russia's defence ministry said its warplanes hit militant positions near Kabani.",
         "attacker"),
        # the speaker's own aircraft downing an incoming drone: a defensive act
        ("Russia's defence ministry said its air defences destroyed two drones near the base.",
         "target"),
    ],
)
def test_speaker_own_aircraft(sentence: str, role: str) -> None:
    assert _roles(sentence, {"Russia": "Russia"}).get("Russia") == role


def test_attack_as_a_modifier_is_not_an_act() -> None:
    acts = scan_sentence("Militants were building attack drones in the workshop.").acts
    assert acts == ()


# --------------------------------------------------------------------------- hypothetical


@pytest.mark.parametrize(
    "sentence",
    [
        "Erdogan said Turkey kept the right to respond to any attack by government forces.",
        "The army said every violation would be met with force.",
        "Ankara warned against any offensive on the province.",
        "In case of an attack on its posts, Turkey will respond, the minister said.",
        "The rebels vowed to attack government positions near Morek.",
        "Officials said future shelling of the town would end the deal.",
    ],
)
def test_hypothetical_acts_are_not_incidents(sentence: str) -> None:
    assert scan_sentence(sentence).acts == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "Government forces shelled the town of Kansafra on Monday.",
        "An attack by government forces killed three rebels near Morek on Tuesday.",
        "Jets struck every village on the road, the monitor said.",
    ],
)
def test_reported_acts_stay(sentence: str) -> None:
    assert scan_sentence(sentence).acts != ()


# --------------------------------------------------------------------------- posts


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("The ministry said the attack on its post number 10, at Sher Mughar in the "
         "north-western Hama countryside, was deliberate.", "Sher Mughar observation post"),
        ("Mortar rounds hit the Turkish post in Morek on Monday.", "Morek observation post"),
        ("Shells struck the Surman observation post overnight.", "Surman observation post"),
        ("Shells struck the Tell Tuqan observation post overnight.",
         "Tell Tuqan observation post"),
        # the town, not its post, when no post is spoken of
        ("Shells hit the town of Morek on Monday.", "Morek"),
        ("Jets struck Anadan at dawn.", "Anadan"),
    ],
)
def test_observation_posts(classifier: Classifier, sentence: str, place: str) -> None:
    names = [m.place.name for m in classifier.places(sentence)]
    assert place in names


def test_zone_name_is_not_the_town(classifier: Classifier) -> None:
    names = [m.place.name for m in classifier.places(
        "Mortars struck a post in the Idlib de-escalation zone on Thursday.")]
    assert "Idlib" not in names


# --------------------------------------------------------------------------- place and day


@pytest.mark.parametrize(
    ("text", "place", "day"),
    [
        # "Syria's Idlib province": the possessive country only locates the province; the act's
        # own day ("on Tuesday") wins over the day of the statement ("said on Wednesday")
        ("Russia's defence ministry said on Wednesday that two of its Su-34 bombers had "
         "destroyed a workshop in Syria's Idlib province on Tuesday.",
         "Idlib governorate", "2018-09-04"),
        # only a statement day: it stays the act's date
        ("Russia's defence ministry said on Wednesday that its jets struck a depot in "
         "Syria's Idlib province.", "Idlib governorate", "2018-09-05"),
    ],
)
def test_possessive_country_and_act_day(
    classifier: Classifier, text: str, place: str, day: str
) -> None:
    published = datetime(2018, 9, 5, 15, tzinfo=UTC)
    incidents = classifier.classify(ItemInput("Moscow says jets hit Idlib", text, published))
    assert incidents
    assert incidents[0].location is not None and incidents[0].location.name == place
    assert str(incidents[0].date) == day


def test_place_inside_another_is_not_a_coordinated_list(classifier: Classifier) -> None:
    """"at X in the Y countryside" is one place; "X and Y" is a general claim."""
    published = datetime(2019, 6, 14, 9, tzinfo=UTC)
    text = ("The ministry said the attack on its post number 10, at Sher Mughar in the "
            "north-western Hama countryside, had damaged equipment.")
    incidents = classifier.classify(ItemInput("Turkish post hit", text, published))
    assert incidents and incidents[0].location is not None
    assert incidents[0].location.name == "Sher Mughar observation post"
