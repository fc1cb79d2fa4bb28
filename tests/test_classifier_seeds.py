"""The five seed articles, pinned end to end through the real reference data."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.reference import shipped_reference
from tracker.core.classifier import Classifier
from tracker.core.incident import ItemInput

SEEDS = Path(__file__).parent / "data" / "seeds"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
PUBLISHED = {
    "000": "2020-09-02",
    "001": "2019-03-04",
    "002": "2023-07-08",
    "003": "2018-09-01",
    "004": "2020-02-01",
}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(shipped_reference(), ZoneInfo("Asia/Damascus"))


def _classify(clf: Classifier, key: str) -> list[dict[str, Any]]:
    path = next(SEEDS.glob(f"{key}_*.txt"))
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    item = ItemInput(title, body, datetime.fromisoformat(PUBLISHED[key]))
    return [i.to_dict() for i in clf.classify(item)]


def _at(incidents: list[dict[str, Any]], place: str) -> dict[str, Any]:
    found = [i for i in incidents if i["location"] and i["location"]["name"] == place]
    assert found, [i["location"] for i in incidents]
    return found[0]


def test_repo_copies_match_the_shared_seeds() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"shared seeds not present at {SHARED}")
    for shared in SHARED.glob("*.txt"):
        assert (SEEDS / shared.name).read_bytes() == shared.read_bytes()


def test_001_ansar_al_tawhid_attack_on_masasna(classifier: Classifier) -> None:
    inc = _at(_classify(classifier, "001"), "Masasna")
    assert inc["violation"] is True
    assert inc["agreements"] == ["sochi-2018"]
    assert inc["date"] == "2019-03-03" and inc["date_precision"] == 1
    assert inc["location"]["admin1"] == "Hama"
    assert inc["fatalities"] == 26
    roles = {a["name"]: a["role"] for a in inc["actors"]}
    assert roles["Ansar al-Tawhid"] == "attacker"
    assert roles["Syrian government forces"] == "target"
    assert any("sochi-2018 art." in r for r in inc["reasons"])


def test_002_infiltration_repelled_at_kabani(classifier: Classifier) -> None:
    incidents = _classify(classifier, "002")
    assert len(incidents) == 1  # the 2019 clashes and general claims are background
    inc = incidents[0]
    assert inc["violation"] is True
    assert inc["location"]["name"] == "Kabani" and inc["location"]["admin1"] == "Latakia"
    assert inc["date"] == "2023-07-07"
    assert inc["agreements"] == ["sochi-2018", "moscow-2020"]
    assert inc["fatalities"] is None
    assert inc["event_type"] == "Battles"
    roles = {a["name"]: a["role"] for a in inc["actors"]}
    assert roles["Hayat Tahrir al-Sham"] == "attacker"


def test_003_reinforcements_are_no_incident(classifier: Classifier) -> None:
    assert not any(i["violation"] for i in _classify(classifier, "003"))


def test_004_car_bombs_on_jamiyat_al_zahraa_and_al_bab_outside(classifier: Classifier) -> None:
    incidents = _classify(classifier, "004")
    inc = _at(incidents, "Jamiyat al-Zahraa")
    assert inc["violation"] is True
    assert inc["agreements"] == ["sochi-2018"]
    assert inc["date"] == "2020-02-01"
    assert (inc["event_type"], inc["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Suicide bomb",
    )
    assert inc["fatalities"] is None
    bab = _at(incidents, "al-Bab")
    assert bab["violation"] is False and bab["zones"] == []
    assert any("outside every agreement zone" in r for r in bab["reasons"])


def test_000_attack_on_turkish_base_and_kabana_airstrikes(classifier: Classifier) -> None:
    incidents = _classify(classifier, "000")
    base = next(
        i
        for i in incidents
        if any(a["name"] == "Turkish Armed Forces" and a["role"] == "target" for a in i["actors"])
    )
    assert base["violation"] is True
    assert base["agreements"] == ["sochi-2018", "moscow-2020"]
    assert base["date_precision"] == 3 and base["date"] == str(date(2020, 8, 26))
    assert base["location"]["admin1"] == "Idlib" and base["location"]["precision"] == 5
    assert any("approximate zone" in r for r in base["reasons"])
    kabana = _at(incidents, "Kabani")
    assert kabana["sub_event_type"] == "Air/drone strike"
    assert {"name": "Russian forces", "side": "government", "role": "attacker"} in kabana["actors"]
