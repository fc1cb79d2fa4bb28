"""Where fire came from, who is blamed, months that date background, the teller's place, a
town's countryside as a container, other acts' dead, and relatives as victims (generated
variations; none of these sentences comes from a labelled set).

- "The fire came from X" and "activists blamed X" name X as the attacker of an act whose
  own sentence names none; "a government attack" names the government.
- A month before the report's month ("In August, ...", "last month") dates background: the
  act it dates is no incident of the report.
- "Enab Baladi's correspondent in Idlib said ..." places the teller, not the act; "units
  stationed in X fired at Y" and "shells fired from Russian bases in the town of X" place
  the launch, not the act.
- "Tel Ahmar in the Kobani countryside" is not the Quneitra hill of that name.
- "... killed two in A, a day after a strike on B killed seven": B's dead are B's.
- "killed their mother and father" is two dead.
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


def _incidents(clf: Classifier, text: str, when: datetime) -> list[Incident]:
    return clf.classify(ItemInput("", text, when))


def _attackers(inc: Incident) -> set[str]:
    return {a.name for a in inc.actors if a.role == "attacker"}


WHEN_2023 = datetime(2023, 3, 26, 15, tzinfo=UTC)
FIRED = [
    "Heavy artillery shells were fired on Sunday at positions in the village of Sayda near "
    "Ain Issa.",
    "Shells slammed into the village of Sayda near Ain Issa on Sunday.",
    "On Sunday, the village of Sayda near Ain Issa was shelled.",
]
ORIGINS = [
    ("The monitor said the fire came from {x} deployed north of the village.",
     ["Turkish forces", "the Syrian National Army"]),
    ("According to residents, the shells were launched from positions of {x}.",
     ["Turkish forces", "the Syrian National Army"]),
    ("Activists blamed {x} stationed in the Tal Abyad area.",
     ["Turkish forces", "the Syrian National Army"]),
    ("Residents accused {x} of firing the shells.",
     ["Turkish forces", "the Syrian National Army"]),
]
SIDE_OF = {"Turkish forces": "Turkish Armed Forces",
           "the Syrian National Army": "Syrian National Army"}


@pytest.mark.parametrize(("act", "origin", "party"), [
    (act, origin, party) for act, (origin, parties) in itertools.product(FIRED, ORIGINS)
    for party in parties])
def test_where_the_fire_came_from_names_the_attacker(
    classifier: Classifier, act: str, origin: str, party: str
) -> None:
    text = f"{act} {origin.format(x=party)} No casualties were reported."
    found = [i for i in _incidents(classifier, text, WHEN_2023)
             if i.location and i.location.name in ("Saida (Ain Issa)", "Ain Issa")]
    assert found, text
    assert SIDE_OF[party] in _attackers(found[0]), text
    assert found[0].violation, text


@pytest.mark.parametrize("noun", ["attack", "assault", "strike", "bombing", "shelling"])
def test_a_government_attack_names_the_government(classifier: Classifier, noun: str) -> None:
    text = (f"Two civilians were killed after a government {noun} on the town of Ariha on "
            "Thursday, residents said.")
    found = _incidents(classifier, text, datetime(2021, 1, 15, 10, tzinfo=UTC))
    assert found and "Syrian government forces" in _attackers(found[0]), text
    assert found[0].violation


BACKGROUND_MONTHS = [
    ("In August, six drones launched from Idlib tried to reach the base and were shot down.",
     datetime(2019, 9, 4, 9, tzinfo=UTC)),
    ("In September, shelling of the town of Sarmin killed several civilians.",
     datetime(2024, 1, 8, 9, tzinfo=UTC)),
    ("Last month, government artillery shelled the town of Sarmin, killing three civilians.",
     datetime(2024, 1, 8, 9, tzinfo=UTC)),
    ("Back in October, regime artillery pounded Kafr Nabl.",
     datetime(2021, 11, 2, 9, tzinfo=UTC)),
]


@pytest.mark.parametrize(("sentence", "when"), BACKGROUND_MONTHS)
def test_a_month_before_the_reports_dates_background(
    classifier: Classifier, sentence: str, when: datetime
) -> None:
    lead = "Russian jets struck the village of Kansafra on Tuesday, wounding two people."
    found = _incidents(classifier, f"{lead} {sentence}", when)
    assert len(found) == 1, [i.location for i in found]
    assert found[0].location is not None and found[0].location.name == "Kansafra"


def test_the_reports_own_month_is_not_background(classifier: Classifier) -> None:
    text = "In January, government artillery shelled the town of Sarmin, killing three."
    found = _incidents(classifier, text, datetime(2024, 1, 20, 9, tzinfo=UTC))
    assert found and found[0].location is not None and found[0].location.name == "Sarmin"


@pytest.mark.parametrize("teller", ["Enab Baladi's correspondent", "Activists", "Our reporter",
                                    "Local sources"])
def test_the_tellers_place_is_not_the_acts(classifier: Classifier, teller: str) -> None:
    text = ("Regime forces hit homes in the village of Mantaf, south of Idlib, with four suicide "
            f"drones on Thursday morning. {teller} in Idlib said nobody was killed or wounded in "
            "the attack.")
    found = [i for i in _incidents(classifier, text, datetime(2024, 7, 25, 15, tzinfo=UTC))
             if i.violation]
    assert len(found) == 1, text
    assert found[0].fatalities == 0


@pytest.mark.parametrize(("launch", "verb"), list(itertools.product(
    ["Russian bases in the town of Suran", "positions in the town of Suran",
     "Turkish posts at Morek and Suran"], ["fired", "launched"])))
def test_a_launch_site_is_not_where_the_act_landed(
    classifier: Classifier, launch: str, verb: str
) -> None:
    text = (f"A young man was wounded on Saturday when shells hit Kafr Zita. Activists said "
            f"the shells were {verb} from {launch}.")
    found = _incidents(classifier, text, datetime(2019, 1, 26, 20, tzinfo=UTC))
    assert [i.location.name for i in found if i.location] == ["Kafr Zita"], text


@pytest.mark.parametrize("units", ["Units stationed in Halfaya and Suran",
                                   "Troops deployed in Halfaya", "Forces based near Suran"])
def test_units_stationed_somewhere_fire_from_there(classifier: Classifier, units: str) -> None:
    text = (f"{units} fired heavy artillery at the town of Latamina on Wednesday, wounding "
            "civilians, a correspondent reported.")
    found = _incidents(classifier, text, datetime(2018, 12, 19, 15, tzinfo=UTC))
    assert found and found[0].location is not None, text
    assert found[0].location.name == "al-Lataminah", text


@pytest.mark.parametrize("phrase", ["in the Kobani countryside", "in the countryside of Kobani"])
def test_a_towns_countryside_contains_the_village(classifier: Classifier, phrase: str) -> None:
    text = (f"Government-aligned forces raided the village of Tel Ahmar {phrase} on Monday, "
            "the monitor said.")
    found = _incidents(classifier, text, datetime(2026, 1, 26, 15, tzinfo=UTC))
    assert found and found[0].location is not None
    assert found[0].location.admin1 == "Aleppo", found[0].location


@pytest.mark.parametrize(("own", "other"), [(2, 7), (3, 11), (1, 5)])
def test_another_acts_dead_stay_with_it(classifier: Classifier, own: int, other: int) -> None:
    text = (f"Government shelling killed {own} civilians on Friday in the town of Bidama, a day "
            f"after an artillery strike on a market in al-Janudiyah killed at least {other} "
            "people, rescuers said.")
    found = {i.location.name: i.fatalities for i in
             _incidents(classifier, text, datetime(2019, 10, 25, 18, tzinfo=UTC))
             if i.location}
    assert found.get("Bidama") == own, found


@pytest.mark.parametrize(("victims", "count"), [
    ("their mother and father", 2), ("their parents", 2), ("his wife and son", 2),
    ("her husband", 1), ("his elderly father", 1)])
def test_relatives_killed_are_counted(classifier: Classifier, victims: str, count: int) -> None:
    text = f"A government shell hit a house in Ariha on Thursday, killing {victims}."
    found = [i for i in _incidents(classifier, text, datetime(2021, 1, 15, 10, tzinfo=UTC))
             if i.violation]
    assert found and found[0].fatalities == count, text


@pytest.mark.parametrize(("members", "verb"), list(itertools.product(
    ["Fighters of the Syrian Democratic Forces", "Members of the SDF", "Units of the SDF"],
    ["repelled", "thwarted", "foiled", "beat back"])))
def test_members_of_a_party_that_repel_an_attack_defend(
    classifier: Classifier, members: str, verb: str
) -> None:
    text = (f"{members} {verb} an attack by Turkish-backed factions on villages in the Tal Tamr "
            "area on Sunday.")
    found = [i for i in _incidents(classifier, text, datetime(2023, 9, 3, 20, tzinfo=UTC))
             if i.violation]
    assert found, text
    roles = {a.name: a.role for a in found[0].actors}
    assert roles.get("Syrian Democratic Forces") == "target", roles
    assert roles.get("Syrian National Army") == "attacker", roles


UNCLAIMED = ["No group claimed responsibility.", "Nobody has claimed the strike.",
             "Who fired the rockets was disputed.", "The perpetrators remain unknown.",
             "It was not clear who fired the rockets."]


@pytest.mark.parametrize("cue", UNCLAIMED)
def test_an_unclaimed_act_gets_no_inferred_attacker(classifier: Classifier, cue: str) -> None:
    act = ("Rockets slammed into army positions near the town of Jurin on Wednesday, killing "
           "two soldiers, a military source said.")
    when = datetime(2021, 6, 2, 18, tzinfo=UTC)
    assert any(i.violation for i in _incidents(classifier, act, when)), act  # inferred
    found = _incidents(classifier, f"{act} {cue}", when)
    assert found and not any(i.violation for i in found), cue
    assert "disputed" in " ".join(found[0].reasons), found[0].reasons


@pytest.mark.parametrize("cue", UNCLAIMED[:2])
def test_a_named_attacker_stands_whatever_the_claims(classifier: Classifier, cue: str) -> None:
    text = (f"Government artillery shelled a residential neighbourhood of Ariha on Wednesday, "
            f"killing three civilians, activists said. {cue}")
    found = _incidents(classifier, text, datetime(2021, 6, 2, 18, tzinfo=UTC))
    assert found and found[0].violation, text


@pytest.mark.parametrize(("words", "published", "day"), [
    ("on New Year's Day", datetime(2024, 1, 2, 10, tzinfo=UTC), "2024-01-01"),
    ("on Christmas Eve", datetime(2019, 12, 26, 10, tzinfo=UTC), "2019-12-24"),
    ("on Christmas Day", datetime(2019, 12, 26, 10, tzinfo=UTC), "2019-12-25"),
    ("on New Year's Eve", datetime(2020, 1, 1, 9, tzinfo=UTC), "2019-12-31")])
def test_feast_days_date_the_act(
    classifier: Classifier, words: str, published: datetime, day: str
) -> None:
    text = f"Government rockets hit the town of Ariha {words}, killing two civilians."
    found = _incidents(classifier, text, published)
    assert found and str(found[0].date) == day, (text, found and found[0].date)


@pytest.mark.parametrize(("watcher", "verb"), list(itertools.product(
    ["Russian forces stationed in the area", "Russian military police", "UN peacekeepers"],
    ["watched", "witnessed", "observed", "monitored"])))
def test_a_party_watching_an_act_takes_no_part(
    classifier: Classifier, watcher: str, verb: str
) -> None:
    text = (f"Turkish-backed factions shelled the village of Tal Shamiram near Tal Tamr on "
            f"Wednesday. {watcher} {verb} the shelling without intervening.")
    found = _incidents(classifier, text, datetime(2020, 12, 30, 15, tzinfo=UTC))
    assert found, text
    attackers = _attackers(found[0])
    assert "Syrian National Army" in attackers and "Russian forces" not in attackers, attackers


@pytest.mark.parametrize("who", ["Armed tribal factions", "Tribal fighters", "Armed tribesmen"])
def test_tribal_fighters_by_other_names(classifier: Classifier, who: str) -> None:
    text = (f"{who} breached the ceasefire in Sweida province on Monday, striking homes in the "
            "town of Atil with mortar shells.")
    found = _incidents(classifier, text, datetime(2025, 9, 8, 15, tzinfo=UTC))
    assert found and "Tribal fighters" in _attackers(found[0]), text


@pytest.mark.parametrize("place", ["Ain Issa", "Tal Tamr"])
def test_an_unnamed_drone_over_the_peace_spring_line_is_turkeys_side(
    classifier: Classifier, place: str
) -> None:
    text = (f"Two civilians were wounded on Tuesday in a drone attack on the town of {place}, a "
            "local source said.")
    found = [i for i in _incidents(classifier, text, datetime(2022, 7, 26, 15, tzinfo=UTC))
             if i.violation]
    assert found and "sochi-2019-ne" in found[0].agreements, text


@pytest.mark.parametrize(("collective", "party", "act", "name"), [
    ("A column of seven", "Israeli military vehicles", "crossed into the countryside near the "
     "village of al-Rafid", "Israeli forces"),
    ("A convoy of", "Israeli army vehicles", "pushed into the village of al-Rafid",
     "Israeli forces"),
    ("A group of", "HTS fighters", "attacked army positions near Kafr Nabudah",
     "Hayat Tahrir al-Sham"),
    ("A unit of", "Turkish-backed fighters", "stormed the village of Tal Shamiram",
     "Syrian National Army")])
def test_a_collective_noun_heads_its_party(
    classifier: Classifier, collective: str, party: str, act: str, name: str
) -> None:
    text = f"{collective} {party} {act} on Friday, local sources said."
    found = _incidents(classifier, text, datetime(2021, 11, 7, 15, tzinfo=UTC))
    assert found and name in _attackers(found[0]), (text, found and found[0].actors)


@pytest.mark.parametrize(("first", "second", "lead", "other"), [
    ("Turkish forces shelled Syrian army positions west of Tal Abyad",
     "the Syrian army answered with artillery fire", "Turkish Armed Forces",
     "Syrian government forces"),
    ("Hayat Tahrir al-Sham fighters attacked army posts near Kafr Nabudah",
     "government troops fired back", "Hayat Tahrir al-Sham", "Syrian government forces"),
    ("Government artillery pounded Kansafra",
     "HTS fighters responded with rockets", "Syrian government forces", "Hayat Tahrir al-Sham")])
def test_the_camp_that_fires_first_is_the_attacker(
    classifier: Classifier, first: str, second: str, lead: str, other: str
) -> None:
    text = f"{first} on Sunday, and {second}, a war monitor said."
    found = [i for i in _incidents(classifier, text, datetime(2020, 2, 23, 15, tzinfo=UTC))
             if i.violation]
    assert found, text
    roles = {a.name: a.role for a in found[0].actors}
    assert roles.get(lead) == "attacker" and roles.get(other) != "attacker", roles


@pytest.mark.parametrize(("sentence", "count"), [
    ("ALEPPO, Jan. 2 - Three civilians, among them a woman, were killed on Monday.", 3),
    ("20:10 - Twelve members of the regime forces were killed in a suicide attack.", 12),
    ("Eight children and the mother of three of them died on Thursday.", 9),
    ("The death toll from government artillery fire on the town of Misraba rose to six.", 6),
    ("Eleven soldiers were killed on Wednesday in two separate attacks by HTS.", None),
    ("Two citizens were killed and twelve others injured when a rocket fell.", 2),
    ("The rocket killed three locals on Sunday.", 3),
])
def test_toll_phrases(sentence: str, count: int | None) -> None:
    from tracker.core.numbers import extract_toll

    assert extract_toll([sentence]).best == count, sentence


@pytest.mark.parametrize(("total", "own"), [(11, 8), (12, 3), (9, 5)])
def test_the_acts_own_count_wins_over_the_headlines_sum(
    classifier: Classifier, total: int, own: int
) -> None:
    title = f"HTS attacks kill {total} Syrian soldiers in Idlib"
    text = (f"Fighters of Hayat Tahrir al-Sham fired rockets at an army post near the village of "
            f"Kafr Ruma on Wednesday, killing {own} soldiers, a war monitor said. Later, "
            f"snipers shot dead {total - own} more soldiers near Kafr Nabl.")
    found = classifier.classify(ItemInput(title, text, datetime(2023, 2, 2, 6, tzinfo=UTC)))
    at = {i.location.name: i.fatalities for i in found if i.location}
    assert at.get("Karfuma", at.get("Kafr Ruma")) == own, at


@pytest.mark.parametrize("body", ["Tal Tamr Military Council", "Manbij Military Council",
                                  "Daraa Operations Room"])
def test_a_place_naming_a_body_is_not_where_the_act_was(
    classifier: Classifier, body: str
) -> None:
    text = (f"Four fighters of the {body} were killed on Thursday in a drone strike near the "
            "village of Himo, on the road between Qamishli and Amuda.")
    found = _incidents(classifier, text, datetime(2021, 8, 20, 10, tzinfo=UTC))
    assert found and found[0].location is not None
    assert found[0].location.admin1 == "Hasakah", found[0].location
