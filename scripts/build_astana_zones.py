"""Build the Astana zones 2-4 and the south-west ceasefire area in tracker/data/zones.geojson.

    uv run python scripts/build_astana_zones.py [--check]

No official line of these zones was ever published, so they are drawn from the places the
sources name (see tracker/data/SOURCES.md, "Astana zones 2-4 and the south-west area"):

- ``astana-northern-homs``: the hull of the opposition-held Rastan-Talbiseh-Houla pocket's
  boundary settlements (OCHA communities of tracker/data/settlements.csv), widened by a band of
  BAND_KM on every side, as the Idlib zone has, but cut at HOMS_CUT_LAT so that the centre of
  Homs city stays outside (the band is only about 3 km wide on the Homs side).
- ``astana-eastern-ghouta``: the hull of the enclave's boundary settlements (OCHA communities,
  Jobar from a Wikipedia copy) widened by GHOUTA_MARGIN_KM only, so that the Old City of
  Damascus, about 3.5 km from Jobar, stays outside.
- ``astana-south``: Daraa and Quneitra governorates (tracker/data/governorates.geojson) east
  of the 1974 Line A (the west edge of the ``undof-area-of-separation`` zone, so the occupied
  Golan is out). Opposition- and government-held towns were interleaved there in 2017-18 and
  every government-held town lies within about 10 km of the line, so the zone with its band is
  the two governorates.
- ``southwest-2017-area``: ``astana-south`` plus the western edge of As-Suwayda governorate
  (the part within SWEIDA_EDGE_KM of the Daraa boundary); Sweida city stays outside.

Buffers are computed in UTM 37N metres; each result is simplified, rounded to 4 decimals
(about 10 m) and oriented counter-clockwise (RFC 7946). The script replaces features with
these ids in zones.geojson and keeps every other feature as it is; ``--check`` only reports
whether the file is up to date.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

DATA = Path(__file__).resolve().parent.parent / "tracker" / "data"
ZONES = DATA / "zones.geojson"

BAND_KM = 10.0
HOMS_CUT_LAT = 34.765
GHOUTA_MARGIN_KM = 2.0
SWEIDA_EDGE_KM = 6.0

# OCHA community P-codes (settlements.csv) on the edge of the northern Homs pocket in 2017-18.
HOMS_POCKET = {
    "C2556": "Kafr Laha (al-Houla)",
    "C2547": "Tal Dahab (al-Houla)",
    "C3040": "Harbnafsah (Hor Bnafsor)",
    "C2870": "al-Rastan",
    "C2860": "Izz al-Din (Ez Eldin)",
    "C2878": "Deir Ful",
    "C2881": "Saan al-Aswad",
    "C2882": "Talbiseh",
    "C2888": "al-Zaafarani",
    "C2885": "al-Ghantu",
    "C2524": "al-Dar al-Kabira",
    "C2884": "al-Qanniyeh",
    "C2873": "Tesnine",
    "C2875": "Kafr Nan",
}
# OCHA communities on the edge of the Eastern Ghouta enclave in 2017 (Jobar is added below).
GHOUTA = {
    "C2338": "Douma",
    "C2342": "Harasta",
    "C2343": "Mudayra",
    "C2344": "Misraba",
    "C2321": "Arbin",
    "C2320": "Zamalka",
    "C2315": "Ain Tarma",
    "C2319": "Kafr Batna",
    "C2317": "Jisrin",
    "C2312": "Aftris",
    "C2363": "Beit Nayem",
    "C2350": "Otaya",
    "C2355": "al-Nashabiyah",
    "C2360": "al-Salhiyah",
    "C2333": "Hosh al-Farah",
    "C2337": "al-Rihan",
    "C2334": "al-Shifuniyah",
}
# Not an OCHA community (a district of Damascus city): 33°31'51.6"N 36°20'13.6"E, the
# coordinates of en.wikipedia "Jobar" as read in a stored copy (pwojczyn.com/wiki, "Jobar").
JOBAR = (33.5310, 36.3371)
# The 1974 Line A as drawn in the undof-area-of-separation zone (its west edge), north to south.
LINE_A_ZONE = "undof-area-of-separation"

TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
TO_DEG = Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)


def _settlements() -> dict[str, tuple[float, float]]:
    """OCHA P-code -> (lat, lon) from settlements.csv."""
    with (DATA / "settlements.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["id"]: (float(r["lat"]), float(r["lon"])) for r in rows}


def _metric(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, TO_M.transform, interleaved=False)


def _degrees(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, TO_DEG.transform, interleaved=False)


def _hull_buffer(points: Iterable[tuple[float, float]], km: float) -> BaseGeometry:
    """Convex hull of (lat, lon) points, widened by ``km`` (in metres, not degrees)."""
    hull = MultiPoint([(lon, lat) for lat, lon in points]).convex_hull
    return _degrees(_metric(hull).buffer(km * 1000.0, quad_segs=8))


def _clean(geom: BaseGeometry, tolerance: float) -> dict[str, Any]:
    """Simplified, rounded, counter-clockwise GeoJSON polygon."""
    simple = geom.simplify(tolerance, preserve_topology=True)
    if simple.geom_type != "Polygon":  # the clip may leave slivers: keep the main part
        simple = max(simple.geoms, key=lambda g: g.area)
    ring = [(round(x, 4), round(y, 4)) for x, y in simple.exterior.coords]
    poly = orient(Polygon(ring), 1.0)
    if not poly.is_valid:
        raise SystemExit("a built polygon is not valid")
    return mapping(poly)


def _governorate(features: list[dict[str, Any]], name: str) -> BaseGeometry:
    return next(shape(f["geometry"]) for f in features if f["properties"]["name"] == name)


def _line_a(zones: list[dict[str, Any]]) -> BaseGeometry:
    """Everything east of Line A: the area of separation's west edge closed far to the east."""
    sep = next(f for f in zones if f["properties"]["id"] == LINE_A_ZONE)
    ring = sep["geometry"]["coordinates"][0]
    # The west edge: the vertices from the southern tip (35.7, 32.68) back to the north end.
    start = next(i for i, (x, _y) in enumerate(ring) if x == min(p[0] for p in ring))
    west = [tuple(p) for p in ring[start:]]
    south_x, north_x = west[0][0], west[-1][0]
    return Polygon([(south_x, 32.0), *west, (north_x, 34.0), (38.0, 34.0), (38.0, 32.0)])


