"""The day of a dateline and the day of a statement are the report's, not the act's
(generated variations; none of these sentences comes from a labelled set).

"HAMA, Sept. 8 (SANA) - Shells killed nine ..." was written on the 8th; when another sentence
says the shells were fired "on Friday", Friday is the act's day.  "... state TV reported on
Wednesday" followed by "the convoy drove in late on Tuesday" dates the act on Tuesday.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.incident import ItemInput
from tracker.reference import load_reference


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_reference(), ZoneInfo("Asia/Damascus"))


DATELINES = ["HAMA, Sept. 8 (SANA) - ", "HAMA, Sept. 8 - ", "HAMA, 8 September (SANA) - "]
LEADS = ["Nine civilians were killed when terrorist groups fired shells at Mhardeh in the "
         "northern Hama countryside.",
         "Terrorist groups shelled Mhardeh in the northern Hama countryside, killing nine "
         "civilians."]
DETAILS = ["The shells were fired on Friday from positions in al-Lataminah, the source said.",
           "The rockets were launched on Friday from al-Lataminah, a police source said."]


@pytest.mark.parametrize(("dateline", "lead", "detail"),
                         list(itertools.product(DATELINES, LEADS, DETAILS)))
def test_the_act_day_wins_over_the_dateline_day(
    classifier: Classifier, dateline: str, lead: str, detail: str
) -> None:
    item = ItemInput("", f"{dateline}{lead}\n\n{detail}", datetime(2018, 9, 8, 9, tzinfo=UTC))
    incidents = classifier.classify(item)
    assert incidents
    assert incidents[0].date == date(2018, 9, 7), [i.to_dict() for i in incidents]


@pytest.mark.parametrize("dateline", DATELINES)
def test_the_dateline_day_stands_when_nothing_else_dates_the_act(
    classifier: Classifier, dateline: str
) -> None:
    item = ItemInput("", f"{dateline}{LEADS[1]}", datetime(2018, 9, 8, 9, tzinfo=UTC))
    incidents = classifier.classify(item)
    assert incidents and incidents[0].date == date(2018, 9, 8)


STATEMENTS = ["Israeli forces detained seven young men during a night raid on Jubata "
              "al-Khashab, Syrian state television reported on Wednesday.",
              "Israeli troops detained seven young men in Jubata al-Khashab, SANA said on "
              "Wednesday."]
LATER = ["A convoy of 16 vehicles drove into the town late on Tuesday and searched houses.",
         "The soldiers came into the town late on Tuesday, residents said."]


@pytest.mark.parametrize(("statement", "later"), list(itertools.product(STATEMENTS, LATER)))
def test_a_detail_sentence_dates_the_act_before_the_statement(
    classifier: Classifier, statement: str, later: str
) -> None:
    item = ItemInput("", f"{statement} {later}", datetime(2025, 9, 3, 10, tzinfo=UTC))
    incidents = classifier.classify(item)
    assert incidents
    assert incidents[0].date == date(2025, 9, 2), [i.to_dict() for i in incidents]


def test_a_detail_day_after_the_statement_is_not_taken(classifier: Classifier) -> None:
    item = ItemInput("", STATEMENTS[1] + " More raids are expected on Friday.",
                     datetime(2025, 9, 3, 10, tzinfo=UTC))
    incidents = classifier.classify(item)
    assert incidents and incidents[0].date == date(2025, 9, 3)
