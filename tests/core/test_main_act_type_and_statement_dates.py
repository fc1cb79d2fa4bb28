"""Which act types a multi-act report, and which day a reported statement gives (table-driven).

* Acts named as the setting or support of another ("after days of bombardment", "backed by
  heavy shelling") do not type the incident when it has a main act.
* A participle clause ("..., targeting a bakery") takes the weapon of the act it elaborates.
* When the incident's acts disagree, the headline's act decides ("Rebels storm ...").
* "X said on Thursday that ..." dates the statement: an own date of the act wins, and an
  act day shortly before the statement is the same event.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.events import AIR, ARMED_CLASH, SHELLING, SUICIDE, scan_sentence
from tracker.core.incident import Incident, ItemInput

PUBLISHED = datetime(2020, 2, 6, 12, tzinfo=UTC)  # a Thursday


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


def _classify(clf: Classifier, title: str, text: str) -> list[Incident]:
    return clf.classify(ItemInput(title, text, PUBLISHED))


BACKDROP = [
    ("Government troops seized the village on Sunday after a week of heavy shelling.",
     {"seized": False, "shelling": True}),
    ("Fierce clashes, supported by air strikes, continued near Kabani on Sunday.",
     {"clashes": False, "air strikes": True}),
    ("Insurgents pulled back on Sunday under days of air and artillery bombardment.",
     {"bombardment": True}),
    # not a campaign or a support: the act itself
    ("Shells hit Ariha on Sunday after weeks of calm.", {"hit": False}),
    ("A car bomb exploded on Sunday in the centre of Azaz.", {"car bomb": False}),
]


@pytest.mark.parametrize(("sentence", "expected"), BACKDROP)
def test_backdrop_acts(sentence: str, expected: dict[str, bool]) -> None:
    acts = {a.trigger: a.backdrop for a in scan_sentence(sentence, PUBLISHED.date()).acts}
    assert {k: acts[k] for k in expected} == expected


PARTICIPLES = [
    ("Russian jets bombed Ariha on Sunday, targeting a bakery.", "targeting", AIR),
    ("Regime artillery shelled Kafranbel on Sunday, striking a school.", "striking", SHELLING),
    # a clause with its own subject keeps its own (default) type
    ("Regime artillery shelled Kafranbel on Sunday, and rebels attacked a checkpoint.",
     "attacked", ARMED_CLASH),
    # a ground verb keeps its own type
    ("HTS fighters backed by tanks attacked on Sunday, storming the village.", "storming",
     ARMED_CLASH),
]


@pytest.mark.parametrize(("sentence", "trigger", "sub"), PARTICIPLES)
def test_participle_clause_shares_the_main_weapon(sentence: str, trigger: str, sub: str) -> None:
    acts = {a.trigger: a for a in scan_sentence(sentence, PUBLISHED.date()).acts}
    assert acts[trigger].sub_event_type == sub


TYPES = [
    ("Troops capture Hish after days of bombardment",
     "Government forces captured the town of Hish on Tuesday after days of air and artillery "
     "bombardment.", ARMED_CLASH),
    ("Army takes Kafr Sajna",
     "Syrian government forces took full control of Kafr Sajna on Tuesday. Insurgents withdrew "
     "under days of heavy shelling, the monitor said.", ARMED_CLASH),
    ("Rebels storm regime posts near Kabani",
     "HTS fighters attacked regime posts near Kabani on Tuesday. Government artillery shelled "
     "the hills around the town during the fighting.", ARMED_CLASH),
    ("Fighting near Tell Tamr",
     "Heavy fighting broke out on Tuesday near Tell Tamr between the SDF and Turkish-backed "
     "factions, backed by Turkish drone strikes and artillery.", ARMED_CLASH),
    # no main act besides the bombardment: it types the incident
    ("Shelling kills three in Ariha",
     "Government artillery shelled Ariha on Tuesday after weeks of calm, killing three "
     "civilians.", SHELLING),
    # the body refines the headline's car bomb into a suicide car bomb
    ("Car bomb hits army post near Kafr Nabudah",
     "A suicide car bomb exploded at an army post near Kafr Nabudah on Tuesday.", SUICIDE),
    # the headline names air strikes: fighting mentioned in passing does not retype them
    ("Air strikes pound Ariha",
     "Russian jets struck Ariha on Tuesday. Fighting also raged on the edge of the town.", AIR),
]


@pytest.mark.parametrize(("title", "text", "sub"), TYPES)
def test_incident_type_follows_the_main_act(
    classifier: Classifier, title: str, text: str, sub: str
) -> None:
    incidents = _classify(classifier, title, text)
    assert incidents
    assert incidents[0].sub_event_type == sub


STATEMENTS = [
    # the act's own day, given after the statement's day
    ("The SDF said on Thursday that its fighters had repelled an attack by Turkish-backed "
     "factions on Tell Tamr. The attack began on Tuesday night, it said.", [date(2020, 2, 4)]),
    # nothing else dates the act: the statement's day stands
    ("The army said on Thursday that it had shelled HTS positions near Kabani.",
     [date(2020, 2, 6)]),
    # a report of the act and a later statement about it are one event
    ("Russian jets struck Ariha on Wednesday. Russia's defence ministry said on Thursday that "
     "its aircraft had hit militant depots near Ariha.", [date(2020, 2, 5)]),
    # a day that is not a statement's keeps separate events apart
    ("Russian jets struck Ariha on Wednesday. Regime artillery shelled Ariha on Thursday.",
     [date(2020, 2, 5), date(2020, 2, 6)]),
]


@pytest.mark.parametrize(("text", "days"), STATEMENTS)
def test_statement_day_bounds_the_act_day(
    classifier: Classifier, text: str, days: list[date]
) -> None:
    assert [i.date for i in _classify(classifier, "", text)] == days
