"""The `tracker classify` contract: JSON shape, --jsonl order, --explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tracker.commands.classify import register

SEED_001 = next((Path(__file__).parent / "data" / "seeds").glob("001_*.txt"))
INCIDENT_KEYS = [
    "violation",
    "event_type",
    "sub_event_type",
    "date",
    "date_precision",
    "location",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "actors",
    "agreements",
    "zones",
    "severity",
    "confidence",
    "reasons",
    "evidence",
]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_plain_text_first_line_is_title(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", str(SEED_001), "--published", "2019-03-04"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert list(out) == ["incidents"]
    inc = out["incidents"][0]
    assert list(inc) == INCIDENT_KEYS
    assert set(inc["location"]) == {"name", "admin1", "lat", "lon", "precision"}
    assert all(set(a) == {"name", "side", "role"} for a in inc["actors"])
    assert isinstance(inc["confidence"], float) and 0 <= inc["confidence"] <= 1
    assert inc["severity"] in {"low", "medium", "high", "critical"}
    assert any(i["violation"] and i["location"]["name"] == "Masasna" for i in out["incidents"])


def test_json_object_from_stdin(app: typer.Typer) -> None:
    item = {
        "title": "Jets strike Ariha",
        "published": "2021-06-10T10:00:00+03:00",
        "text": "Russian warplanes struck the town of Ariha on Thursday, killing four "
        "civilians, the civil defence said.",
    }
    result = CliRunner().invoke(app, ["classify", "-"], input=json.dumps(item))
    assert result.exit_code == 0, result.output
    incidents = json.loads(result.output)["incidents"]
    assert incidents[0]["date"] == "2021-06-10"
    assert incidents[0]["fatalities"] == 4
    assert incidents[0]["violation"] is True


def test_jsonl_keeps_input_order(app: typer.Typer) -> None:
    lines = [
        {
            "id": "b",
            "title": "Talks",
            "published": "2020-03-05",
            "text": "Leaders met for talks in Moscow and agreed a ceasefire.",
        },
        {
            "id": "a",
            "title": "Shelling",
            "published": "2019-11-24",
            "text": "Government artillery shelled Jarjanaz on Saturday, killing seven civilians.",
        },
        {"id": "c", "title": "", "published": "2019-11-24", "text": ""},
    ]
    raw = "\n".join(json.dumps(x) for x in lines) + "\n"
    result = CliRunner().invoke(app, ["classify", "-", "--jsonl"], input=raw)
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["b", "a", "c"]
    assert rows[0]["incidents"] == [] and rows[2]["incidents"] == []
    assert rows[1]["incidents"][0]["violation"] is True


def test_explain_is_readable(app: typer.Typer) -> None:
    result = CliRunner().invoke(
        app, ["classify", str(SEED_001), "--published", "2019-03-04T09:00", "--explain"]
    )
    assert result.exit_code == 0, result.output
    assert "VIOLATION" in result.output and "Masasna" in result.output
    assert "reasons:" in result.output and "evidence:" in result.output


def test_bad_published_is_an_error(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", str(SEED_001), "--published", "yesterday"])
    assert result.exit_code != 0
