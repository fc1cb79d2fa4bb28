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


HOLDOUT = Path(__file__).parent / "data" / "holdout_cases.jsonl"


def test_holdout_cases_meet_thresholds() -> None:
    """Twelve cases written after the classifier was built (real events, own words), to watch
    for rules that only fit the main set."""
    result = CliRunner().invoke(_app(), ["eval", str(HOLDOUT), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == 12 and summary["false_positives"] == 0
    for key, minimum in THRESHOLDS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)


HOLDOUT2 = Path(__file__).parent / "data" / "holdout2_cases.jsonl"


def test_second_holdout_cases_meet_thresholds() -> None:
    """Twenty-four cases written blind, after the first hold-out, checked the same way."""
    if not HOLDOUT2.exists():
        pytest.skip(f"{HOLDOUT2} is absent")
    result = CliRunner().invoke(_app(), ["eval", str(HOLDOUT2), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == 24 and summary["false_positives"] == 0
    for key, minimum in THRESHOLDS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)


HOLDOUT3 = Path(__file__).parent / "data" / "holdout3_cases.jsonl"


def test_third_holdout_cases_meet_thresholds() -> None:
    """Thirty cases written blind in session 3 (scored before any rule change: F1 0.944,
    location 0.882, date 0.941; see the CHANGELOG), checked with the issue's thresholds."""
    if not HOLDOUT3.exists():
        pytest.skip(f"{HOLDOUT3} is absent")
    result = CliRunner().invoke(_app(), ["eval", str(HOLDOUT3), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == 30 and summary["false_positives"] == 0
    for key, minimum in THRESHOLDS.items():
        assert summary[key] is not None and summary[key] >= minimum, (key, summary)
