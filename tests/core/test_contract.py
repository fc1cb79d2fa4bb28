"""The one reader of the classifier's JSON contract."""

from __future__ import annotations

from datetime import date

from tracker.core.incident import ActorRole, Incident, Location, read_contract


def _incident() -> Incident:
    return Incident(
        violation=True,
        event_type="Explosions/Remote violence",
        sub_event_type="Shelling/artillery/missile attack",
        date=date(2024, 4, 10),
        date_precision=2,
        location=Location("Kafr Nabl", "Idlib", 35.61, 36.56, 3),
        fatalities=3,
        fatalities_low=2,
        fatalities_high=4,
        injured=1,
        actors=(ActorRole("Syrian army", "government", "attacker"),),
        agreements=("sochi-2018",),
        zones=("idlib-dmz",),
        severity="high",
        confidence=0.8,
        reasons=("shelling inside the zone",),
        evidence=("shells hit Kafr Nabl",),
    )


def test_every_field_of_the_contract_is_read() -> None:
    fields = read_contract(_incident().to_dict())
    assert (fields.violation, fields.event_type, fields.event_date) == (
        True,
        "Explosions/Remote violence",
        date(2024, 4, 10),
    )
    assert (fields.place_name, fields.admin1, fields.lat, fields.lon) == (
        "Kafr Nabl",
        "Idlib",
        35.61,
        36.56,
    )
    assert (fields.location_precision, fields.date_precision) == (3, 2)
    assert (fields.fatalities, fields.fatalities_low, fields.fatalities_high) == (3, 2, 4)
    assert fields.actors == ({"name": "Syrian army", "side": "government", "role": "attacker"},)
    assert (fields.agreements, fields.zones, fields.severity) == (
        ("sochi-2018",),
        ("idlib-dmz",),
        "high",
    )
    assert (fields.confidence, fields.reasons, fields.evidence) == (
        0.8,
        ("shelling inside the zone",),
        ("shells hit Kafr Nabl",),
    )


def test_missing_keys_read_as_defaults_and_a_place_needs_no_coordinates() -> None:
    fields = read_contract({"location": {"name": "Ariha"}, "date": None})
    assert fields.place_name == "Ariha" and fields.lat is None and fields.event_date is None
    assert (fields.violation, fields.event_type, fields.severity, fields.date_precision) == (
        False,
        "",
        "low",
        1,
    )
    assert fields.actors == () and fields.confidence == 0.0
    assert read_contract({"date": date(2024, 1, 2)}).event_date == date(2024, 1, 2)
