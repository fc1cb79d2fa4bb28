"""The behavioural suite: generated reports checked capability by capability.

The floors are the issue's goal (every capability at 0.97 or more). The suite is seeded, so a
drop is a change in the classifier (or the shipped lexicons), never noise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.reference import shipped_reference
from tracker.commands.classify import behaviour_inputs, run_behaviour
from tracker.core import behaviour
from tracker.core.behaviour import BehaviourCase, Expect
from tracker.core.gazetteer import Place
from tracker.reference import ReferenceData, load_reference

FLOOR = 0.97
SEED = 20261206


@pytest.fixture(scope="module")
def summary() -> dict[str, object]:
    return run_behaviour(3200, SEED)


def _generate(
    seed: int = SEED, n: int = 3200, ref: ReferenceData | None = None
) -> list[BehaviourCase]:
    return behaviour.generate(*behaviour_inputs(ref or shipped_reference()), n, seed)


def test_the_suite_is_large_seeded_and_reproducible() -> None:
    # `again` from a load of its own: the same seed and the data as shipped give the same suite.
    first, other = _generate(), _generate(seed=SEED + 1)
    again = _generate(ref=load_reference())
    assert len(first) == 3200
    assert [c.text for c in first] == [c.text for c in again]
    assert [c.text for c in first] != [c.text for c in other]
    kinds = {c.test_type for c in first}
    assert kinds == {"MFT", "INV", "DIR"}
    assert {c.template for c in first if c.test_type == "INV"} >= {
        "background-clause", "attribution", "quote", "read-more", "context-first",
        "transliteration", "detail-sentence", "second-incident"}


def test_every_actor_alias_is_used() -> None:
    _, actors, _ = behaviour_inputs(shipped_reference())
    assert {"Syrian government forces", "Russian forces", "Hayat Tahrir al-Sham"} <= {
        a.name for a in actors}
    texts = " ".join(c.text for c in _generate() if c.test_type in ("MFT", "DIR")).lower()
    for actor in actors:
        if actor.name.startswith("Turkish"):
            continue
        for name in (actor.name, *actor.aliases):
            if behaviour._usable_alias(name):  # Latin-script names of people under arms
                assert name.lower() in texts, name


def test_every_capability_meets_its_floor(summary: dict[str, object]) -> None:
    by_capability = summary["by_capability"]
    assert isinstance(by_capability, dict)
    assert set(by_capability) == set(behaviour.CAPABILITIES)
    low = {cap: rate for cap, rate in by_capability.items() if rate < FLOOR}
    assert not low, (low, summary["by_template"])


def test_every_capability_and_test_type_meets_its_floor(summary: dict[str, object]) -> None:
    cells = summary["by_capability_and_type"]
    assert isinstance(cells, dict)
    assert {"act/MFT", "act/INV", "roles/MFT", "toll/DIR", "not_act/DIR",
            "one_incident/INV"} <= set(cells)
    low = {cell: rate for cell, rate in cells.items() if rate < FLOOR}
    assert not low, low


ARIHA = Place("Ariha", "Idlib", 35.8117, 36.6108, 1, "settlement")


def _case(checks: tuple[str, ...], **expect: object) -> BehaviourCase:
    return BehaviourCase("t-1", "MFT", "unit", "text", datetime(2023, 5, 2, tzinfo=UTC),
                         checks, Expect(**expect))  # type: ignore[arg-type]


def _incident(**over: object) -> dict[str, object]:
    inc: dict[str, object] = {
        "violation": True, "date": "2023-05-01", "fatalities": 3,
        "location": {"name": "Ariha", "lat": 35.81, "lon": 36.61},
        "actors": [{"name": "Syrian government forces", "side": "government",
                    "role": "attacker"}],
    }
    inc.update(over)
    return inc


def test_check_reads_each_capability() -> None:
    case = _case(("act", "roles", "place", "date", "toll", "one_incident"),
                 attacker_side="government", place=ARIHA, day=date(2023, 5, 1), fatalities=3)
    assert all(behaviour.check(case, [_incident()]).values())
    wrong = behaviour.check(case, [_incident(date="2023-04-30", fatalities=4),
                                   _incident(violation=False)])
    assert wrong == {"act": True, "roles": True, "place": True, "date": False,
                     "toll": False, "one_incident": False}
    far = _incident(location={"name": "Idlib", "lat": 35.93, "lon": 36.63})
    assert behaviour.check(case, [far])["place"] is True  # 13 km: within tolerance
    swapped = _incident(actors=[{"name": "HTS", "side": "opposition", "role": "attacker"}])
    assert behaviour.check(case, [swapped])["roles"] is False
    assert behaviour.check(case, [])["act"] is False


def test_check_not_act() -> None:
    case = _case(("not_act",), place=ARIHA)
    assert behaviour.check(case, [_incident(violation=False)]) == {"not_act": True}
    assert behaviour.check(case, [_incident()]) == {"not_act": False}
