"""The gazetteer of the south and the north-east (issue 14): every curated place of Quneitra,
Daraa, Sweida, Hasakah, Raqqa and Deir ez-Zor, of the government-SDF contact lines in the
Aleppo countryside (Manbij, Kobani, al-Bab, Deir Hafer, al-Safira and Jarabulus districts),
of the Qusayr border strip and of the Hermon slopes (Qatana) is found, by its name and by each
of its aliases, as that place, in a sentence that also names its governorate.

The rows come from tracker/data/places.csv itself, so a row added there is checked without
touching this file. The full reference data is used: the OCHA and GeoNames homonyms of other
governorates are in the gazetteer, as in production.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from tracker.core.classifier import Classifier
from tracker.core.gazetteer import Gazetteer
from tracker.core.incident import ItemInput
from tracker.reference import ReferenceData, load_reference

_GOVERNORATES = {"Quneitra", "Daraa", "As-Suwayda", "Hasakah", "Raqqa", "Deir ez-Zor"}
_DISTRICTS = {
    ("Aleppo", "Manbij"), ("Aleppo", "Ayn al-Arab"), ("Aleppo", "al-Bab"),
    ("Aleppo", "Dayr Hafir"), ("Aleppo", "al-Safira"), ("Aleppo", "Jarabulus"),
    ("Homs", "al-Qusayr"), ("Rif Dimashq", "Qatana"),
}
# How reports name the governorate in "in the ... countryside".
_SAID_AS = {"As-Suwayda": "Sweida", "Rif Dimashq": "Damascus"}
_POINT_KINDS = {"settlement", "military_site", "neighbourhood"}


def _rows() -> list[dict[str, str]]:
    text = resources.files("tracker.data").joinpath("places.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return [r for r in rows
            if (r["admin1"] in _GOVERNORATES or (r["admin1"], r["admin2"]) in _DISTRICTS)
            and (r["kind"] in _POINT_KINDS or (r["kind"] == "region" and int(r["precision"]) <= 2))]


ROWS = _rows()


def _names(row: dict[str, str]) -> list[str]:
    return [row["name"], *(n for col in ("aliases", "arabic") for n in row[col].split("|") if n)]


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


def test_the_area_has_its_villages() -> None:
    """Issue 14 asked for at least 150 more than the 54 rows the area had."""
    assert len(ROWS) >= 54 + 150
    assert all(r["source"].strip() for r in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_name_and_aliases_resolve_to_the_row(ref: ReferenceData, row: dict[str, str]) -> None:
    gaz: Gazetteer = ref.gazetteer
    governorate = _SAID_AS.get(row["admin1"], row["admin1"])
    wrong = []
    for name in _names(row):
        text = f"Clashes were reported in {name} in the {governorate} countryside on Monday."
        at = text.index(name)
        hits = [m for m in gaz.resolve(gaz.find(text), text) if m.start <= at < m.end]
        if not hits or hits[0].place.name != row["name"]:
            wrong.append((name, [m.place.name for m in hits]))
    assert not wrong, wrong


def test_read_more_line_is_another_report(ref: ReferenceData) -> None:
    """A linked headline names a place the gazetteer knows; it is not this report's event."""
    clf = Classifier(ref, ZoneInfo("Asia/Damascus"))
    body = ("Unknown gunmen fired on a bakery queue in Tabqa on Tuesday, killing two civilians, "
            "local sources said.")
    trailer = "\n\nRead more: Army and SDF clash again in Maadan desert"
    published = datetime(2025, 11, 19, 12, 0, tzinfo=UTC)

    def places(text: str) -> list[str]:
        item = ItemInput(title="", text=text, published=published)
        return [str((i.to_dict().get("location") or {}).get("name"))
                for i in clf.classify(item)]

    assert places(body + trailer) == places(body)
    assert "Maadan" in places("Army and SDF forces clashed in Maadan on Tuesday, a monitor said.")
