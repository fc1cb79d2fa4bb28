"""The digest map: zoomed to the events, places labelled, reports of one place spread apart,
governorate lines for context, and the bar chart's colours in its legend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from shapely.geometry import Point, box

from tracker.adapters.charts import (
    EXTENT,
    GOVERNORATE_COLOUR,
    MIN_SPAN_DEGREES,
    MapLayers,
    _draw_daily,
    _draw_map,
    load_layers,
    map_extent,
)
from tracker.core.digest import Digest, IncidentRecord, MapPoint, build_digest, period_of
from tracker.core.governorates import governorate_areas

TZ = ZoneInfo("Asia/Damascus")
DAY = date(2024, 5, 10)
# (place, lat, lon, severity, violation): three reports of Sarmin, others a few km apart.
NORTH_WEST = [
    ("Sarmin", 35.9, 36.72, "high", True),
    ("Sarmin", 35.9, 36.72, "low", False),
    ("Sarmin", 35.9, 36.72, "critical", True),
    ("Ariha", 35.81, 36.61, "medium", True),
    ("Kafr Nabl", 35.61, 36.56, "low", True),
]


@pytest.fixture(scope="module")
def layers() -> MapLayers:
    return load_layers()


def _digest(spots: list[tuple[str, float, float, str, bool]]) -> Digest:
    records = [
        IncidentRecord(
            id=i,
            item_id=i,
            recorded_at=datetime(2024, 5, 10, 9, tzinfo=UTC),
            violation=violation,
            event_type="shelling",
            event_date=DAY,
            place_name=name,
            lat=lat,
            lon=lon,
            severity=severity,
        )
        for i, (name, lat, lon, severity, violation) in enumerate(spots)
    ]
    return build_digest(period_of(DAY, "day", TZ), records, [])


def _panels(digest: Digest, layers: MapLayers) -> tuple[object, object]:
    fig = Figure(figsize=(12, 6))
    bars, geo = fig.subplots(1, 2)
    _draw_daily(bars, digest)
    _draw_map(geo, digest.points, layers)
    return bars, geo


def test_extent_is_the_events_with_a_margin_or_all_of_syria() -> None:
    assert map_extent([]) == EXTENT
    points = _digest(NORTH_WEST).points
    west, east, south, north = map_extent(points)
    assert west < 36.56 and east > 36.72 and south < 35.61 and north > 35.9
    assert east - west < 1.0 and north - south < 1.0  # not all of Syria (7.2 by 5.4 degrees)
    single = map_extent([MapPoint(35.9, 36.72, "low", True)])
    assert single[1] - single[0] == pytest.approx(MIN_SPAN_DEGREES)
    edge = map_extent([MapPoint(37.45, 42.55, "low", True)])  # the north-east corner
    assert edge[1] <= EXTENT[1] and edge[3] <= EXTENT[3]


def test_map_zooms_labels_places_and_spreads_one_place(layers: MapLayers) -> None:
    digest = _digest(NORTH_WEST)
    _, geo = _panels(digest, layers)
    west, east, south, north = map_extent(digest.points)
    assert geo.get_xlim() == pytest.approx((west, east))  # type: ignore[attr-defined]
    assert geo.get_ylim() == pytest.approx((south, north))  # type: ignore[attr-defined]
    labels = {t.get_text() for t in geo.texts}  # type: ignore[attr-defined]
    assert {"Sarmin ×3", "Ariha", "Kafr Nabl"} <= labels
    sarmin = [
        line.get_transform().transform((line.get_xdata()[0], line.get_ydata()[0]))
        for line in geo.lines  # type: ignore[attr-defined]
        if line.get_marker() == "o" and line.get_xdata()[0] == 36.72
    ]
    assert len(sarmin) == 3
    pixels = {(round(x), round(y)) for x, y in sarmin}
    assert len(pixels) == 3  # three markers, none hidden under another
    governorate_lines = [
        line
        for line in geo.lines  # type: ignore[attr-defined]
        if to_hex(line.get_color()) == GOVERNORATE_COLOUR
    ]
    assert governorate_lines and "Idlib" in labels  # the city, and its governorate's name


def test_legend_colours_are_the_bar_charts(layers: MapLayers) -> None:
    bars, geo = _panels(_digest(NORTH_WEST), layers)
    legend = bars.get_legend()  # type: ignore[attr-defined]
    incidents_bar, violations_bar, earlier_bar = legend.legend_handles
    # The chart's own legend shows the colours its bars have (in-period violations red).
    period_bars = [p for p in bars.patches if p.get_height() > 0]  # type: ignore[attr-defined]
    drawn = {to_hex(p.get_facecolor()) for p in period_bars}
    assert drawn == {to_hex(incidents_bar.get_facecolor()), to_hex(violations_bar.get_facecolor())}
    assert to_hex(earlier_bar.get_facecolor()) not in drawn  # no earlier violations here
    violation, other, *sizes = geo.get_legend().legend_handles  # type: ignore[attr-defined]
    assert violation.get_label() == "violation" and other.get_label() == "other incident"
    assert to_hex(violation.get_markerfacecolor()) == to_hex(violations_bar.get_facecolor())
    assert to_hex(other.get_markerfacecolor()) == to_hex(incidents_bar.get_facecolor())
    assert [h.get_label() for h in sizes] == ["low", "medium", "high", "critical"]
    assert [h.get_markersize() for h in sizes] == sorted(h.get_markersize() for h in sizes)
    # And the points themselves: violations in the bars' red, the rest in their grey.
    fills = {
        to_hex(line.get_markerfacecolor())
        for line in geo.lines  # type: ignore[attr-defined]
        if line.get_marker() == "o" and line.get_label().startswith("_")
    }
    assert fills == {to_hex(violations_bar.get_facecolor()), to_hex(incidents_bar.get_facecolor())}


def test_chart_title_says_how_the_digest_counts(layers: MapLayers) -> None:
    digest = _digest(NORTH_WEST)
    bars, _ = _panels(digest, layers)
    assert bars.get_title().startswith("Recorded per day")  # type: ignore[attr-defined]
    by_event = build_digest(digest.period, [], [], basis="event")
    bars, _ = _panels(by_event, layers)
    assert bars.get_title().startswith("By event date per day")  # type: ignore[attr-defined]
    assert bars.get_ylim()[0] == 0  # type: ignore[attr-defined]


def test_governorate_areas_split_the_country_by_nearest_place() -> None:
    country = box(0, 0, 4, 2)
    areas = governorate_areas(
        [(1, 1, "West"), (3, 1, "East"), (3, 1, "Duplicate"), (9, 9, "Outside"), (2, 1.5, "")],
        country,
    )
    assert set(areas) == {"West", "East"}
    assert areas["West"].area == pytest.approx(4) and areas["East"].area == pytest.approx(4)


def test_real_governorates_hold_their_cities(layers: MapLayers) -> None:
    areas = dict(layers.governorates)
    cities = {
        "Aleppo": (37.16, 36.20),
        "Idlib": (36.63, 35.93),
        "Homs": (36.72, 34.73),
        "Deir ez-Zor": (40.14, 35.33),
        "Latakia": (35.79, 35.52),
        "Daraa": (36.10, 32.62),
    }
    for name, (lon, lat) in cities.items():
        assert areas[name].covers(Point(lon, lat)), name
