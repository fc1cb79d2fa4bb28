"""The bulk settlement list (settlements.csv, from OCHA's populated places), its build
script, the guards against false place matches it brings, and the region rows."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.reference import shipped_reference
from tracker.core.gazetteer import Gazetteer, Place
from tracker.reference import (
    ReferenceData,
    _curated_wins,
    _read_text,
    parse_settlements_csv,
)

ROOT = Path(__file__).resolve().parents[1]
FRONT = ("Idlib", "Hama", "Aleppo", "Latakia")
SYRIA_BOX = (32.3, 37.4, 35.6, 42.4)  # lat min, lat max, lon min, lon max
# Rough boxes of the four governorates (a few km of margin around their borders).
GOVERNORATE_BOX = {
    "Idlib": (35.35, 36.40, 36.05, 37.25),
    "Hama": (34.80, 35.80, 36.05, 37.90),
    "Aleppo": (35.50, 36.95, 36.45, 38.80),
    "Latakia": (35.15, 36.00, 35.70, 36.30),
}


@cache
def _rows() -> list[dict[str, str]]:
    text = _read_text("settlements.csv")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


@cache
def _ref() -> ReferenceData:
    return shipped_reference()


def _found(text: str) -> list[tuple[str, str, str]]:
    g = _ref().gazetteer
    return [(m.surface, m.place.name, m.place.admin1) for m in g.resolve(g.find(text), text)]


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", ROOT / "scripts" / "build_gazetteer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------
# The file
# ------------------------------------------------------------------------------------------


def test_header_names_source_and_licence():
    header = [ln for ln in _read_text("settlements.csv").splitlines() if ln.startswith("#")]
    text = "\n".join(header)
    assert "OCHA" in text and "CC BY-IGO" in text and "GeoNames" in text
    assert "scripts/build_gazetteer.py" in text


def test_at_least_1500_settlements_in_the_four_governorates():
    counts = Counter(r["admin1"] for r in _rows())
    assert sum(counts[g] for g in FRONT) >= 1500
    assert all(counts[g] >= 300 for g in FRONT), counts


def test_ids_are_unique_ocha_pcodes():
    ids = [r["id"] for r in _rows()]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("C") and i[1:].isdigit() for i in ids)


def test_coordinates_inside_syria_and_their_governorate():
    lat0, lat1, lon0, lon1 = SYRIA_BOX
    for r in _rows():
        lat, lon = float(r["lat"]), float(r["lon"])
        assert lat0 <= lat <= lat1 and lon0 <= lon <= lon1, r
        box = GOVERNORATE_BOX.get(r["admin1"])
        if box:
            assert box[0] <= lat <= box[1] and box[2] <= lon <= box[3], r


def test_arabic_names_for_almost_all():
    rows = [r for r in _rows() if r["admin1"] in FRONT]
    with_arabic = [r for r in rows if any("\u0600" <= c <= "\u06ff" for c in r["arabic"])]
    assert len(with_arabic) >= 0.95 * len(rows)


# ------------------------------------------------------------------------------------------
# Villages found by name, by a variant spelling, by the Arabic name
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "admin1"),
    [
        ("Shelling hit Bazabur on Monday.", "Bazabur", "Idlib"),
        ("في بزابور", "Bazabur", "Idlib"),
        ("Rockets fell on Kafr Kila.", "Kafr Kila", "Idlib"),
        ("Rockets fell on Kafrkila.", "Kafr Kila", "Idlib"),  # glued Kafr
        ("Clashes near Tamanet Elghab", "Tamanet Elghab", "Hama"),
        ("Clashes near Tamanet al-Ghab", "Tamanet Elghab", "Hama"),  # OCHA 'El' = al-
        ("A drone hit Big Nabata.", "Big Nabata", "Aleppo"),
        ("A drone hit Nabata al-Kabira.", "Big Nabata", "Aleppo"),  # 'Big X' = X al-Kabira
        ("Raids on Jubb Ghabsheh", "Jeb Ghabsheh", "Aleppo"),  # Jeb = Jubb
        ("Shelling of Maarat al-Naasan", "Maaret Elnaasan - Maaret Elhaski", "Idlib"),
    ],
)
def test_known_villages_by_name_and_variant(text: str, name: str, admin1: str):
    assert [(n, a) for _, n, a in _found(text)] == [(name, admin1)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Shelling hit Kafr Nabutha.", "Kafr Nabudah"),
        ("Shelling hit Kafrnabuda.", "Kafr Nabudah"),
        ("Shelling of Orm Eljoz", "Urum al-Jawz"),
    ],
)
def test_ocha_spelling_of_a_curated_town_is_the_curated_town(text: str, name: str):
    """Curated wins: OCHA's 'Kafr Nabutha' 0.5 km from the curated Kafr Nabudah is that town."""
    assert [n for _, n, _ in _found(text)] == [name]


