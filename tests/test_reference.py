"""load_reference() with the real package data."""

from __future__ import annotations

from datetime import date

from tests.support.reference import shipped_reference
from tracker.reference import ReferenceData, load_reference


def test_load_reference_real_data():
    """The shipped data loads whole (its load time is a bench figure, bench/classify_bench.py,
    not a test assertion)."""
    ref = load_reference()
    assert isinstance(ref, ReferenceData)
    assert len(ref.agreements) == 13
    assert set(ref.zones.zone_ids) == {
        "idlib-deescalation",
        "idlib-dmz",
        "m4-corridor",
        "al-tanf-55km",
        "ne-syria-peace-spring",
        "undof-area-of-separation",
        "undof-limitation-areas",
        "sweida-governorate",
        "hasakah-governorate",
        "kobani-district",
        "sdf-contact-2025",
        "euphrates-line",
        "aleppo-kurdish-districts",
        "homs-hermel-border",
        "astana-northern-homs",
        "astana-eastern-ghouta",
        "astana-south",
        "southwest-2017-area",
    }
    assert ref.actors.get("Hayat Tahrir al-Sham") is not None


def test_end_to_end_lookup():
    ref = shipped_reference()
    text = "Regime forces shelled Kabana and Ma'arrat an-Nu'man on Tuesday."
    places = ref.gazetteer.resolve(ref.gazetteer.find(text), text)
    assert [p.place.name for p in places] == ["Kabani", "Maarat al-Numan"]
    kabani = places[0].place
    zone_ids = [h.zone_id for h in ref.zones.zones_at(kabani.lat, kabani.lon)]
    assert "idlib-dmz" in zone_ids
    in_force = ref.agreements.in_force(zone_ids, date(2019, 5, 1))
    assert [a.id for a in in_force] == ["sochi-2018"]


def test_geonames_places_present():
    ref = shipped_reference()
    # Not in the curated supplement: only GeoNames knows these.
    for name in ("Yabroud", "Manbij", "Tartus", "Salkhad"):
        found = ref.gazetteer.find(f"Fighting near {name} today")
        assert found and found[0].place.country == "SY", name


def test_geonames_common_words_filtered():
    ref = shipped_reference()
    text = "SANA reported that China sent a tall official; sarin was not used."
    assert ref.gazetteer.find(text) == []


def test_user_extras():
    ref = load_reference(
        extra_agreements={"agreements": {"moscow-2020": {"end": "2024-12-07"}}},
        extra_places=[
            {
                "name": "Tell Test",
                "aliases": ["Tal Test"],
                "admin1": "Idlib",
                "lat": 35.9,
                "lon": 36.6,
                "precision": 1,
                "kind": "settlement",
            }
        ],
        extra_zones={"type": "FeatureCollection", "features": []},
    )
    assert [m.place.name for m in ref.gazetteer.find("shelling on Tal Test")] == ["Tell Test"]
    moscow = ref.agreements.get("moscow-2020")
    assert moscow is not None and moscow.end == date(2024, 12, 7)


def test_agreement_start_offsets_are_damascus_local_time():
    """Every start in agreements.toml carries the UTC offset Damascus had at that moment,
    as the IANA time-zone database records it (summer +03:00, winter +02:00 before the
    switch to permanent +03:00 in October 2022)."""
    from zoneinfo import ZoneInfo

    damascus = ZoneInfo("Asia/Damascus")
    ref = shipped_reference()
    checked = 0
    for a in ref.agreements:
        local = a.start.replace(tzinfo=None)
        expected = local.replace(tzinfo=damascus).utcoffset()
        assert a.start.utcoffset() == expected, (a.id, a.start, expected)
        checked += 1
    assert checked == len(ref.agreements) == 13


def test_al_tanf_zone_starts_when_sources_show_it():
    """The garrison dates from 2016, the deconfliction zone only from May 2017."""
    ref = shipped_reference()
    tanf = ref.agreements.get("al-tanf-deconfliction")
    assert tanf is not None
    assert tanf.start.date() == date(2017, 5, 18)
    assert ref.agreements.in_force(["al-tanf-55km"], date(2017, 5, 17)) == []
    assert [a.id for a in ref.agreements.in_force(["al-tanf-55km"], date(2017, 5, 18))] == [
        "al-tanf-deconfliction"
    ]
