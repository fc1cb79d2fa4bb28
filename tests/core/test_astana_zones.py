"""Astana zones 2-4 and the south-west ceasefire area: geometry, per-zone ends, decisions."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import pytest
from shapely.geometry import Point, shape

from tracker.commands.agreements import describe, render
from tracker.core.agreements import AgreementRegistry, uncovered_places
from tracker.core.classifier import Classifier
from tracker.core.incident import ItemInput
from tracker.reference import ReferenceData, load_reference

HOMS, GHOUTA, SOUTH, SOUTHWEST = ("astana-northern-homs", "astana-eastern-ghouta",
                                  "astana-south", "southwest-2017-area")
ZONES = (HOMS, GHOUTA, SOUTH, SOUTHWEST)


@cache
def _ref() -> ReferenceData:
    return load_reference()


@cache
def _clf() -> Classifier:
    return Classifier(_ref())


@cache
def _features() -> dict[str, dict[str, Any]]:
    text = resources.files("tracker.data").joinpath("zones.geojson").read_text(encoding="utf-8")
    return {f["properties"]["id"]: f for f in json.loads(text)["features"]}


@cache
def _outline() -> Any:
    text = resources.files("tracker.data").joinpath("syria_outline.geojson").read_text("utf-8")
    return next(shape(f["geometry"]) for f in json.loads(text)["features"]
                if f["geometry"]["type"] == "Polygon")


def _zones_at(lat: float, lon: float) -> set[str]:
    return {h.zone_id for h in _ref().zones.zones_at(lat, lon)}


def _place(name: str, admin1: str) -> tuple[float, float]:
    """Coordinates of a gazetteer place (the shipped ones, not copied into the test)."""
    found = [p for p in _ref().gazetteer.lookup(name) if p.admin1 == admin1]
    assert found, f"{name} ({admin1}) not in the gazetteer"
    return found[0].lat, found[0].lon


# ----------------------------------------------------------------- geometry


@pytest.mark.parametrize("zone_id", ZONES)
def test_zone_is_a_valid_approximate_polygon_inside_syria(zone_id: str) -> None:
    feature = _features()[zone_id]
    props, geom = feature["properties"], shape(feature["geometry"])
    assert geom.geom_type == "Polygon" and geom.is_valid
    assert geom.exterior.is_ccw  # RFC 7946
    assert props["approximate"] is True and "approximate" in props["source"]
    assert set(props) >= {"id", "name", "agreement_ids", "approximate", "source"}
    # The outline is coarse (10-20 km errors; it cuts the Golan short), as in the other tests.
    assert _outline().buffer(0.2).covers(geom), zone_id
    assert _outline().covers(Point(geom.representative_point())), zone_id


def test_each_zone_lists_the_agreement_that_lists_it_back() -> None:
    reg = _ref().agreements
    for zone_id in ZONES:
        for aid in _features()[zone_id]["properties"]["agreement_ids"]:
            agreement = reg.get(aid)
            assert agreement is not None and zone_id in agreement.zone_ids, (aid, zone_id)


def test_sources_name_the_boundary_settlements() -> None:
    assert "Douma" in _features()[GHOUTA]["properties"]["source"]
    assert "Jobar" in _features()[GHOUTA]["properties"]["source"]
    assert "Talbiseh" in _features()[HOMS]["properties"]["source"]
    assert "Mseifra" in _features()[SOUTH]["properties"]["source"]


INSIDE = [
    ("Douma", "Rif Dimashq", GHOUTA),
    ("Harasta", "Rif Dimashq", GHOUTA),
    ("Ain Tarma", "Rif Dimashq", GHOUTA),
    ("Zamalka", "Rif Dimashq", GHOUTA),
    ("Kafr Batna", "Rif Dimashq", GHOUTA),
    ("Rastan", "Homs", HOMS),
    ("Talbiseh", "Homs", HOMS),
    ("al-Houla", "Homs", HOMS),
    ("Nawa", "Daraa", SOUTH),
    ("Daraa", "Daraa", SOUTH),
    ("Daraa al-Balad", "Daraa", SOUTH),
    ("Mseifra", "Daraa", SOUTH),
    ("Inkhil", "Daraa", SOUTH),
    ("Busra al-Sham", "Daraa", SOUTH),
    ("Quneitra", "Quneitra", SOUTH),
    ("Mseifra", "Daraa", SOUTHWEST),
    ("Nawa", "Daraa", SOUTHWEST),
    ("Quneitra", "Quneitra", SOUTHWEST),
]


@pytest.mark.parametrize(("name", "admin1", "zone_id"), INSIDE)
def test_named_places_fall_in_their_zone(name: str, admin1: str, zone_id: str) -> None:
    assert zone_id in _zones_at(*_place(name, admin1)), name


def test_jobar_is_in_the_ghouta_zone() -> None:
    # Jobar is a district of Damascus city (no OCHA community); en.wikipedia's coordinates.
    assert GHOUTA in _zones_at(33.5310, 36.3371)


OUTSIDE = [
    # The Old City of Damascus (the Umayyad Mosque) and the gazetteer's Damascus points.
    ("Damascus old city", 33.5115, 36.3066, GHOUTA),
    ("Damascus", *_place("Damascus", "Damascus"), GHOUTA),
    ("Homs city centre", *_place("Homs", "Homs"), HOMS),
    ("Hama", *_place("Hama", "Hama"), HOMS),
    ("Sweida", *_place("Sweida", "As-Suwayda"), SOUTH),
    ("Sweida", *_place("Sweida", "As-Suwayda"), SOUTHWEST),
    ("Damascus", *_place("Damascus", "Damascus"), SOUTH),
]


@pytest.mark.parametrize(("name", "lat", "lon", "zone_id"), OUTSIDE)
def test_places_outside_a_zone(name: str, lat: float, lon: float, zone_id: str) -> None:
    assert zone_id not in _zones_at(lat, lon), name


def test_the_south_zone_stops_at_line_a() -> None:
    # The Israeli-held Golan west of the 1974 line (Majdal Shams) is no part of the zone.
    assert not _zones_at(33.2700, 35.7700) & {SOUTH, SOUTHWEST}


def test_the_southwest_area_takes_in_the_western_edge_of_sweida_only() -> None:
    south, west = (shape(_features()[z]["geometry"]) for z in (SOUTH, SOUTHWEST))
    assert west.covers(south.buffer(-0.001))
    assert west.area > south.area


# ----------------------------------------------------------------- per-zone end dates


@pytest.mark.parametrize(("zone_id", "day", "expected"), [
    (GHOUTA, date(2017, 5, 5), []),
    (GHOUTA, date(2017, 5, 6), ["astana-2017"]),
    (GHOUTA, date(2018, 4, 14), ["astana-2017"]),
    (GHOUTA, date(2018, 4, 15), []),
    (HOMS, date(2018, 5, 16), ["astana-2017"]),
    (HOMS, date(2018, 5, 17), []),
    (SOUTH, date(2018, 7, 31), ["astana-2017"]),
    (SOUTH, date(2018, 8, 1), []),
    (SOUTHWEST, date(2017, 7, 8), []),
    (SOUTHWEST, date(2017, 7, 9), ["southwest-2017"]),
    (SOUTHWEST, date(2018, 7, 31), ["southwest-2017"]),
    (SOUTHWEST, date(2018, 8, 1), []),
    ("idlib-deescalation", date(2018, 9, 16), ["astana-2017"]),
])
def test_each_zone_is_covered_until_its_own_end(zone_id: str, day: date,
                                                expected: list[str]) -> None:
    assert [a.id for a in _ref().agreements.in_force([zone_id], day)] == expected


def test_a_place_in_two_zones_is_covered_while_either_lasts() -> None:
    reg = _ref().agreements
    assert [a.id for a in reg.in_force([GHOUTA, "idlib-deescalation"], date(2018, 6, 1))] == [
        "astana-2017"]


def test_status_names_the_zones_that_ended() -> None:
    astana = _ref().agreements.get("astana-2017")
    assert astana is not None
    assert astana.status_on(date(2018, 1, 1)) == "in force"
    status = astana.status_on(date(2018, 6, 1))
    assert status.startswith("in force; ended in ")
    assert f"{GHOUTA} on 2018-04-14" in status and f"{HOMS} on 2018-05-16" in status
    assert SOUTH not in status
    assert astana.zones_on(date(2018, 8, 15)) == ("idlib-deescalation",)


def _registry(**zone_ends: str) -> AgreementRegistry:
    return AgreementRegistry([]).merge({"pact": {
        "name": "Two-zone pact", "start": "2020-01-01", "end": "2020-12-31",
        "zones": ["north", "south"], "zone_ends": zone_ends,
    }})


def test_an_agreement_whose_every_zone_ended_is_not_in_force() -> None:
    reg = _registry(north="2020-03-31", south="2020-06-30")
    assert [a.id for a in reg.on(date(2020, 6, 30))] == ["pact"]
    assert reg.on(date(2020, 7, 1)) == []
    pact = reg.get("pact")
    assert pact is not None
    assert pact.status_on(date(2020, 7, 1)).startswith("ended in every zone")
    # After the agreement's own end its end is what the status gives.
    assert pact.status_on(date(2021, 1, 1)) == "ended 2020-12-31"


def test_uncovered_places_respect_zone_ends() -> None:
    reg = _registry(north="2020-03-31")
    places = [("Alpha", ["north"]), ("Beta", ["south"]), ("Gamma", ["north", "south"])]
    assert uncovered_places(reg, places, date(2020, 3, 31)) == []
    assert uncovered_places(reg, places, date(2020, 4, 1)) == ["Alpha"]


def test_configuration_overrides_a_zone_end() -> None:
    ref = load_reference(extra_agreements={"astana-2017": {
        "zone_ends": {GHOUTA: "2018-03-31"}}})
    astana = ref.agreements.get("astana-2017")
    assert astana is not None
    assert astana.zone_end(GHOUTA) == date(2018, 3, 31)
    assert astana.zone_end(HOMS) == date(2018, 5, 16)  # the built-in days not given are kept
    assert not ref.agreements.in_force([GHOUTA], date(2018, 4, 1))


def test_open_drops_a_zone_end_and_a_dropped_zone_drops_its_end() -> None:
    reg = _ref().agreements.merge({"astana-2017": {"zone_ends": {SOUTH: "open"}}})
    astana = reg.get("astana-2017")
    assert astana is not None and astana.zone_end(SOUTH) == date(2018, 9, 16)
    reg = _ref().agreements.merge({"astana-2017": {"zones": ["idlib-deescalation", HOMS]}})
    astana = reg.get("astana-2017")
    assert astana is not None and set(astana.zone_ends) == {HOMS}


@pytest.mark.parametrize("zone_ends", [{"no-such-zone": "2018-01-01"}, {GHOUTA: "April"}])
def test_a_bad_zone_end_is_an_error(zone_ends: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="astana-2017"):
        load_reference(extra_agreements={"astana-2017": {"zone_ends": zone_ends}})


def test_the_agreements_listing_shows_the_zone_ends() -> None:
    reg = _ref().agreements
    day = date(2018, 5, 1)
    astana = reg.get("astana-2017")
    assert astana is not None
    doc = describe(astana, day)
    assert doc["in_force"] is True
    assert doc["zone_ends"][GHOUTA] == "2018-04-14"
    assert GHOUTA not in doc["zones_in_force"] and HOMS in doc["zones_in_force"]
    text = render(reg, day)
    assert f"{GHOUTA} (until 2018-04-14)" in text
    assert f"ended in {GHOUTA} on 2018-04-14" in text


# ----------------------------------------------------------------- the violation rule


def _douma(weekday: str) -> tuple[str, str]:
    return ("Regime artillery shells Douma",
            "Syrian regime forces shelled residential areas of Douma, east of Damascus, on "
            f"{weekday}, killing four civilians, the Syrian Civil Defence said.")


def _mseifra(weekday: str) -> tuple[str, str]:
    return ("Warplanes strike Mseifra in Daraa countryside",
            "Syrian government warplanes carried out air strikes on the town of Mseifra in the "
            f"eastern Daraa countryside on {weekday}, killing three civilians, local activists "
            "said.")


def _main(report: tuple[str, str], published: str) -> dict[str, Any]:
    title, text = report
    found = [i.to_dict() for i in _clf().classify(
        ItemInput(title, text, datetime.fromisoformat(published)))]
    assert found, "no incident"
    return found[0]


def test_shelling_of_douma_in_2017_breaches_astana() -> None:
    inc = _main(_douma("Thursday"), "2017-10-26T18:00")
    assert inc["date"] == "2017-10-26"
    assert inc["zones"] == [GHOUTA]
    assert inc["violation"] is True and inc["agreements"] == ["astana-2017"]


def test_shelling_of_douma_after_the_zone_ended_is_not_a_violation() -> None:
    inc = _main(_douma("Tuesday"), "2018-05-01T18:00")
    assert inc["date"] == "2018-05-01" and inc["zones"] == [GHOUTA]
    assert inc["violation"] is False and inc["agreements"] == []
    assert f"astana-2017 ended 2018-04-14 in {GHOUTA}" in inc["reasons"][0]


def test_air_strike_on_mseifra_in_june_2018_breaches_both_southern_agreements() -> None:
    inc = _main(_mseifra("Thursday"), "2018-06-28T18:00")
    assert inc["date"] == "2018-06-28"
    assert set(inc["zones"]) >= {SOUTH, SOUTHWEST}
    assert inc["violation"] is True
    assert inc["agreements"] == ["astana-2017", "southwest-2017"]


def test_air_strike_on_mseifra_after_the_offensive_is_not_a_violation() -> None:
    inc = _main(_mseifra("Wednesday"), "2018-08-15T18:00")
    assert inc["date"] == "2018-08-15"
    assert inc["violation"] is False and inc["agreements"] == []
    assert "southwest-2017 ended 2018-07-31" in inc["reasons"][0]
    assert f"astana-2017 ended 2018-07-31 in {SOUTH}" in inc["reasons"][0]


def test_the_shipped_polygons_are_what_the_build_script_makes() -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_astana_zones.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
