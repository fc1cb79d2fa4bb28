"""Reports that say nobody died, and subjects that reacted to an act (generated variations;
none of these sentences comes from a labelled set).

"No casualties were reported." is a toll of 0, not an unknown one, wherever it stands in the
account of the act: in the act's sentence, right after it, or after the details that follow.
It belongs to the act told last before it, not to every act of the report.  A party that "put
its units on alert after drone attacks on the dam" reacted to those attacks; it did not carry
them out.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import Incident, ItemInput
from tracker.core.numbers import extract_toll
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


ZERO_SENTENCES = [
    "No casualties were reported.",
    "No deaths were reported.",
    "Nobody was hurt.",
    "No one was hurt.",
    "No one was injured in the attack.",
    "Nobody was killed or wounded, the monitor said.",
    "No injuries were reported.",
    "No human casualties had been reported by the evening.",
    "No material or human losses were reported.",
    "The shells caused material damage only.",
    "There were no reports of casualties.",
    "None of the soldiers was hurt.",
    "Officials reported wounded, but no deaths had been confirmed.",
    "The three people inside were treated; none was reported killed.",
]


@pytest.mark.parametrize("sentence", ZERO_SENTENCES)
def test_a_zero_statement_is_a_toll_of_zero(sentence: str) -> None:
    assert extract_toll([sentence]).best == 0


@pytest.mark.parametrize("sentence", [
    "Two soldiers were killed; no one else was hurt.",
    "No one was hurt in the first strike, but a second killed three civilians.",
])
def test_a_zero_statement_does_not_cancel_a_count(sentence: str) -> None:
    assert (extract_toll([sentence]).best or 0) > 0


def _classify(clf: Classifier, text: str, title: str = "") -> list[Incident]:
    return clf.classify(ItemInput(title, text, datetime(2019, 5, 7, 12, tzinfo=UTC)))


ACTS = [
    "Government forces shelled the town of Kafr Nabl in the southern Idlib countryside on "
    "Monday.",
    "Syrian army artillery struck Kafr Nabl, south of Idlib, on Monday.",
    "Regime helicopters dropped barrel bombs on Kafr Nabl on Monday.",
]
DETAILS = [
    "",
    "Residents said the rounds fell near the market.",
    "Residents said the rounds fell near the market. Several houses were damaged.",
]
TRAILERS = [
    "The town lies a few kilometres from the front line.",
    "Kafr Nabl was once a centre of the protest movement.",
]


@pytest.mark.parametrize(("act", "detail", "zero", "trailer"), list(itertools.product(
    ACTS, DETAILS, ["No casualties were reported.", "Nobody was hurt.",
                    "No deaths were reported."], TRAILERS)))
def test_the_zero_statement_after_the_details_gives_the_act_a_toll_of_zero(
    classifier: Classifier, act: str, detail: str, zero: str, trailer: str
) -> None:
    text = "\n\n".join(p for p in (act, detail, zero, trailer) if p)
    incidents = _classify(classifier, text)
    assert incidents
    assert incidents[0].fatalities == 0, [i.to_dict() for i in incidents]


def test_a_zero_statement_belongs_to_the_act_told_last(classifier: Classifier) -> None:
    text = ("Government forces shelled the town of Kafr Nabl on Monday, killing three "
            "civilians, rescuers said.\n\nSeparately, regime artillery struck the village of "
            "Kansafra on Monday. No casualties were reported there.")
    incidents = {i.location.name if i.location else None: i for i in _classify(classifier, text)}
    tolls = sorted(i.fatalities for i in incidents.values() if i.fatalities is not None)
    assert tolls == [0, 3], [i.to_dict() for i in incidents.values()]


def test_without_a_zero_statement_the_toll_stays_unknown(classifier: Classifier) -> None:
    incidents = _classify(classifier, ACTS[0] + "\n\n" + DETAILS[1])
    assert incidents and incidents[0].fatalities is None


SUBJECTS = ["The Syrian Democratic Forces", "The SDF", "Kurdish-led forces"]
REACTIONS = ["put their units on maximum alert", "declared a state of alert",
             "closed the roads to the dam", "evacuated families from nearby villages"]
LINKS = ["after", "following", "in response to", "after what they described as"]
OBJECTS = ["drone attacks on the Tishrin Dam", "a wave of shelling on the Tishrin Dam",
           "artillery attacks on the surroundings of the Tishrin Dam"]


@pytest.mark.parametrize(("subject", "reaction", "link", "obj"),
                         list(itertools.product(SUBJECTS, REACTIONS, LINKS, OBJECTS)))
def test_a_subject_reacting_to_an_act_is_not_its_attacker(
    classifier: Classifier, subject: str, reaction: str, link: str, obj: str
) -> None:
    text = f"{subject} {reaction} on Sunday {link} {obj} on the Euphrates."
    incidents = classifier.classify(ItemInput("", text, datetime(2025, 11, 10, 12, tzinfo=UTC)))
    assert incidents, text
    attackers = {a.name for i in incidents for a in i.actors if a.role == "attacker"
                 and not a.inferred}
    assert "Syrian Democratic Forces" not in attackers, (text, attackers)


@pytest.mark.parametrize("text", [
    "The SDF briefly took two army outposts before troops launched a counter-operation and "
    "recovered them after intense clashes on Sunday near the Tishrin Dam.",
    "SDF fighters shelled army posts near the Tishrin Dam on Sunday after a night of calm.",
    "The SDF shelled army posts near the Tishrin Dam on Sunday, after government drones hit "
    "its positions.",
])
def test_an_actor_that_acted_first_keeps_its_attacker_role(
    classifier: Classifier, text: str
) -> None:
    incidents = classifier.classify(ItemInput("", text, datetime(2025, 11, 10, 12, tzinfo=UTC)))
    attackers = {a.name for i in incidents for a in i.actors if a.role == "attacker"}
    assert "Syrian Democratic Forces" in attackers, [i.to_dict() for i in incidents]
