"""The governorate boundaries shipped for the map (tracker/data/governorates.geojson, built by
scripts/build_governorates.py from geoBoundaries / OCHA): 14 valid polygons inside Syria,
small enough to serve, and in agreement with the project's other, independent data: OCHA's
populated places (settlements.csv) and the gazetteer's governorate capitals fall in the
governorate their own records name."""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

DATA = files("tracker") / "data"
# Syria lies within about 35.7-42.4 E, 32.3-37.4 N (a generous frame).
SYRIA_BBOX = (35.5, 32.2, 42.5, 37.5)


def _governorates() -> dict[str, BaseGeometry]:
    doc = json.loads((DATA / "governorates.geojson").read_text("utf-8"))
    return {f["properties"]["name"]: shape(f["geometry"]) for f in doc["features"]}


def _settlements() -> list[dict[str, str]]:
    text = (DATA / "settlements.csv").read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def _where(areas: dict[str, BaseGeometry], lon: float, lat: float) -> list[str]:
    return [name for name, area in areas.items() if area.covers(Point(lon, lat))]


def test_fourteen_valid_polygons_inside_syria_and_small() -> None:
    areas = _governorates()
    assert len(areas) == 14
    assert {g.geom_type for g in areas.values()} <= {"Polygon", "MultiPolygon"}
    assert all(g.is_valid and not g.is_empty for g in areas.values())
    w, s, e, n = shapely.union_all(list(areas.values())).bounds
    assert SYRIA_BBOX[0] <= w and SYRIA_BBOX[1] <= s and e <= SYRIA_BBOX[2] and n <= SYRIA_BBOX[3]
    # the governorates barely overlap one another (simplified one by one: slivers only)
    total = sum(g.area for g in areas.values())
    assert shapely.union_all(list(areas.values())).area > 0.995 * total
    assert (DATA / "governorates.geojson").stat().st_size < 300_000  # type: ignore[attr-defined]


def test_names_match_the_gazetteer_spelling() -> None:
    """Every governorate name is one the gazetteer uses (places.csv, column admin1)."""
    text = (DATA / "places.csv").read_text("utf-8")
    admin1 = {row["admin1"] for row in csv.DictReader(text.splitlines())}
    assert set(_governorates()) <= admin1


def test_ocha_settlements_fall_in_their_own_governorate() -> None:
    """settlements.csv is OCHA's populated places, each with its governorate: another dataset
    than the boundaries. Nearly all fall inside their own; a few on borders, simplified away."""
    areas = _governorates()
    rows = _settlements()
    right = wrong = 0
    for row in rows:
        hits = _where(areas, float(row["lon"]), float(row["lat"]))
        if row["admin1"] in hits:
            right += 1
        elif hits:
            wrong += 1
    assert len(rows) > 5000
    assert right >= 0.98 * len(rows), (right, wrong, len(rows))
    assert wrong <= 0.002 * len(rows), (right, wrong, len(rows))


@pytest.mark.parametrize(
    "name", ["Idlib", "Aleppo", "Daraa", "As-Suwayda", "Hama", "Homs", "Latakia", "Raqqa"]
)
def test_governorate_capitals_fall_in_their_governorate(name: str) -> None:
    """The capital (OCHA's `capital` flag) of each governorate lies in that governorate."""
    capitals = [r for r in _settlements() if r["capital"] == "1" and r["admin1"] == name]
    assert capitals, f"no capital listed for {name}"
    for row in capitals:
        assert _where(_governorates(), float(row["lon"]), float(row["lat"])) == [name], row["name"]


def test_known_cities_by_coordinates() -> None:
    """A few cities by their published coordinates (degrees, WGS 84)."""
    areas = _governorates()
    cities = {
        "Idlib": (36.633, 35.930),
        "Aleppo": (37.161, 36.202),
        "Daraa": (36.103, 32.619),
        "As-Suwayda": (36.567, 32.709),
        "Damascus": (36.292, 33.513),
        "Deir ez-Zor": (40.141, 35.336),
        "Hasakah": (40.749, 36.502),
        "Quneitra": (35.824, 33.126),
    }
    for name, (lon, lat) in cities.items():
        assert _where(areas, lon, lat) == [name], name


def test_build_script_reproduces_the_shipped_file(tmp_path: Path) -> None:
    """The build is deterministic: re-simplifying the shipped file's own shapes with a zero
    tolerance keeps them (the script checks the 14 ISO codes and rounds the same way)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_governorates", Path(__file__).parent.parent / "scripts" / "build_governorates.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.loads((DATA / "governorates.geojson").read_text("utf-8"))
    as_source = {
        "features": [
            {
                "properties": {"shapeISO": f["properties"]["iso"], "shapeName": "x"},
                "geometry": f["geometry"],
            }
            for f in shipped["features"]
        ]
    }
    rebuilt = module.build(as_source, tolerance=0.0)
    assert [f["properties"]["name"] for f in rebuilt["features"]] == [
        f["properties"]["name"] for f in shipped["features"]
    ]
    for old, new in zip(shipped["features"], rebuilt["features"], strict=True):
        assert shape(old["geometry"]).equals(shape(new["geometry"]))


def test_served_with_the_map(tmp_path: Path) -> None:
    """GET /map/governorates.geojson serves the same 14 features."""
    import asyncio

    from tests.conftest import FakeClock, make_settings
    from tracker import __version__
    from tracker.adapters.web import create_web_app
    from tracker.app import App

    app = App(
        make_settings(f"sqlite:///{tmp_path / 'g.db'}", web={"enabled": False}), clock=FakeClock()
    )
    try:
        with TestClient(create_web_app(app, __version__)) as client:
            r = client.get("/map/governorates.geojson")
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("application/geo+json")
            doc = r.json()
            assert len(doc["features"]) == 14
            assert "CC BY 3.0 IGO" in doc["attribution"]
    finally:
        asyncio.run(app.aclose())
