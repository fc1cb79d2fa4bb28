"""Today's agreements as data: their own parties, dated actor camps, zones (issue 14)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import pytest
from shapely.geometry import Point, shape

from tests.support.reference import shipped_reference
from tracker.core.actors import ActorPeriod
from tracker.core.agreements import AgreementRegistry
from tracker.core.classifier import Classifier
from tracker.core.geo import ZoneIndex
from tracker.core.incident import ItemInput
from tracker.reference import ReferenceData, load_reference


@cache
def _ref() -> ReferenceData:
    return shipped_reference()


@cache
def _clf() -> Classifier:
    return Classifier(_ref())


def _incidents(title: str, text: str, published: str) -> list[dict[str, Any]]:
    item = ItemInput(title, text, datetime.fromisoformat(published))
    return [i.to_dict() for i in _clf().classify(item)]


def _main(title: str, text: str, published: str) -> dict[str, Any]:
    found = _incidents(title, text, published)
    assert found, "no incident"
    return found[0]


# ----------------------------------------------------------------- dated camps of actors


@pytest.mark.parametrize(("actor", "day", "camp"), [
    ("hayat-tahrir-al-sham", date(2024, 12, 7), "opposition"),
    ("hayat-tahrir-al-sham", date(2024, 12, 8), "government"),
    ("general-security", date(2020, 5, 1), "opposition"),
    ("general-security", date(2025, 8, 1), "government"),
    ("syrian-national-army", date(2025, 1, 15), "opposition"),
    ("syrian-national-army", date(2025, 6, 1), "government"),
    ("russian-forces", date(2024, 12, 1), "government"),
    ("russian-forces", date(2025, 3, 1), "russia"),
    ("hezbollah", date(2019, 1, 1), "government"),
    ("hezbollah", date(2025, 3, 18), "lebanon-side"),
    ("syrian-government-forces", date(2026, 2, 1), "government"),
])
def test_actor_camp_depends_on_the_day(actor: str, day: date, camp: str) -> None:
    found = _ref().actors.by_id(actor)
    assert found is not None
    assert found.camp_on(day) == camp


def test_actor_period_bounds_are_inclusive() -> None:
    p = ActorPeriod(date(2024, 12, 8), None, "government")
    assert p.covers(date(2024, 12, 8)) and not p.covers(date(2024, 12, 7))


def test_periods_for_an_unknown_actor_fail() -> None:
    with pytest.raises(ValueError, match="unknown actor ids"):
        _ref().actors.with_periods({"no-such-actor": [ActorPeriod(None, None, "x")]})


# ----------------------------------------------------------------- agreements as data


def test_every_agreement_names_two_sides_and_breach_articles_exist() -> None:
    for a in _ref().agreements:
        assert a.side_a and a.side_b, a.id
        for b in a.breaches:
            assert b.article in a.articles, (a.id, b.article)


def test_old_agreements_that_lapsed_keep_their_reason() -> None:
    reg = _ref().agreements
    ne, tanf = reg.get("sochi-2019-ne"), reg.get("al-tanf-deconfliction")
    assert ne is not None and ne.end == date(2024, 12, 7) and "in practice" in ne.end_reason
    assert tanf is not None and tanf.end == date(2024, 12, 14)
    assert "ended 2024-12-07" in ne.status_on(date(2025, 1, 1))


@pytest.mark.parametrize(("day", "expected"), [
    (date(2024, 11, 20), {"sochi-2018", "moscow-2020", "sochi-2019-ne", "al-tanf-deconfliction",
                          "isr-syr-disengagement-1974"}),
    (date(2025, 3, 16), {"isr-syr-disengagement-1974", "syr-sdf-2025"}),
    (date(2025, 7, 19), {"isr-syr-disengagement-1974", "syr-sdf-2025", "syr-lbn-border-2025",
                         "aleppo-kurdish-districts-2025", "isr-syr-sweida-2025",
                         "sweida-ceasefire-2025"}),
    (date(2026, 2, 1), {"isr-syr-disengagement-1974", "syr-lbn-border-2025",
                        "isr-syr-sweida-2025", "sweida-ceasefire-2025", "syr-sdf-2026"}),
])
def test_agreements_in_force_on_a_day(day: date, expected: set[str]) -> None:
    assert {a.id for a in _ref().agreements.on(day)} == expected


def test_a_typo_in_a_side_is_an_error() -> None:
    extra = {"syr-sdf-2026": {"side_b": ["syrian-democratic-force"]}}
    with pytest.raises(ValueError, match="syrian-democratic-force"):
        load_reference(extra_agreements=extra)


def test_user_adds_an_agreement_with_its_own_parties() -> None:
    reg = AgreementRegistry([]).merge({"truce": {
        "name": "Local truce", "start": "2026-03-01", "zones": ["z"],
        "side_a": ["@government"], "side_b": ["druze-factions"],
        "breaches": [{"article": "1", "acts": ["Shelling/artillery/missile attack"]}],
        "articles": {"1": "No shelling."},
    }})
    truce = reg.get("truce")
    assert truce is not None
    assert truce.sides_of("druze-factions", "other") == {"b"}
    assert truce.sides_of("general-security", "government") == {"a"}
    assert truce.sides_of("islamic-state", "other") == set()
    assert truce.breached_articles("Shelling/artillery/missile attack", ["z"], False) == ["1"]
    assert truce.breached_articles("Armed clash", ["z"], False) == []


def test_user_ends_an_agreement_with_a_reason() -> None:
    ref = load_reference(extra_agreements={"sweida-ceasefire-2025": {
        "end": "2026-03-01", "end_reason": "replaced by a new deal"}})
    a = ref.agreements.get("sweida-ceasefire-2025")
    assert a is not None and a.end == date(2026, 3, 1)
    assert a.status_on(date(2026, 3, 2)) == "ended 2026-03-01 (replaced by a new deal)"


# ----------------------------------------------------------------- zones


@cache
def _features() -> dict[str, Any]:
    text = resources.files("tracker.data").joinpath("zones.geojson").read_text(encoding="utf-8")
    return {f["properties"]["id"]: f for f in json.loads(text)["features"]}


NEW_ZONES = ("undof-area-of-separation", "undof-limitation-areas", "sweida-governorate",
             "hasakah-governorate", "kobani-district", "sdf-contact-2025", "euphrates-line",
             "aleppo-kurdish-districts", "homs-hermel-border")


@pytest.mark.parametrize("zone_id", NEW_ZONES)
def test_new_zone_is_valid_marked_approximate_and_in_or_at_syria(zone_id: str) -> None:
    feature = _features()[zone_id]
    geom = shape(feature["geometry"])
    assert geom.is_valid
    assert feature["properties"]["approximate"] is True
    assert "approximate" in feature["properties"]["source"]
    text = resources.files("tracker.data").joinpath("syria_outline.geojson").read_text("utf-8")
    outline = next(shape(f["geometry"]) for f in json.loads(text)["features"]
                   if f["geometry"]["type"] == "Polygon")
    # The outline is coarse (10-20 km errors: it cuts the Golan short) and the border strip
    # reaches into Lebanon, so "in or at Syria" allows those margins.
    assert outline.buffer(0.25).covers(geom), zone_id
    assert outline.buffer(0.15).covers(Point(geom.representative_point())), zone_id


# Places the fact sheet names, with the zone each must fall in.
PLACES_IN_ZONES = [
    ("Quneitra", 33.1260, 35.8246, "undof-area-of-separation"),
    ("Mount Hermon summit", 33.4160, 35.8570, "undof-area-of-separation"),
    ("Kudna", 32.9900, 35.8650, "undof-area-of-separation"),
    ("Bariqa", 33.0300, 35.8700, "undof-area-of-separation"),
    ("Koya (Yarmouk basin)", 32.7320, 35.8400, "undof-area-of-separation"),
    ("Beit Jinn", 33.3106, 35.9189, "undof-limitation-areas"),
    ("Nawa", 32.8865, 36.0391, "undof-limitation-areas"),
    ("Sweida", 32.7125, 36.5667, "sweida-governorate"),
    ("al-Mazraa", 32.7815, 36.4784, "sweida-governorate"),
    ("Atil", 32.7596, 36.5820, "sweida-governorate"),
    ("Shahba", 32.8524, 36.6285, "sweida-governorate"),
    ("Hasakah", 36.5024, 40.7477, "hasakah-governorate"),
    ("Qamishli", 37.0521, 41.2314, "hasakah-governorate"),
    ("Kobani", 36.8909, 38.3535, "kobani-district"),
    ("Raqqa", 35.9528, 39.0079, "euphrates-line"),
    ("Deir ez-Zor", 35.3359, 40.1408, "euphrates-line"),
    ("Dayr Hafir", 36.1569, 37.7078, "sdf-contact-2025"),
    ("Manbij", 36.5281, 37.9549, "sdf-contact-2025"),
    ("Tishrin Dam", 36.3830, 38.1830, "sdf-contact-2025"),
    ("Sheikh Maqsood", 36.2361, 37.1517, "aleppo-kurdish-districts"),
    ("Qusayr", 34.5078, 36.5803, "homs-hermel-border"),
    ("Hermel", 34.3914, 36.3958, "homs-hermel-border"),
    ("Hawsh al-Sayyed Ali", 34.4600, 36.4300, "homs-hermel-border"),
]
OUTSIDE = [
    ("Damascus", 33.5138, 36.2765), ("Daraa", 32.6189, 36.1021), ("Latakia", 35.5317, 35.7918),
    ("Homs", 34.7324, 36.7137), ("Busra al-Harir", 32.8400, 36.3400), ("Jableh", 35.3621, 35.9276),
]


@cache
def _index() -> ZoneIndex:
    return _ref().zones


@pytest.mark.parametrize(("place", "lat", "lon", "zone_id"), PLACES_IN_ZONES)
def test_fact_sheet_places_fall_in_their_zone(place: str, lat: float, lon: float,
                                              zone_id: str) -> None:
    assert zone_id in {h.zone_id for h in _index().zones_at(lat, lon)}, place


@pytest.mark.parametrize(("place", "lat", "lon"), OUTSIDE)
def test_places_outside_every_new_zone(place: str, lat: float, lon: float) -> None:
    assert not {h.zone_id for h in _index().zones_at(lat, lon)} & set(NEW_ZONES), place


# ----------------------------------------------------------------- the violation rule


SWEIDA = ("Mortar fire hits Walgha as Sweida truce frays",
          "SWEIDA - Government forces shelled the village of Walgha, north-west of Sweida city, "
          "with mortars on Tuesday, wounding three civilians, the National Guard said. The "
          "National Guard said its fighters returned fire on government positions.")
QUNEITRA = ("Israeli troops raid village in Quneitra",
            "Israeli forces raided the village of Kudna in the Quneitra countryside on Monday "
            "and detained two young men, local sources said. Israeli troops opened fire on "
            "residents who gathered near the village.")


def test_sweida_breach_cites_the_ceasefire_and_its_article() -> None:
    inc = _main(*SWEIDA, "2026-02-10T12:00")
    assert inc["violation"] is True
    assert inc["agreements"] == ["sweida-ceasefire-2025"]
    assert any(r.startswith("sweida-ceasefire-2025 art. 1") for r in inc["reasons"])


def test_the_same_act_before_the_ceasefire_is_no_violation() -> None:
    inc = _main(*SWEIDA, "2025-07-15T12:00")
    assert inc["violation"] is False
    assert "sweida-ceasefire-2025 only from 2025-07-19" in inc["reasons"][0]


def test_israeli_raid_in_the_area_of_separation_breaches_1974() -> None:
    inc = _main(*QUNEITRA, "2026-01-13T12:00")
    assert inc["violation"] is True
    assert inc["agreements"] == ["isr-syr-disengagement-1974"]
    assert any(r.startswith("isr-syr-disengagement-1974 art.") for r in inc["reasons"])


def test_israeli_strike_on_damascus_is_an_incident_only() -> None:
    inc = _main("Israeli jets strike Damascus",
                "Israeli warplanes struck the Defence Ministry building in central Damascus on "
                "Wednesday, killing one person.", "2025-08-20T12:00")
    assert inc["violation"] is False
    assert "outside every agreement zone" in inc["reasons"][0]


def test_operation_against_is_in_hasakah_is_no_breach_of_the_sdf_deal() -> None:
    inc = _main("Security forces raid IS cell near Hasakah",
                "General Security forces clashed with an Islamic State cell near Hasakah on "
                "Sunday, killing two militants.", "2026-02-15T12:00")
    assert inc["violation"] is False
    assert "syr-sdf-2026" not in inc["agreements"] or "not a party" in inc["reasons"][0]


def test_government_sdf_clash_in_kobani_breaches_the_2026_deal() -> None:
    inc = _main("Army and SDF clash near Kobani",
                "Syrian army units and the SDF clashed with heavy machine guns near Kobani on "
                "Sunday, the Defence Ministry said.", "2026-01-25T12:00")
    assert inc["violation"] is True
    assert inc["agreements"] == ["syr-sdf-2026"]


def test_hts_named_after_the_fall_of_assad_counts_as_the_government() -> None:
    inc = _main("HTS shells Druze village",
                "Hayat Tahrir al-Sham fighters shelled the village of Walgha in Sweida on "
                "Tuesday, the National Guard said.", "2025-11-11T12:00")
    assert inc["violation"] is True
    assert any("Hayat Tahrir al-Sham counts as government" in r for r in inc["reasons"])


def test_unnamed_armed_groups_in_sweida_count_as_the_druze_side() -> None:
    inc = _main("Armed groups attack checkpoints in Sweida",
                "Armed groups attacked General Security checkpoints in the village of Walgha in "
                "Sweida on Thursday, wounding three members, a security source said.",
                "2026-01-29T12:00")
    assert inc["violation"] is True
    assert inc["agreements"] == ["sweida-ceasefire-2025"]


def test_both_parties_named_without_roles_is_fighting_between_them() -> None:
    from tracker.core.policy import Party as _Party
    from tracker.core.policy import decide_under as _decide_under

    sdf = _ref().agreements.get("syr-sdf-2026")
    assert sdf is not None
    named = [_Party("Syrian government forces", "syrian-government-forces", "government",
                    "government"),
             _Party("Syrian Democratic Forces", "syrian-democratic-forces", "other", "other")]
    verdict = _decide_under(sdf, [], [], "Armed clash", ["hasakah-governorate"], named)
    assert verdict.violation and "both parties of syr-sdf-2026 named" in verdict.rule
    # One named party only: it is the actor, and the target is inferred for a clash.
    one = _decide_under(sdf, [], [], "Armed clash", ["hasakah-governorate"], named[:1])
    assert one.violation
    # Older agreements keep asking for an attacker.
    sochi = _ref().agreements.get("sochi-2018")
    assert sochi is not None
    old = _decide_under(sochi, [], [], "Armed clash", ["idlib-deescalation"], named)
    assert not old.violation and "perpetrator unknown" in old.rule
