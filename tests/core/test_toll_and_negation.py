"""Two general rules found by the hold-out cases: coordinated subjects add up, and an act
word governed by "no"/"without" is not a reported act."""

from __future__ import annotations

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.numbers import extract_toll


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from zoneinfo import ZoneInfo


    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


@pytest.mark.parametrize(
    ("sentence", "best"),
    [
        ("At least 15 pro-government fighters and nine rebels were killed in the fighting.", 24),
        ("Four soldiers and two militants were killed near the village.", 6),
        ("Seven civilians were killed in the raid.", 7),
        ("Two children and their mother were killed.", 3),  # the mother counts (stop 12)
    ],
)
def test_coordinated_subjects_add_up(sentence: str, best: int) -> None:
    assert extract_toll([sentence]).best == best


def test_negated_acts_make_no_incident(classifier: Classifier) -> None:
    from datetime import UTC, datetime

    from tracker.core.incident import ItemInput

    published = datetime(2020, 10, 20, 12, tzinfo=UTC)
    quiet = ItemInput(
        "Turkish troops leave a post near Morek",
        "Turkish forces dismantled their observation post near Morek in northern Hama on "
        "Tuesday. No clashes were reported during the withdrawal.",
        published,
    )
    assert classifier.classify(quiet) == []
    shelled = ItemInput(
        "Shelling near Morek",
        "Government forces shelled the outskirts of Morek in northern Hama on Tuesday, "
        "without any casualties, a monitor said.",
        published,
    )
    assert any(i.violation for i in classifier.classify(shelled))
