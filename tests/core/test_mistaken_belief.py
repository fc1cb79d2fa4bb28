"""A hostile act that witnesses only thought they saw is not a reported act.

Found when the bigger gazetteer placed a report on the US raid in Barisha (hold-out 4, h4-34):
a villager's "We thought it was regime planes bombing us" became a government violation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.incident import ItemInput


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


def _violations(classifier: Classifier, text: str) -> list[str]:
    item = ItemInput("Night raid", text, datetime(2019, 10, 27, 12, tzinfo=UTC))
    return [i.location.name for i in classifier.classify(item) if i.violation and i.location]


@pytest.mark.parametrize(
    "quote",
    [
        '"We thought it was regime planes bombing us," said a displaced man in Barisha.',
        "Residents of Sarmada assumed it was government aircraft shelling the town.",
    ],
)
def test_mistaken_belief_is_not_an_act(classifier: Classifier, quote: str) -> None:
    assert _violations(classifier, quote) == []


def test_reported_bombing_in_the_same_village_still_counts(classifier: Classifier) -> None:
    text = "Regime planes bombed Barisha on Sunday, killing two civilians, a monitor said."
    assert _violations(classifier, text) == ["Barisha"]


def test_the_barisha_raid_report_is_not_a_violation(classifier: Classifier) -> None:
    import json
    from pathlib import Path

    from tracker.commands.classify import item_from_object

    path = Path(__file__).resolve().parents[1] / "data" / "holdout4_cases.jsonl"
    case = next(o for o in map(json.loads, path.read_text(encoding="utf-8").splitlines())
                if o["id"] == "h4-34")
    incidents = classifier.classify(item_from_object(case, None))
    assert [i for i in incidents if i.violation] == []
