"""settlements_extra.csv (villages OCHA lacks, more names of OCHA communities), its build
script (scripts/build_gazetteer_extra.py) and its loading.

Generated checks: every village, site or spelling the file adds is found in a news sentence
with its governorate; every stop-listed word (tracker/data/place_stopwords.txt) still gives
no bulk place in the same sentence."""

from __future__ import annotations

import csv
import importlib.util
import io
import random
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.reference import shipped_reference
from tracker.core.gazetteer import fold_key
from tracker.core.geo import haversine_km
from tracker.reference import (
    ReferenceData,
    _read_text,
    load_place_stop_keys,
    parse_extra_settlements_csv,
    parse_settlements_csv,
)

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "Government shells hit the village of {name} on Monday, a local source said."


@cache
def _ref() -> ReferenceData:
    return shipped_reference()


def _rows(name: str) -> list[dict[str, str]]:
    text = _read_text(name)
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def _script() -> ModuleType:
    path = ROOT / "scripts" / "build_gazetteer_extra.py"
    spec = importlib.util.spec_from_file_location("build_gazetteer_extra", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _resolved(text: str) -> list[tuple[str, str, float, float]]:
    g = _ref().gazetteer
    return [(m.surface, m.place.admin1, m.place.lat, m.place.lon)
            for m in g.resolve(g.find(text), text)]


def _added_names() -> list[tuple[str, str, float, float]]:
    """(Latin name, governorate, lat, lon) of every name the file adds; an alias row's point
    is its OCHA community's."""
    ocha = {r["id"]: r for r in _rows("settlements.csv")}
    out = []
    for row in _rows("settlements_extra.csv"):
        point = ocha[row["of"]] if row["of"] else row
        for name in [row["name"], *row["aliases"].split("|")]:
            if name and name.isascii() and len(fold_key(name).replace(" ", "")) >= 4:
                out.append((name, row["admin1"], float(point["lat"]), float(point["lon"])))
    return out


def test_the_file_is_what_the_script_builds_from_its_inputs():
    assert _script().main(["--check"]) == 0


def test_header_and_every_row_name_their_source():
    text = _read_text("settlements_extra.csv")
    assert "scripts/build_gazetteer_extra.py" in text and "GeoNames" in text
    rows = _rows("settlements_extra.csv")
    assert rows
    ocha = {r["id"] for r in _rows("settlements.csv")}
    for row in rows:
        assert row["source"].strip(), row["id"]
        if row["of"]:
            assert row["of"] in ocha and not row["lat"]
        else:
            assert row["source"].startswith(("estimated:", "GeoNames", "http")) or "(" in row[
                "source"]
            assert row["uncertainty_km"] != "" or row["source"].startswith("GeoNames")


@pytest.mark.parametrize(("name", "admin1", "lat", "lon"), _added_names())
def test_each_added_name_is_found_in_a_sentence_with_its_governorate(
    name: str, admin1: str, lat: float, lon: float
):
    found = [f for f in _resolved(SENTENCE.format(name=name)) if f[0] == name]
    assert found, name
    _, got_admin1, got_lat, got_lon = found[0]
    assert got_admin1 == admin1
    assert haversine_km(lat, lon, got_lat, got_lon) <= 2.0


def _stop_words() -> list[str]:
    lines = _read_text("place_stopwords.txt").splitlines()
    words = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    rng = random.Random(20261207)
    return sorted(rng.sample(words, min(60, len(words))))


@pytest.mark.parametrize("word", _stop_words())
def test_stop_listed_words_still_match_no_bulk_place(word: str):
    text = SENTENCE.format(name=word)
    bulk = [m for m in _ref().gazetteer.find(text)
            if not m.place.curated and fold_key(m.surface) == fold_key(word)]
    assert bulk == [], (word, [(m.surface, m.place.name) for m in bulk])


def test_alias_rows_join_the_ocha_community_and_add_no_place():
    head = ("id,of,name,aliases,arabic,admin1,admin2,lat,lon,uncertainty_km,source\n")
    extra = head + "X-tah,C4099,al-Tih,al-Teh,,Idlib,A,,,,src\n" \
        + "X-new,,Sakiro,Hassan,,Raqqa,B,36.48,38.98,4,src\n"
    places, names = parse_extra_settlements_csv(extra, frozenset({"hasan"}))
    assert [(p.name, p.aliases) for p in places] == [("Sakiro", ())]
    assert names == {"C4099": ("al-Tih", "al-Teh")}
    ocha = ("id,name,aliases,arabic,admin1,admin2,lat,lon,capital,geonames_id\n"
            "C4099,Tah,,التح,Idlib,A,35.54,36.73,,\n")
    [tah] = parse_settlements_csv(ocha, frozenset(), names)
    # OCHA's 3-letter name is no key; the news spelling names the place, at OCHA's point.
    assert (tah.name, tah.aliases, tah.lat) == ("al-Tih", ("al-Teh", "التح"), 35.54)


def _geonames_line(gid: int, name: str, alts: str, fclass: str, lat: float, lon: float,
                   admin1: str = "12") -> str:
    cols = [str(gid), name, name, alts, str(lat), str(lon), fclass, "PPL", "SY", "", admin1]
    return "\t".join(cols + [""] * 8)


def test_build_from_a_geonames_dump_dedupes_filters_and_keeps_provenance(tmp_path: Path):
    s = _script()
    settlements = tmp_path / "settlements.csv"
    settlements.write_text(
        "# OCHA\nid,name,aliases,arabic,admin1,admin2,lat,lon,capital,geonames_id\n"
        "C1,Bazabur,,بزابور,Idlib,D,35.7748,36.6148,,\n", encoding="utf-8")
    curated = tmp_path / "places.csv"
    curated.write_text(
        "name,aliases,arabic,kind,admin1,admin2,lat,lon,precision,source,notes\n"
        "Kafr Nabl,Kafranbel,,settlement,Idlib,X,35.6138,36.5645,1,src,\n", encoding="utf-8")
    dump = tmp_path / "SY.txt"
    dump.write_text("\n".join([
        # 0.5 km from OCHA's Bazabur, same name: its new spellings join OCHA's row
        _geonames_line(1, "Bazabur", "Bazaboor,Bzabour,بزابور", "P", 35.7790, 36.6160),
        # a homonym 40 km away is a place of its own
        _geonames_line(2, "Bazabur", "", "P", 36.1, 36.7),
        # a new village, a stop name and a common word among its names
        _geonames_line(3, "Tall Tiltita", "Taltita,Hassan,Nine,تلتيتا", "P", 36.11, 36.55),
        # the curated town: left to places.csv
        _geonames_line(4, "Kafranbel", "Kafr Nubl", "P", 35.6140, 36.5650),
        # not a populated place
        _geonames_line(5, "Wadi Bazabur", "", "H", 35.70, 36.60),
    ]) + "\n", encoding="utf-8")
    prose = tmp_path / "news.txt"
    prose.write_text("The nine victims were buried.", encoding="utf-8")
    sourced = tmp_path / "extra.csv"
    sourced.write_text("id,of,name,aliases,arabic,admin1,admin2,lat,lon,uncertainty_km,source\n",
                       encoding="utf-8")
    out = tmp_path / "settlements_extra.csv"
    args = ["--sourced", str(sourced), "--geonames", str(dump), "--settlements",
            str(settlements), "--curated", str(curated), "--prose", str(prose), "--out", str(out)]
    assert s.main(args) == 0
    assert s.main([*args, "--check"]) == 0
    body = "\n".join(ln for ln in out.read_text(encoding="utf-8").splitlines()
                     if not ln.startswith("#"))
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(body))}
    assert set(rows) == {"GN1", "GN2", "GN3"}
    assert rows["GN1"]["of"] == "C1" and rows["GN1"]["lat"] == ""
    # "Bazaboor" folds as OCHA's "Bazabur" and the Arabic name is OCHA's: one new name
    assert (rows["GN1"]["name"], rows["GN1"]["aliases"], rows["GN1"]["arabic"]) == (
        "Bzabour", "", "")
    assert rows["GN2"]["of"] == "" and rows["GN2"]["name"] == "Bazabur"
    assert rows["GN3"]["name"] == "Tall Tiltita"
    assert "Hassan" not in rows["GN3"]["aliases"] and "Nine" not in rows["GN3"]["aliases"]
    assert "Taltita" in rows["GN3"]["aliases"] and rows["GN3"]["arabic"] == "تلتيتا"
    assert rows["GN3"]["source"] == "GeoNames 3 (CC BY 4.0)" and rows["GN3"]["admin1"] == "Idlib"
    places, names = parse_extra_settlements_csv(out.read_text(encoding="utf-8"),
                                                load_place_stop_keys())
    assert {p.name for p in places} == {"Bazabur", "Tall Tiltita"}
    assert names == {"C1": ("Bzabour",)}
