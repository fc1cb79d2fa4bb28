"""User additions to the reference data through [reference] files, without touching code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tracker.app import App
from tracker.core.incident import ItemInput
from tracker.settings import ConfigError, load_settings

HOMS_STRIKE = ItemInput(
    "Strike near Talbiseh",
    "Government warplanes struck the town of Talbiseh in the northern Homs countryside on "
    "Sunday, killing four civilians, a monitor said.",
    datetime(2019, 3, 4, 9, tzinfo=UTC),
)


def _write(tmp_path: Path) -> tuple[Path, Path, Path]:
    agreements = tmp_path / "agreements.toml"
    agreements.write_text(
        "[agreements.sochi-2018]\nend = 2018-12-31\n\n"
        "[agreements.homs-local-2019]\nname = \"Example local truce for northern Homs\"\n"
        "start = 2019-01-01T00:00:00+02:00\nzones = [\"north-homs-example\"]\n"
    )
    zones = tmp_path / "zones.geojson"
    ring = [[36.60, 34.78], [36.80, 34.78], [36.80, 34.95], [36.60, 34.95], [36.60, 34.78]]
    zones.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"id": "north-homs-example", "name": "Northern Homs (example)",
                       "agreement_ids": ["homs-local-2019"], "approximate": True, "source": "test"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }]}))
    places = tmp_path / "places.csv"
    places.write_text(
        "name,aliases,arabic,kind,admin1,admin2,lat,lon,precision,source,notes\n"
        "Talbiseh,Talbisa|Talbiseh town,,settlement,Homs,al-Rastan,34.8400,36.7300,1,test,\n"
    )
    return agreements, zones, places


def test_reference_files_change_decisions(tmp_path: Path, sqlite_url: str) -> None:
    agreements, zones, places = _write(tmp_path)
    base = App(make_settings(sqlite_url)).classification.classifier
    before = [i for i in base.classify(HOMS_STRIKE) if i.violation]
    assert before == []  # northern Homs is in no built-in zone in 2019

    settings = make_settings(sqlite_url, reference={
        "agreements_file": str(agreements), "zones_file": str(zones), "places_file": str(places),
    })
    custom = App(settings).classification.classifier
    after = [i for i in custom.classify(HOMS_STRIKE) if i.violation]
    assert len(after) == 1
    assert after[0].agreements == ("homs-local-2019",) and "north-homs-example" in after[0].zones

    masasna = ItemInput(
        "Attack on Masasna",
        "Ansar al-Tawhid fighters attacked regime positions in the village of Masasna in the "
        "north of Hama province on Sunday, killing 21 soldiers.",
        datetime(2019, 3, 4, 9, tzinfo=UTC),
    )
    assert any(i.violation for i in base.classify(masasna))
    # sochi-2018's end date moved to 2018-12-31 by configuration: no agreement in force.
    assert not any(i.violation for i in custom.classify(masasna))


def test_missing_reference_file_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[reference]\nzones_file = "/nonexistent/zones.geojson"\n')
    with pytest.raises(ConfigError, match=r"reference\.zones_file: file not found"):
        load_settings(cfg)
