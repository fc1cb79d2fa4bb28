"""Zone membership checks from zones.md (expected inside/outside tables) and the brief."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pytest

from tracker.core.geo import ZoneIndex, haversine_km, merge_feature_collections


@cache
def _zones_data() -> dict:
    text = resources.files("tracker.data").joinpath("zones.geojson").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _index() -> ZoneIndex:
    return ZoneIndex.from_geojson(_zones_data())


def _ids(lat: float, lon: float) -> set[str]:
    return {h.zone_id for h in _index().zones_at(lat, lon)}


# (place, lat, lon, in idlib-deescalation, in idlib-dmz) - zones.md "Expected inside/outside"
IDLIB_TABLE = [
    ("Idlib city", 35.9306, 36.6339, True, False),
    ("Kabani", 35.7183, 36.2336, True, True),
    ("Khan Shaykhun", 35.4421, 36.6510, True, True),
    ("Kafr Zita", 35.3743, 36.6033, True, True),
    ("al-Atarib", 36.1391, 36.8250, True, False),
    ("Jisr al-Shughur", 35.8142, 36.3198, True, True),
    ("Saraqib", 35.8645, 36.8059, True, True),
    ("Morek", 35.3762, 36.6897, True, True),
    ("Jamiyat al-Zahraa", 36.2000, 37.1000, True, False),
    ("al-Bab", 36.3705, 37.5157, False, False),
    ("Hama city", 35.1318, 36.7578, False, False),
    ("Latakia city", 35.5317, 35.7918, False, False),
    ("Afrin", 36.5119, 36.8695, False, False),
    ("Azaz", 36.5866, 37.0463, False, False),
    ("Deir ez-Zor", 35.3359, 40.1408, False, False),
    ("Daraa", 32.6189, 36.1021, False, False),
    ("Aleppo citadel", 36.1990, 37.1630, False, False),
]


@pytest.mark.parametrize(("place", "lat", "lon", "in_area", "in_dmz"), IDLIB_TABLE)
def test_idlib_expected_rows(place: str, lat: float, lon: float, in_area: bool, in_dmz: bool):
    ids = _ids(lat, lon)
    assert ("idlib-deescalation" in ids) is in_area, place
    assert ("idlib-dmz" in ids) is in_dmz, place


@pytest.mark.parametrize(
    ("place", "lat", "lon", "inside"),
    [
        ("Ariha", 35.8137, 36.6096, True),
        ("Saraqib", 35.8645, 36.8059, True),
        ("Sarmin", 35.9040, 36.7250, True),
        ("Jisr al-Shughur", 35.8142, 36.3198, True),
        ("Idlib city", 35.9306, 36.6339, False),
        ("Kabani", 35.7183, 36.2336, False),
    ],
)
def test_m4_corridor(place: str, lat: float, lon: float, inside: bool):
    assert ("m4-corridor" in _ids(lat, lon)) is inside, place


@pytest.mark.parametrize(
    ("place", "lat", "lon", "inside"),
    [
        ("At Tanf garrison", 33.5058, 38.6178, True),
        ("Rukban camp", 33.310861, 38.668472, True),
        ("Palmyra", 34.5624, 38.28402, False),
    ],
)
def test_tanf_circle(place: str, lat: float, lon: float, inside: bool):
    assert ("al-tanf-55km" in _ids(lat, lon)) is inside, place


def test_tanf_distance_matches_zones_md():
    hit = next(h for h in _index().zones_at(33.310861, 38.668472) if h.zone_id == "al-tanf-55km")
    assert hit.edge_distance_km == pytest.approx(55 - 22.1, abs=0.1)
    assert hit.approximate is False


@pytest.mark.parametrize(
    ("place", "lat", "lon", "inside"),
    [
        ("Tal Abyad", 36.6975, 38.95667, True),
        ("Ras al-Ayn", 36.85034, 40.07055, True),
        ("Ain Issa", 36.3855, 38.86228, True),
        ("Tall Tamr", 36.65556, 40.37079, True),
        ("Suluk", 36.59596, 39.1299, True),
        ("Raqqa", 35.9528, 39.0079, False),
        ("Kobani", 36.8909, 38.3535, False),
        ("al-Darbasiyah", 37.07279, 40.65199, False),
        ("al-Hasakah", 36.5024, 40.7477, False),
    ],
)
def test_peace_spring(place: str, lat: float, lon: float, inside: bool):
    assert ("ne-syria-peace-spring" in _ids(lat, lon)) is inside, place


def test_near_edge_and_approximate_flags():
    # Kassab sits ~1 km from the NW corner of the Idlib polygon: inside but near the edge.
    hit = next(h for h in _index().zones_at(35.9264, 35.9897) if h.zone_id == "idlib-deescalation")
    assert hit.near_edge and hit.approximate and hit.edge_distance_km < 5
    # Kafr Zita is deep inside the area.
    deep = next(h for h in _index().zones_at(35.3743, 36.6033) if h.zone_id == "idlib-deescalation")
    assert deep.edge_distance_km > 5 and not deep.near_edge


def test_boundary_vertex_counts_as_inside():
    # A polygon vertex (west of Rabia) is covered: shapely covers, not contains.
    assert "idlib-deescalation" in _ids(35.785, 36.02)


def test_agreement_ids_from_geojson():
    assert set(_index().agreement_ids("idlib-deescalation")) == {
        "astana-2017",
        "sochi-2018",
        "moscow-2020",
    }
    assert _index().agreement_ids("nope") == ()


def test_construction_builds_one_prepared_zone_per_feature():
    """Construction speed is measured in bench/, never asserted here; this checks what is
    built: every shipped zone is in the index."""
    data = _zones_data()
    index = ZoneIndex.from_geojson(data)
    ids = {f["properties"]["id"] for f in data["features"]}
    assert ids and set(index.zone_ids) == ids


def test_user_zone_overrides_and_adds():
    extra = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "al-tanf-55km", "radius_km": 10, "approximate": False},
                "geometry": {"type": "Point", "coordinates": [38.6178, 33.5058]},
            },
            {
                "type": "Feature",
                "properties": {"id": "my-box", "approximate": True},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[36.0, 32.0], [37.0, 32.0], [37.0, 33.0], [36.0, 33.0], [36.0, 32.0]]
                    ],
                },
            },
        ],
    }
    idx = ZoneIndex.from_geojson(merge_feature_collections(_zones_data(), extra))
    assert "al-tanf-55km" not in {h.zone_id for h in idx.zones_at(33.310861, 38.668472)}
    assert "my-box" in {h.zone_id for h in idx.zones_at(32.6189, 36.1021)}


def test_haversine():
    assert haversine_km(33.5058, 38.6178, 33.5058, 38.6178) == 0
    assert haversine_km(33.5058, 38.6178, 34.5624, 38.28402) == pytest.approx(121.2, abs=0.6)
