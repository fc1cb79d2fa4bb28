"""Who attacked, when a report also tells the reply or calls the fighting mutual (generated
variations; none of these sentences comes from a labelled set).

- A party that is an attacker only in sentences telling a reply ("army units responded with
  artillery fire") while another side attacks first-hand is the target of that attack.
- "Clashes between X and Y" says who fought, not who attacked: a later sentence that says who
  advanced or struck decides.
- "Two SDF fighters wounded in a government drone strike": the wounded are the target even
  without "were".
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


def _attackers(incidents: list[Incident]) -> set[str]:
    return {a.name for i in incidents if i.violation for a in i.actors if a.role == "attacker"}


WHEN_2022 = datetime(2022, 12, 18, 9, tzinfo=UTC)  # Saturday is 17 December
WHEN_2021 = datetime(2021, 3, 21, 9, tzinfo=UTC)  # Friday is 19 March
ATTACKERS = ["Hayat Tahrir al-Sham fighters", "HTS militants", "Fighters of Hayat Tahrir al-Sham"]
REPLIES = ["Army units responded with artillery fire on the attackers' positions.",
           "Army units returned fire, the source added.",
           "In response, army units shelled the attackers' gathering points."]
PLACES = ["Kafr Nabudah", "Qabtan al-Jabal", "Dadikh"]


@pytest.mark.parametrize(("attacker", "reply", "place"),
                         list(itertools.product(ATTACKERS, REPLIES, PLACES)))
def test_the_reply_does_not_make_the_army_the_attacker(
    classifier: Classifier, attacker: str, reply: str, place: str
) -> None:
    text = f"{attacker} attacked an army point near {place} on Saturday. {reply}"
    incidents = classifier.classify(ItemInput("", text, WHEN_2022))
    got = _attackers(incidents)
    assert "Hayat Tahrir al-Sham" in got and "Syrian government forces" not in got, \
        [i.to_dict() for i in incidents]


PAIRS = [("the Syrian Democratic Forces", "Turkish troops", "Turkish Armed Forces"),
         ("the SDF", "Turkish-backed factions", "Syrian National Army")]
DIRECTED = ["The fighting broke out after {b} tried to advance towards SDF positions on the "
            "outskirts of Ain Issa.",
            "The fighting began when {b} stormed SDF positions on the outskirts of Ain Issa."]


@pytest.mark.parametrize(("pair", "form"), list(itertools.product(PAIRS, DIRECTED)))
def test_a_directed_sentence_outweighs_clashes_between(
    classifier: Classifier, pair: tuple[str, str, str], form: str
) -> None:
    a, b, b_name = pair
    text = (f"Violent clashes erupted on Friday between {a} and {b} near Ain Issa, the monitor "
            "said. " + form.format(b=b, B=b[0].upper() + b[1:]))
    incidents = classifier.classify(ItemInput("", text, WHEN_2021))
    got = _attackers(incidents)
    assert b_name in got and "Syrian Democratic Forces" not in got, \
        [i.to_dict() for i in incidents]


@pytest.mark.parametrize(("victims", "verb"),
                         list(itertools.product(["two SDF fighters", "three SDF members"],
                                                ["wounded", "killed", "injured"])))
def test_victims_without_an_auxiliary_are_the_target(
    classifier: Classifier, victims: str, verb: str
) -> None:
    text = (f"The monitor reported {victims} {verb} in a government drone strike on a military "
            "point in Deir Hafer on Tuesday.")
    incidents = classifier.classify(ItemInput("", text, datetime(2025, 9, 24, 9, tzinfo=UTC)))
    assert "Syrian Democratic Forces" not in _attackers(incidents), \
        [i.to_dict() for i in incidents]
    assert any(a.name == "Syrian Democratic Forces" and a.role == "target"
               for i in incidents for a in i.actors)


SAME_SENTENCE = ["{a} fired artillery at a Turkish observation post near {p} on Sunday, Turkey's "
                 "Defence Ministry said, adding that Turkish troops responded at once.",
                 "{a} shelled a Turkish post near {p} on Sunday, and Turkish forces returned fire, "
                 "the ministry said."]
GOV = ["Syrian government forces", "Regime artillery", "Syrian troops"]


@pytest.mark.parametrize(("attacker", "form", "place"),
                         list(itertools.product(GOV, SAME_SENTENCE, ["Morek", "Kafr Nabl"])))
def test_a_reply_told_in_the_same_sentence_is_the_targets(
    classifier: Classifier, attacker: str, form: str, place: str
) -> None:
    text = form.format(a=attacker, p=place)
    incidents = classifier.classify(ItemInput("", text, datetime(2019, 6, 17, 9, tzinfo=UTC)))
    got = _attackers(incidents)
    assert "Syrian government forces" in got and "Turkish Armed Forces" not in got, \
        [i.to_dict() for i in incidents]
