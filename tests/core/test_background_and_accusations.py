"""Acts told as background, raids across a border strip, negated accusations (generated
variations; none of these sentences comes from a labelled set).

- An act dated more than two weeks before the report is background, not an incident of it;
  "a week of fighting" or "weeks of clashes" tells a stretch of acts, not one.
- In the Syria-Lebanon border strip a Lebanese unit's raid on smugglers, with no party named
  as its target, is no breach; fire across the border still is.
- "The SDF did not accuse government forces of involvement" names no attacker; "an
  unidentified group attacked" is an unidentified attacker.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import Incident, ItemInput
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


def _violations(clf: Classifier, text: str, when: datetime) -> list[Incident]:
    return [i for i in clf.classify(ItemInput("", text, when)) if i.violation]


REPORT_DAY = datetime(2021, 7, 30, 10, tzinfo=UTC)
ACTS = ["government forces shelled Kansafra", "Russian jets struck Ariha",
        "regime artillery pounded Kafr Nabl"]


@pytest.mark.parametrize(("act", "days"), list(itertools.product(ACTS, [16, 20, 30])))
def test_an_act_more_than_two_weeks_old_is_background(
    classifier: Classifier, act: str, days: int
) -> None:
    day = REPORT_DAY - timedelta(days=days)
    text = (f"Residents are still returning slowly. On {day.day} {day:%B}, {act}, killing two "
            "civilians, activists recalled.")
    assert not _violations(classifier, text, REPORT_DAY)


@pytest.mark.parametrize(("act", "days"), list(itertools.product(ACTS, [1, 3, 6])))
def test_an_act_of_the_past_days_is_still_an_incident(
    classifier: Classifier, act: str, days: int
) -> None:
    day = REPORT_DAY - timedelta(days=days)
    text = f"On {day.day} {day:%B}, {act}, killing two civilians, activists said."
    assert _violations(classifier, text, REPORT_DAY)


STRETCHES = ["a week of fighting between government forces and HTS",
             "weeks of clashes between government forces and HTS",
             "three days of fighting between the army and HTS"]


@pytest.mark.parametrize("stretch", STRETCHES)
def test_a_stretch_of_fighting_is_no_single_act(classifier: Classifier, stretch: str) -> None:
    text = (f"Officials met in Paris on Thursday to discuss the north-west, where {stretch} "
            "around Kafr Nabl ended in a truce on 19 July.")
    assert not _violations(classifier, text, REPORT_DAY)


WHEN_BORDER = datetime(2025, 9, 9, 10, tzinfo=UTC)
RAIDS = ["The Lebanese army said on Monday it arrested a gang leader in Hermel after its patrol "
         "came under fire and the soldiers shot back.",
         "A Lebanese army patrol clashed with smugglers near Hermel on Monday, the army said.",
         "Lebanese army units raided a smuggling network's hideout near al-Qasr on Monday."]


@pytest.mark.parametrize("text", RAIDS)
def test_a_lebanese_raid_on_smugglers_is_no_border_breach(
    classifier: Classifier, text: str
) -> None:
    assert not _violations(classifier, text, WHEN_BORDER)


def test_fire_across_the_border_still_breaches(classifier: Classifier) -> None:
    text = ("Hezbollah fighters fired rockets from Hermel at Syrian army positions near "
            "al-Qusayr on Monday, the Syrian defence ministry said.")
    assert _violations(classifier, text, WHEN_BORDER)


WHEN_SDF = datetime(2025, 5, 13, 10, tzinfo=UTC)
NEGATED = ["did not accuse", "has not accused", "stopped short of accusing", "never blamed"]


@pytest.mark.parametrize("negated", NEGATED)
def test_a_negated_accusation_names_no_attacker(classifier: Classifier, negated: str) -> None:
    text = ("Two SDF fighters were wounded on Monday when an unidentified group attacked their "
            f"vehicle north of Raqqa. The SDF {negated} government forces of involvement in "
            "the attack.")
    incidents = classifier.classify(ItemInput("", text, WHEN_SDF))
    assert not any(i.violation for i in incidents), [i.to_dict() for i in incidents]
    assert not any(a.name == "Syrian government forces" and a.role == "attacker"
                   for i in incidents for a in i.actors)


@pytest.mark.parametrize("verb", ["accused", "accuse", "blamed"])
def test_an_accusation_still_names_the_attacker(classifier: Classifier, verb: str) -> None:
    text = f"The SDF {verb} government forces of shelling Deir Hafer on Monday."
    incidents = classifier.classify(ItemInput("", text, WHEN_SDF))
    assert any(a.name == "Syrian government forces" and a.role == "attacker"
               for i in incidents for a in i.actors), [i.to_dict() for i in incidents]
