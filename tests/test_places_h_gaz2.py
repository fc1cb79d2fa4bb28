"""The places added for the development corpus's place misses (branch h-gaz2; issues 14 and 21,
item 6): each is found, by its name, by each alias and by its Arabic name, as its own row, in a
sentence that names its governorate; each lies inside Syria and inside the governorate its row
names (tracker/data/governorates.geojson); every row carries a source, and estimated points say
so with their uncertainty.

The rows are read from tracker/data/places.csv and regions.csv by name, so a later edit of one
of them (coordinates, aliases) is checked here too.
"""

from __future__ import annotations

import csv
import json
from importlib.resources import files

import pytest
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from tracker.core.gazetteer import Gazetteer
from tracker.reference import ReferenceData, load_reference

DATA = files("tracker") / "data"
NEW_PLACES = (
    "Kafr Nuran", "Kafr Halab", "Arbikh", "Maarat Mukhaws", "Arab Saeed", "Mezzeh",
    "Ghanem al-Ali", "al-Shirka", "Zarik", "Khan Mamed", "Ain al-Bayda junction (Quneitra)",
    "al-Hafayer (Quneitra)", "al-Tlul al-Humr", "Battalion 74 base", "al-Shaqif", "Rakhlah",
    "Saida (Ain Issa)", "Tel Maaz", "Abu Qubais (Quneitra)", "al-Arishah (Tell Tamr)", "al-Rifa",
)
NEW_REGIONS = (
    "al-Qusayr countryside", "Hama and Idlib countryside", "northern Quneitra countryside",
    "southern Quneitra countryside", "eastern Quneitra countryside", "central Quneitra countryside",
    "southern Daraa countryside", "southern Hama countryside",
)
# Aliases added to rows that were there before.
NEW_ALIASES = {"Saida al-Hanout": ("Saida al-Golan", "Sayda al-Golan", "Saydat al-Golan",
                                   "Saida al-Jolan")}
# How reports name the governorate in "in the ... countryside".
_SAID_AS = {"As-Suwayda": "Sweida", "Rif Dimashq": "Damascus"}
# The governorate polygons are simplified for the map; a point this close (degrees, ~1 km) to
# its own governorate's edge counts as inside.
_EDGE_DEG = 0.01


def _rows(name: str) -> dict[str, dict[str, str]]:
    text = (DATA / name).read_text("utf-8")
    return {r["name"]: r for r in csv.DictReader(text.splitlines())}


PLACES = _rows("places.csv")
REGIONS = _rows("regions.csv")
ROWS = [PLACES[n] for n in NEW_PLACES] + [REGIONS[n] for n in NEW_REGIONS]


def _names(row: dict[str, str]) -> list[str]:
    return [row["name"], *(n for col in ("aliases", "arabic") for n in row[col].split("|") if n)]


def _governorates() -> dict[str, BaseGeometry]:
    doc = json.loads((DATA / "governorates.geojson").read_text("utf-8"))
    return {f["properties"]["name"]: shape(f["geometry"]) for f in doc["features"]}


def _syria() -> BaseGeometry:
    doc = json.loads((DATA / "syria_outline.geojson").read_text("utf-8"))
    return next(shape(f["geometry"]) for f in doc["features"]
                if f["geometry"]["type"] in ("Polygon", "MultiPolygon"))


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


def _found_as(gaz: Gazetteer, name: str, governorate: str) -> list[str]:
    text = f"Clashes were reported in {name} in the {governorate} countryside on Monday."
    at = text.index(name)
    return [m.place.name for m in gaz.resolve(gaz.find(text), text) if m.start <= at < m.end]


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_name_aliases_and_arabic_resolve_to_the_row(ref: ReferenceData,
                                                    row: dict[str, str]) -> None:
    governorate = _SAID_AS.get(row["admin1"], row["admin1"])
    wrong = [(n, hits) for n in _names(row)
             if (hits := _found_as(ref.gazetteer, n, governorate))[:1] != [row["name"]]]
    assert not wrong, wrong


@pytest.mark.parametrize("place", sorted(NEW_ALIASES))
def test_new_aliases_of_existing_rows(ref: ReferenceData, place: str) -> None:
    row = PLACES[place]
    governorate = _SAID_AS.get(row["admin1"], row["admin1"])
    for alias in NEW_ALIASES[place]:
        assert alias in row["aliases"].split("|")
        assert _found_as(ref.gazetteer, alias, governorate)[:1] == [place], alias


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_inside_syria_and_its_governorate(row: dict[str, str]) -> None:
    point = Point(float(row["lon"]), float(row["lat"]))
    assert _syria().covers(point), row["name"]
    area = _governorates()[row["admin1"]]
    assert area.buffer(_EDGE_DEG).covers(point), (row["name"], row["admin1"])
    others = [g for g, a in _governorates().items() if g != row["admin1"] and a.covers(point)]
    assert not others, (row["name"], others)


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_sourced_and_estimates_say_so(row: dict[str, str]) -> None:
    source = row["source"]
    assert source.strip()
    if source.startswith("estimated"):
        assert "±" in source and "km" in source, row["name"]
    else:
        assert "OCHA" in source or "wikipedia" in source, row["name"]
    # points are precision 1 (junctions and bases too, with a note); regions precision 5
    assert row["precision"] == ("5" if row["kind"] == "region" else "1"), row["name"]


@pytest.mark.parametrize("name", [n for n in NEW_REGIONS[2:] if not n.startswith("central")])
def test_curated_direction_regions_take_the_generated_phrasings(ref: ReferenceData,
                                                                 name: str) -> None:
    """A curated "southern X countryside" keeps its own point and gains the phrasings
    expand_regions generates ("the southern countryside of X", "southern X"), so the point the
    generator would have put 0.3 degrees from the centroid (outside narrow Quneitra) is gone."""
    row = REGIONS[name]
    direction, base = name.split()[0], name.split()[1]
    for phrase in (f"{direction} countryside of {base}", f"{direction} {base}"):
        hits = ref.gazetteer.lookup(phrase)
        assert [p.name for p in hits] == [name], (phrase, [p.name for p in hits])
        assert (hits[0].lat, hits[0].lon) == (float(row["lat"]), float(row["lon"]))


@pytest.mark.parametrize(("text", "surface", "place"), [
    ("Clashes in Syria's southern Sweida province on Monday.", "southern Sweida province",
     "As-Suwayda governorate"),
    ("Raids in Syria's north-western Idlib region.", "north-western Idlib region",
     "Idlib governorate"),
    ("Raids in Syria\u2019s northwestern Idlib.", "northwestern Idlib", "Idlib governorate"),
    ("Raids hit the country's north-eastern Hasakah province.", "north-eastern Hasakah province",
     "Hasakah governorate"),
    # a countryside stays the part of the governorate; without "Syria's" the direction is
    # the governorate's own
    ("Raids in Syria's southern Quneitra countryside.", "southern Quneitra countryside",
     "southern Quneitra countryside"),
    ("Raids in southern Idlib province.", "southern Idlib province", "southern Idlib countryside"),
])
def test_direction_after_syrias_places_the_governorate(ref: ReferenceData, text: str,
                                                       surface: str, place: str) -> None:
    gaz = ref.gazetteer
    hits = [m for m in gaz.resolve(gaz.find(text), text) if m.surface == surface]
    assert [m.place.name for m in hits] == [place]