def test_homonym_in_a_report_from_the_south_is_the_southern_one():
    """All governorates are listed, so Abdin near Daraa is a candidate next to Abdin in Idlib."""
    text = "Gunmen attacked a checkpoint in Abdin, west of Daraa city, in Daraa governorate."
    # the curated southern village ("Abidin", spelt Abdin too) wins over the one in Idlib
    assert [admin1 for surface, _, admin1 in _found(text) if surface == "Abdin"] == ["Daraa"]


# ------------------------------------------------------------------------------------------
# Guards against false place matches
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Nine civilians were killed and some residents fled.",  # Nina, Suma fold like these
        "Ali and Hassan told reporters the truce was holding.",
        "HTS, formerly the Syrian branch of al-Qaeda, denied it.",
        "HTS has said it is ready for a truce.",  # OCHA 'For a'
        "A base was set up at the crossing.",  # Basa
        "قال علي إن الثورة مستمرة في المدينة",  # Arabic names and nouns (GeoNames too)
    ],
)
def test_common_words_and_person_names_are_not_places(text: str):
    assert [m for m in _ref().gazetteer.find(text) if not m.place.curated] == []


_CSV_HEAD = "# comment\nid,name,aliases,arabic,admin1,admin2,lat,lon,capital,geonames_id\n"


def test_stop_names_short_words_and_typos_are_dropped_at_load():
    csv_text = _CSV_HEAD + "\n".join(
        [
            "C1,Hassan,Tal Hassan,حسان,Aleppo,A,36.1,37.1,,",  # stop name, alias kept
            "C2,Ali,,,Aleppo,A,36.2,37.2,,",  # stop name, nothing left
            "C3,Has,,حاس,Idlib,B,35.6,36.6,,",  # 3 letters: only the Arabic name kept
            "C4,For a,,,Hama,C,35.7,36.3,,",  # one-letter word: typo
            "C5,Bazabur,,بزابور,Idlib,D,35.77,36.61,,",
        ]
    )
    stop = frozenset({"hasan", "ali"})
    places = parse_settlements_csv(csv_text, stop)
    assert [(p.name, p.aliases) for p in places] == [
        ("Tal Hassan", ("حسان",)),
        ("حاس", ()),
        ("Bazabur", ("بزابور",)),
    ]
    assert all(not p.curated and p.precision == 1 for p in places)


def test_curated_wins_over_bulk_names():
    kafr = Place("Kafr Nabudah", "Hama", 35.4317, 36.4928, 1, "settlement",
                 aliases=("Kafr Nabuda",))
    afrin = Place("Afrin", "Aleppo", 36.51, 36.87, 1, "settlement")
    bulk = [
        Place("Kafr Nabutha", "Hama", 35.4312, 36.4895, 1, "settlement",
              aliases=("Kafr Nabuda", "Kfar Nabutha"), curated=False),
        Place("Afrin", "Aleppo", 36.2253, 37.3247, 1, "settlement",
              aliases=("Afrin Saman",), curated=False),  # a homonym 50 km away
        Place("Bazabur", "Idlib", 35.77, 36.61, 1, "settlement", curated=False),
    ]
    curated, rest = _curated_wins([kafr, afrin], bulk)
    assert curated[0].aliases == ("Kafr Nabuda", "Kafr Nabutha", "Kfar Nabutha")
    assert curated[1] == afrin
    assert [(p.name, p.aliases) for p in rest] == [("Afrin Saman", ()), ("Bazabur", ())]


def test_bulk_multiword_names_need_a_capital_curated_ones_do_not():
    g = Gazetteer.build(
        [
            Place("Tal Hadid", "Quneitra", 33.1, 35.9, 1, "settlement"),
            Place("For Ana", "Hama", 35.7, 36.3, 1, "settlement", curated=False),
        ]
    )
    assert [m.place.name for m in g.find("shelling on tal hadid")] == ["Tal Hadid"]
    assert g.find("waiting for ana") == []
    assert [m.place.name for m in g.find("shelling on For Ana")] == ["For Ana"]