def _feature(zone_id: str, name: str, agreements: list[str], source: str,
             geometry: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"id": zone_id, "name": name, "agreement_ids": agreements,
                       "approximate": True, "source": source},
        "geometry": geometry,
    }


def build(zones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The four features, built from the shipped data files."""
    places = _settlements()
    govs = json.loads((DATA / "governorates.geojson").read_text("utf-8"))["features"]

    homs = _hull_buffer((places[p] for p in HOMS_POCKET), BAND_KM)
    homs = homs.intersection(Polygon([(35.0, HOMS_CUT_LAT), (38.0, HOMS_CUT_LAT),
                                      (38.0, 36.0), (35.0, 36.0)]))
    ghouta = _hull_buffer([*(places[p] for p in GHOUTA), JOBAR], GHOUTA_MARGIN_KM)
    south = shapely.union(_governorate(govs, "Daraa"), _governorate(govs, "Quneitra"))
    south = south.buffer(0).intersection(_line_a(zones))
    daraa_m = _metric(_governorate(govs, "Daraa"))
    sweida_edge = _degrees(_metric(_governorate(govs, "As-Suwayda")).intersection(
        daraa_m.buffer(SWEIDA_EDGE_KM * 1000.0)))
    south_geom = _clean(south, 0.01)
    southwest = shapely.union(shape(south_geom), sweida_edge).buffer(0)

    homs_names = ", ".join(HOMS_POCKET.values())
    ghouta_names = ", ".join(GHOUTA.values())
    return [
        _feature(
            "astana-northern-homs",
            "Astana zone 2: north of Homs (the Rastan-Talbiseh-Houla pocket), incl. a ~10 km "
            "band around it, cut short of Homs city",
            ["astana-2017"],
            f"Convex hull of the pocket's boundary settlements ({homs_names}; OCHA communities "
            f"of settlements.csv) widened by {BAND_KM:g} km, cut at latitude {HOMS_CUT_LAT} so "
            "that Homs city centre stays outside. approximate; built by "
            "scripts/build_astana_zones.py, described in SOURCES.md",
            _clean(homs, 0.005),
        ),
        _feature(
            "astana-eastern-ghouta",
            "Astana zone 3: the Eastern Ghouta enclave (Douma to Ain Tarma and Jobar)",
            ["astana-2017"],
            f"Convex hull of the enclave's boundary settlements ({ghouta_names}; OCHA "
            "communities of settlements.csv) and Jobar (Wikipedia copy) widened by "
            f"{GHOUTA_MARGIN_KM:g} km; the Old City of Damascus stays outside. approximate; "
            "built by scripts/build_astana_zones.py, described in SOURCES.md",
            _clean(ghouta, 0.002),
        ),
        _feature(
            "astana-south",
            "Astana zone 4: Daraa and Quneitra governorates east of the 1974 Line A",
            ["astana-2017"],
            "Daraa and Quneitra governorate outlines (governorates.geojson, geoBoundaries) "
            "clipped at Line A as drawn for undof-area-of-separation; inside: Daraa al-Balad, "
            "Nawa, Inkhil, Jasim, Tafas, al-Harak, Busra al-Harir, Mseifra, Busra al-Sham, "
            "Yadudah, the Yarmouk basin (Koya), Quneitra and Jubata al-Khashab. approximate; "
            "built by scripts/build_astana_zones.py, described in SOURCES.md",
            south_geom,
        ),
        _feature(
            "southwest-2017-area",
            "South-west ceasefire area (US-Russia-Jordan, July 2017): Daraa and Quneitra east "
            "of Line A and the western edge of As-Suwayda governorate",
            ["southwest-2017"],
            f"The astana-south polygon plus the part of As-Suwayda governorate within "
            f"{SWEIDA_EDGE_KM:g} km of the Daraa boundary (governorates.geojson); Sweida city "
            "stays outside. approximate; built by scripts/build_astana_zones.py, described in "
            "SOURCES.md",
            _clean(southwest, 0.01),
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args()
    data = json.loads(ZONES.read_text("utf-8"))
    new = build(data["features"])
    ids = {f["properties"]["id"] for f in new}
    kept = [f for f in data["features"] if f["properties"]["id"] not in ids]
    data["features"] = kept + new
    text = json.dumps(data, indent=1) + "\n"
    if args.check:
        current = ZONES.read_text("utf-8") == text
        print("zones.geojson is up to date" if current else "zones.geojson is out of date")
        return 0 if current else 1
    ZONES.write_text(text, "utf-8")
    for f in new:
        geom = shape(f["geometry"])
        print(f["properties"]["id"], len(f["geometry"]["coordinates"][0]) - 1, "vertices",
              [round(b, 3) for b in geom.bounds])
    return 0


if __name__ == "__main__":
    sys.exit(main())
