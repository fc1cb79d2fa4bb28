"""Build tracker/data/governorates.geojson: Syria's 14 governorates (admin1), simplified.

Source: geoBoundaries gbOpen SYR ADM1 (boundaryID SYR-ADM1-8384693), itself from the United
Nations Cartographic Section and OCHA (COD-AB), licensed CC BY 3.0 IGO. See
tracker/data/SOURCES.md for where the input file came from and its checksum.

    uv run python scripts/build_governorates.py SOURCE.geojson [--tolerance 0.004]

The geometry is simplified with shapely (topology preserved, tolerance in degrees; 0.004 is
about 400 m, invisible at the dashboard's zoom), coordinates rounded to 4 decimals (about
10 m), and each feature named with the project's spelling of the governorate (the one the
gazetteer uses in tracker/data/places.csv), keeping the source's name and ISO code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parent.parent / "tracker" / "data" / "governorates.geojson"
# geoBoundaries' shapeISO -> the project's name (tracker/data/places.csv, column admin1).
NAMES = {
    "SYR-DI": "Damascus",
    "SYR-RD": "Rif Dimashq",
    "SYR-HL": "Aleppo",
    "SYR-HI": "Homs",
    "SYR-HM": "Hama",
    "SYR-LA": "Latakia",
    "SYR-ID": "Idlib",
    "SYR-HA": "Hasakah",
    "SYR-DY": "Deir ez-Zor",
    "SYR-TA": "Tartus",
    "SYR-RA": "Raqqa",
    "SYR-DR": "Daraa",
    "SYR-SU": "As-Suwayda",
    "SYR-QU": "Quneitra",
}


def _rounded(geometry: Any, digits: int) -> Any:
    """Coordinates rounded, and the result checked still valid (else repaired)."""
    rounded = shapely.set_precision(geometry, 10**-digits)
    if not rounded.is_valid:
        rounded = shapely.make_valid(rounded)
    return rounded


def build(source: dict[str, Any], tolerance: float, digits: int = 4) -> dict[str, Any]:
    features = []
    for feature in source["features"]:
        props = feature["properties"]
        iso = props["shapeISO"]
        geom = shape(feature["geometry"]).simplify(tolerance, preserve_topology=True)
        geom = _rounded(geom, digits)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": NAMES[iso],
                    "iso": iso,
                    "source_name": props["shapeName"],
                },
                "geometry": mapping(geom),
            }
        )
    if sorted(f["properties"]["iso"] for f in features) != sorted(NAMES):
        raise SystemExit("the source does not hold exactly the 14 governorates")
    features.sort(key=lambda f: f["properties"]["name"])
    return {
        "type": "FeatureCollection",
        "attribution": "geoBoundaries SYR ADM1 (UNCS, UNOCHA), CC BY 3.0 IGO; simplified",
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="geoBoundaries SYR ADM1 GeoJSON")
    parser.add_argument("--tolerance", type=float, default=0.004, help="degrees")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    raw = args.source.read_bytes()
    out = build(json.loads(raw), args.tolerance)
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(out['features'])} governorates, {len(text):,} bytes "
        f"(source sha256 {hashlib.sha256(raw).hexdigest()}, {len(raw):,} bytes)"
    )


if __name__ == "__main__":
    main()
