"""`tracker eval` on the labelled set must stay above the agreed thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tracker.commands.classify import register

CASES = Path(__file__).parent / "data" / "eval_cases.jsonl"
THRESHOLDS = {
    "violation_f1": 0.9,
    "date_accuracy": 0.85,
    "location_within_15km": 0.85,
    "fatalities_exact": 0.8,
}


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_eval_meets_thresholds() -> None:
    if not CASES.exists():
        pytest.skip(f"{CASES} is absent")
    result = CliRunner().invoke(_app(), ["eval", str(CASES), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] >= 70
    for key, minimum in THRESHOLDS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)


def test_eval_table_output() -> None:
    if not CASES.exists():
        pytest.skip(f"{CASES} is absent")
    result = CliRunner().invoke(_app(), ["eval", str(CASES)])
    assert result.exit_code == 0
    assert "violation_f1" in result.output and "items_per_second" in result.output


DATA = Path(__file__).parent / "data"
# (file, cases): sets written after the classifier was built (real events, own words), to
# watch for rules that only fit the main set.  holdout: 12 cases after the first build;
# holdout2: 24 written blind; holdout3: 30 written blind in session 3 (scored before any
# rule change: violation F1 0.944, location 0.882, date 0.941; see the CHANGELOG).
HOLDOUTS = [("holdout_cases.jsonl", 12), ("holdout2_cases.jsonl", 24),
            ("holdout3_cases.jsonl", 30)]


@pytest.mark.parametrize(("name", "n"), HOLDOUTS, ids=[h[0] for h in HOLDOUTS])
def test_holdout_cases_meet_thresholds(name: str, n: int) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    result = CliRunner().invoke(_app(), ["eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == n and summary["false_positives"] == 0
    for key, minimum in THRESHOLDS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)


# holdout4: 40 full-length reports written blind in stop 12 (before-score and after-score in
# eval/HISTORY.md). Its floors are the after-score, not the common thresholds: its toll and
# precision figures are below them, and the test keeps them from slipping further.
HOLDOUT4_FLOORS = {
    "violation_f1": 0.92,
    "violation_recall": 1.0,
    "date_accuracy": 0.95,
    "location_within_15km": 0.88,
    "fatalities_exact": 0.84,
    "agreements_exact": 1.0,
}


def test_fourth_blind_set_holds_its_floors() -> None:
    path = DATA / "holdout4_cases.jsonl"
    result = CliRunner().invoke(_app(), ["eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == 40 and summary["false_positives"] <= 4, summary
    for key, minimum in HOLDOUT4_FLOORS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)


# Today's Syria (issue 14): 60 full-length reports of 2025-2026 events written from sources
# (tests/data/today_SOURCES.md), 28 breaches of the agreements in force since December 2024 and
# 32 hard negatives. Floors sit just below the figures measured when the set was added
# (violation F1 0.840, place 0.952, agreements exact 1.000), so a drop fails.
TODAY_FLOORS = {
    "violation_f1": 0.82,
    "location_within_15km": 0.9,
    "agreements_exact": 0.95,
}


def test_todays_agreements_set_holds_its_floors() -> None:
    path = DATA / "today_cases.jsonl"
    result = CliRunner().invoke(_app(), ["eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == 60 and summary["false_positives"] <= 2, summary
    for key, minimum in TODAY_FLOORS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)
