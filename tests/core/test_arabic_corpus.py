"""Floors on the Arabic development sets (full-length Arabic reports of real events, labelled
by the rule; NOT blind: the Arabic front end was tuned on them, see eval/HISTORY.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tracker.commands.classify import register

DATA = Path(__file__).resolve().parents[1] / "data"
# set -> metric -> floor (a little under the figure recorded in eval/HISTORY.md)
FLOORS = {
    "arabic1": {"violation_f1": 0.88, "date_accuracy": 0.95, "location_within_15km": 0.85,
                "fatalities_exact": 0.86, "attacker_side_correct": 0.88},
    "arabic2": {"violation_f1": 0.89, "date_accuracy": 0.93, "location_within_15km": 0.89,
                "fatalities_exact": 0.93, "attacker_side_correct": 0.84},
    # The blind sets of stop 16 (40 reports each), development data from round 2 on.
    "arblind1": {"violation_f1": 0.88, "date_accuracy": 0.97, "location_within_15km": 0.97,
                 "fatalities_exact": 0.92, "attacker_side_correct": 0.75},
    "arblind2": {"violation_f1": 0.91, "date_accuracy": 0.92, "location_within_15km": 0.83,
                 "fatalities_exact": 0.88, "attacker_side_correct": 0.77},
    # Written blind for the end of stop 16 and scored before any change (eval/HISTORY.md).
    "arblind3": {"violation_f1": 0.95, "date_accuracy": 0.93, "location_within_15km": 0.88,
                 "fatalities_exact": 0.83, "attacker_side_correct": 0.74},
    # The last blind set of stop 16, scored before any change (eval/HISTORY.md).
    "arblind4": {"violation_f1": 0.82, "date_accuracy": 0.97, "location_within_15km": 0.86,
                 "fatalities_exact": 0.75, "attacker_side_correct": 0.75},
    # Written blind at the start of stop 17, scored before any change (eval/HISTORY.md).
    "arblind5": {"violation_f1": 0.95, "date_accuracy": 0.89, "location_within_15km": 0.93,
                 "fatalities_exact": 0.80, "attacker_side_correct": 0.84},
    "arblind6": {"violation_f1": 0.91, "date_accuracy": 0.97, "location_within_15km": 0.83,
                 "fatalities_exact": 0.93, "attacker_side_correct": 0.88},
    # Written blind at the start of stop 18, scored on 6918b19 before any change.
    # Raised by h-ar8 (round 8), tuned on this set: no longer a blind figure.
    "arblind7": {"violation_f1": 0.89, "date_accuracy": 0.97, "location_within_15km": 0.88,
                 "fatalities_exact": 0.92, "attacker_side_correct": 0.95},
    # Written blind later in stop 18, scored before any change it could prompt.
    "arblind8": {"violation_f1": 0.93, "date_accuracy": 0.79, "location_within_15km": 0.88,
                 "fatalities_exact": 0.52, "attacker_side_correct": 0.97},
    # Written blind late in stop 18 (25 reports), scored on the stop's rules before any change.
    "arblind9": {"violation_f1": 0.87, "date_accuracy": 0.75, "location_within_15km": 0.75,
                 "fatalities_exact": 0.42, "attacker_side_correct": 0.86},
}


def test_the_sets_are_arabic_full_length_labelled_reports() -> None:
    for name in FLOORS:
        cases = [json.loads(line) for line in
                 (DATA / f"{name}_cases.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        assert len(cases) >= 25  # 40 a set, but arblind8 (25: its writer ran out of events)
        assert all(c.get("language") == "ar" and "violation" in c["label"] for c in cases)
        assert len({c["id"] for c in cases}) == len(cases)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_floors_hold(name: str) -> None:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["eval", str(DATA / f"{name}_cases.jsonl"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    low = {k: summary[k] for k, floor in FLOORS[name].items() if summary[k] < floor}
    assert low == {}, low
