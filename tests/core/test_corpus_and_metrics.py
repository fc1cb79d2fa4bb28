"""The attacker-side metric of `tracker eval` and the development corpus manifest."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.support.reference import shipped_reference
from tracker.commands.classify import register
from tracker.core.evaluation import (
    SideOf,
    attacker_side_ok,
    corpus_sets,
    report_words,
    score_case,
    side_finder,
    summarise,
)

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "eval" / "corpus.toml"


@pytest.fixture(scope="module")
def side_of() -> SideOf:
    return side_finder(shipped_reference())


def _incident(*attackers: tuple[str, str], targets: tuple[tuple[str, str], ...] = ()
              ) -> dict[str, Any]:
    actors = [{"name": n, "side": s, "role": "attacker"} for n, s in attackers]
    actors += [{"name": n, "side": s, "role": "target"} for n, s in targets]
    return {"violation": True, "date": "2019-05-06", "location": None, "actors": actors}


GOV = ("Syrian government forces", "government")
RUS = ("Russian forces", "government")
HTS = ("Hayat Tahrir al-Sham", "opposition")
LABEL = {"violation": True, "date": "2019-05-06",
         "actors": ["Syrian government forces", "Hayat Tahrir al-Sham"]}


@pytest.mark.parametrize(
    ("why", "incident", "expected"),
    [
        ("the labelled attacker", _incident(GOV, targets=(HTS,)), True),
        ("an ally of the same camp", _incident(RUS, targets=(HTS,)), True),
        ("the target read as the attacker", _incident(HTS, targets=(GOV,)), False),
        ("both parties read as attackers", _incident(GOV, HTS), False),
        ("no attacker named", _incident(targets=(HTS,)), False),
    ],
)
def test_attacker_side_on_the_label(
    side_of: SideOf, why: str, incident: dict[str, Any], expected: bool
) -> None:
    assert attacker_side_ok(LABEL, incident, side_of) is expected, why


def test_newer_labels_name_attacker_and_target(side_of: SideOf) -> None:
    label = {"violation": True, "date": "2025-07-20", "attacker": "Israeli forces",
             "target": "Syrian government forces", "actors": []}
    israel = ("Israeli forces", "other")
    assert attacker_side_ok(label, _incident(israel, targets=(GOV,)), side_of) is True
    assert attacker_side_ok(label, _incident(GOV, targets=(israel,)), side_of) is False


def test_the_side_is_the_camp_on_the_labelled_day(side_of: SideOf) -> None:
    # HTS is the opposition until 2024-12-07 and the government camp from 2024-12-08.
    label = {"violation": True, "date": "2025-03-10", "attacker": "Hayat Tahrir al-Sham",
             "target": "Syrian Democratic Forces"}
    assert attacker_side_ok(label, _incident(GOV), side_of) is True
    early = dict(label, date="2019-05-06")
    assert attacker_side_ok(early, _incident(GOV), side_of) is False


def test_parties_of_the_labelled_agreement_share_its_side(side_of: SideOf) -> None:
    # The Sweida ceasefire lists the National Guard and the Druze factions on one side: a
    # prediction naming either is on the labelled attacker's side of THAT agreement.
    label = {"violation": True, "date": "2025-10-02", "attacker": "National Guard",
             "target": "Syrian government forces", "agreements": ["sweida-ceasefire-2025"]}
    druze = ("Druze factions", "other")
    assert attacker_side_ok(label, _incident(druze, targets=(GOV,)), side_of) is True
    assert attacker_side_ok(label, _incident(GOV, targets=(druze,)), side_of) is False
    # Without the agreement each actor is its own side, as before.
    bare = {k: v for k, v in label.items() if k != "agreements"}
    assert attacker_side_ok(bare, _incident(druze, targets=(GOV,)), side_of) is False


def test_a_label_without_a_known_attacker_is_not_scored(side_of: SideOf) -> None:
    assert attacker_side_ok({"actors": []}, _incident(GOV), side_of) is None
    assert attacker_side_ok({"actors": ["Qwzx brigade"]}, _incident(GOV), side_of) is None


def test_the_summary_scores_attacker_side_over_true_positives(side_of: SideOf) -> None:
    located = dict(LABEL, lat=None, lon=None)
    right = score_case("a", located, [_incident(GOV, targets=(HTS,))], side_of)
    wrong = score_case("b", located, [_incident(HTS, targets=(GOV,))], side_of)
    false_positive = score_case("c", {"violation": False}, [_incident(HTS)], side_of)
    summary = summarise([right, wrong, false_positive], 1.0)
    assert summary["attacker_side_correct"] == 0.5
    assert summary["attacker_side_scored"] == 2
    assert score_case("d", located, [_incident(GOV)]).attacker_side_ok is None


# -- the development corpus -------------------------------------------------------------------


def _corpus() -> list[tuple[str, dict[str, Any]]]:
    sets = corpus_sets(tomllib.loads(MANIFEST.read_text(encoding="utf-8")))
    return [(s.name, json.loads(line)) for s in sets
            for line in (MANIFEST.parent / s.path).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_the_corpus_is_full_length_labelled_reports() -> None:
    cases = _corpus()
    assert len(cases) >= 150
    short_or_long = [(name, c["id"], report_words(c["text"])) for name, c in cases
                     if not 150 <= report_words(c["text"]) <= 500]
    assert short_or_long == []
    assert all("violation" in c["label"] and "actors" in c["label"] for _, c in cases)
    assert len({c["id"] for _, c in cases}) == len(cases)


def test_a_manifest_needs_sets_with_paths() -> None:
    with pytest.raises(ValueError, match="no \\[\\[sets\\]\\]"):
        corpus_sets({})
    with pytest.raises(ValueError, match="no path"):
        corpus_sets({"sets": [{"name": "x"}]})


def test_eval_runs_over_the_corpus_manifest() -> None:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["eval", str(MANIFEST), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["n"] == len(_corpus())
    assert set(summary["sets"]) == {f"holdout{n}" for n in range(4, 51)}
    assert sum(s["n"] for s in summary["sets"].values()) == summary["n"]
    # A true positive whose label names no attacker, or one the registry does not know (h23-06:
    # fire from Lebanon by an unknown group), cannot be scored for the attacker side.
    positives = [c["label"] for _, c in _corpus() if c["label"].get("violation")]
    unnamed = sum(1 for lab in positives if not (lab.get("attacker") or lab.get("actors")))
    assert 0 < summary["attacker_side_scored"] <= summary["true_positives"]
    assert summary["true_positives"] - summary["attacker_side_scored"] <= unnamed + 2
    assert 0.0 <= summary["attacker_side_correct"] <= 1.0