# ------------------------------------------------------------------------------------------
# Region rows (regions.csv) and the existing ones they sit beside
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "admin1"),
    [
        ("in the southern Idlib countryside", "southern Idlib countryside", "Idlib"),
        ("in Jabal al-Zawiya", "Jabal al-Zawiya", "Idlib"),
        ("across the al-Ghab plain", "Ghab plain", "Hama"),
        ("in Jabal al-Summaq", "Jabal al-Summaq", "Idlib"),
        ("on the Ruj plain", "Sahl al-Ruj", "Idlib"),
        ("in Sahl al-Rouj", "Sahl al-Ruj", "Idlib"),
        ("in Jabal al-Wastani", "Jabal al-Wastani", "Idlib"),
        ("on Jabal Barisha", "Jabal Barisha", "Idlib"),
        ("near Jabal al-Hass", "Jabal al-Hass", "Aleppo"),
        ("from Jabal Sheikh Barakat", "Jabal Sheikh Barakat", "Aleppo"),
    ],
)
def test_region_rows(text: str, name: str, admin1: str):
    g = _ref().gazetteer
    found = g.resolve(g.find(text), text)
    assert [(m.place.name, m.place.admin1, m.place.precision, m.place.kind) for m in found] == [
        (name, admin1, 5, "region")
    ]


# ------------------------------------------------------------------------------------------
# The build script
# ------------------------------------------------------------------------------------------


def test_build_script_variants():
    b = _build_script()
    assert "Tamanet al-Ghab" in b.variants("Tamanet Elghab")
    assert {"Nabata al-Kabira", "Nabata Kabira"} <= set(b.variants("Big Nabata"))
    assert {"Kafrnabutha", "Kfar Nabutha", "Kafr Nabuda"} <= set(b.variants("Kafr Nabutha"))
    assert "Kafr Nobol" in b.variants("Kafrnobol")
    assert "Jubb Ghabsheh" in b.variants("Jeb Ghabsheh")
    assert b.variants("Bazabur") == []


def test_build_script_end_to_end(tmp_path: Path):
    """GeoJSON in (with an Arabic name cut mid-letter, as in the source), CSV out, loadable."""
    b = _build_script()

    def feature(pcode: str, en: str, ar: str, adm1: str, lat: float, lon: float) -> dict:
        return {"type": "Feature", "geometry": None, "properties": {
            "NAME_EN": en, "NAM_EN_REF": en, "NAME_ARA": ar, "PCODE": pcode,
            "ADMIN1_EN": adm1, "ADMIN2_EN": "X", "LATITUDE": lat, "LONGITUDE": lon,
            "CAPIT_LVL": None}}

    data = {"type": "FeatureCollection", "features": [
        feature("C4268", "Bazabur", "بزابور", "Idleb", 35.7748, 36.6148),
        feature("C3935", "Maaret Elnaasan - Maaret Elhaski", "معارة", "Idleb", 35.9, 36.8),
        feature("C1001", "Nina", "نينا", "Aleppo", 36.1, 37.1),
    ]}
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
    raw = raw.replace("معارة".encode(), "معارة".encode()[:-1])  # cut inside the last letter
    src = tmp_path / "communities.geojson"
    src.write_bytes(raw)
    prose = tmp_path / "news.txt"
    prose.write_text("The nine victims were buried.", encoding="utf-8")
    out = tmp_path / "settlements.csv"
    assert b.main([str(src), "--out", str(out), "--prose", str(prose)]) == 0
    places = parse_settlements_csv(out.read_text(encoding="utf-8"))
    by_name = {p.name: p for p in places}
    # 'Nina' folds like 'nine' in the prose: the row keeps only its Arabic name, which its
    # arabic column lists too, so that the Arabic matcher (it reads aliases) finds it.
    assert set(by_name) == {"Bazabur", "Maaret Elnaasan - Maaret Elhaski", "نينا"}
    assert by_name["نينا"].aliases == ("نينا",)
    maaret = by_name["Maaret Elnaasan - Maaret Elhaski"]
    assert {"Maaret Elnaasan", "Maaret al-Naasan", "Maaret al-Haski"} <= set(maaret.aliases)
    assert "\ufffd" not in out.read_text(encoding="utf-8")
