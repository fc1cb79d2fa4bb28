"""Agreement periods (day granularity, Damascus dates) and user overrides."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib import resources

import pytest

from tracker.core.agreements import AgreementRegistry

IDLIB = ["idlib-deescalation"]


@cache
def _data() -> dict:
    text = resources.files("tracker.data").joinpath("agreements.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _registry() -> AgreementRegistry:
    return AgreementRegistry.from_toml_dict(_data())


def _ids(zones: list[str], day: date, reg: AgreementRegistry | None = None) -> list[str]:
    return [a.id for a in (reg or _registry()).in_force(zones, day)]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2017, 5, 5), []),
        (date(2017, 5, 6), ["astana-2017"]),
        (date(2018, 9, 16), ["astana-2017"]),
        (date(2018, 9, 17), ["sochi-2018"]),
        (date(2020, 3, 5), ["sochi-2018"]),
        (date(2020, 3, 6), ["sochi-2018", "moscow-2020"]),
        (date(2024, 11, 26), ["sochi-2018", "moscow-2020"]),
        (date(2024, 11, 27), []),
    ],
)
def test_idlib_periods(day: date, expected: list[str]):
    assert _ids(IDLIB, day) == expected


@pytest.mark.parametrize(
    ("zones", "day", "expected"),
    [
        (["idlib-dmz"], date(2018, 9, 17), ["sochi-2018"]),
        (["idlib-dmz"], date(2020, 3, 6), ["sochi-2018"]),
        (["m4-corridor"], date(2020, 3, 5), []),
        (["m4-corridor"], date(2020, 3, 6), ["moscow-2020"]),
        (["ne-syria-peace-spring"], date(2019, 10, 22), []),
        (["ne-syria-peace-spring"], date(2019, 10, 23), ["sochi-2019-ne"]),
        # Lapsed in practice with the fall of the Assad government (agreements-since-2024.md).
        (["ne-syria-peace-spring"], date(2024, 12, 7), ["sochi-2019-ne"]),
        (["ne-syria-peace-spring"], date(2025, 6, 1), []),
        (["al-tanf-55km"], date(2024, 12, 15), []),
        (["al-tanf-55km"], date(2017, 5, 18), ["al-tanf-deconfliction"]),
        (["al-tanf-55km"], date(2017, 5, 17), []),
        ([], date(2020, 3, 6), []),
        (["unknown-zone"], date(2020, 3, 6), []),
    ],
)
def test_other_zones(zones: list[str], day: date, expected: list[str]):
    assert _ids(zones, day) == expected


def test_ids_and_fields():
    reg = _registry()
    assert set(reg.ids) == {
        "astana-2017",
        "sochi-2018",
        "moscow-2020",
        "isr-syr-disengagement-1974",
        "isr-syr-sweida-2025",
        "sweida-ceasefire-2025",
        "syr-sdf-2025",
        "syr-sdf-2026",
        "aleppo-kurdish-districts-2025",
        "syr-lbn-border-2025",
        "sochi-2019-ne",
        "southwest-2017",
        "al-tanf-deconfliction",
    }
    moscow = reg.get("moscow-2020")
    assert moscow is not None
    assert moscow.start == datetime(2020, 3, 6, 0, 1, tzinfo=timezone(timedelta(hours=2)))
    assert moscow.end == date(2024, 11, 26)
    assert "6 km" in moscow.article(2)
    assert reg.get("sochi-2019-ne").end == date(2024, 12, 7)  # type: ignore[union-attr]
    assert reg.get("isr-syr-disengagement-1974").end is None  # type: ignore[union-attr]
    assert len(reg.get("sochi-2018").articles) == 9  # type: ignore[union-attr]
    assert reg.get("nope") is None


def _zone_features() -> list[dict]:
    import json

    text = resources.files("tracker.data").joinpath("zones.geojson").read_text(encoding="utf-8")
    return [f["properties"] for f in json.loads(text)["features"]]


def test_zones_name_existing_agreements_that_list_them_back():
    reg = _registry()
    listing = [props for props in _zone_features() if props.get("agreement_ids")]
    assert listing, "no zone in zones.geojson lists its agreements"
    for props in listing:
        for aid in props["agreement_ids"]:
            agreement = reg.get(aid)
            assert agreement is not None and props["id"] in agreement.zone_ids, (aid, props["id"])


def test_agreements_name_existing_zones():
    zone_ids = {props["id"] for props in _zone_features()}
    with_zones = [a for a in _registry() if a.zone_ids]
    assert with_zones, "no agreement names a zone"
    for agreement in with_zones:
        missing = set(agreement.zone_ids) - zone_ids
        assert not missing, (agreement.id, sorted(missing))


def test_merge_overrides_dates_by_id():
    reg = _registry().merge({"agreements": {"moscow-2020": {"end": "2024-12-07"}}})
    assert _ids(IDLIB, date(2024, 11, 27), reg) == ["moscow-2020"]
    assert _ids(IDLIB, date(2024, 12, 8), reg) == []
    # the original registry is unchanged
    assert _ids(IDLIB, date(2024, 11, 27)) == []


def test_merge_open_end_and_start_override():
    reg = _registry().merge({"sochi-2018": {"end": "open", "start": "2018-09-20"}})
    assert _ids(["idlib-dmz"], date(2018, 9, 19), reg) == []
    assert _ids(["idlib-dmz"], date(2030, 1, 1), reg) == ["sochi-2018"]


def test_merge_adds_agreement():
    reg = _registry().merge(
        {
            "agreements": {
                "southwest-local": {
                    "name": "Local truce",
                    "start": "2018-07-01T12:00:00+03:00",
                    "end": "2018-07-10",
                    "zones": ["daraa-box"],
                    "articles": {"1": "Stop firing."},
                }
            }
        }
    )
    assert _ids(["daraa-box"], date(2018, 7, 1), reg) == ["southwest-local"]
    assert _ids(["daraa-box"], date(2018, 7, 11), reg) == []
    assert len(reg) == 14


def test_merge_new_agreement_needs_name_and_start():
    with pytest.raises(ValueError):
        _registry().merge({"agreements": {"x": {"zones": ["a"]}}})


def test_bad_dates_rejected():
    with pytest.raises(ValueError):
        _registry().merge({"agreements": {"sochi-2018": {"end": "someday"}}})
