"""The digest picture: violations per day over 30 days, and a map of the period's incidents.

Drawn with matplotlib's Agg canvas directly (no pyplot, no screen, no global figure state),
so it is safe in a server thread. The map needs no tiles: it draws the zone outlines from
tracker/data/zones.geojson, a coarse, approximate country outline with a few labelled
cities from tracker/data/syria_outline.geojson and approximate governorate lines derived
from the gazetteer's places (tracker/core/governorates.py), in plain longitude/latitude.
It zooms to the period's events, labels each place and spreads reports of one place around
it, so that the north-west's dots do not hide one another.

One colour scheme for both panels: violations red, other incidents grey, as the bars are.
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import arabic_reshaper
import matplotlib
from bidi import get_display

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from tracker.core.bidi import has_rtl
from tracker.core.digest import Digest, MapPoint
from tracker.core.governorates import governorate_areas

log = logging.getLogger(__name__)

WIDTH_PX = 1200
HEIGHT_PX = 600
DPI = 100
# The bar chart's colours, used for the map's points and legend too.
VIOLATION_COLOUR = "#c62828"
EARLIER_VIOLATION_COLOUR = "#ef9a9a"
INCIDENT_COLOUR = "#cfd8dc"
INCIDENT_EDGE = "#607d8b"
# Marker size (points) by severity: the colour says violation or not, the size how grave.
SEVERITY_SIZE = {"low": 5.0, "medium": 7.0, "high": 9.0, "critical": 11.0}
ZONE_COLOUR = "#1565c0"
GOVERNORATE_COLOUR = "#90a4ae"
# Longitude and latitude limits of the map: all of Syria with a small margin.
EXTENT = (35.4, 42.6, 32.1, 37.5)
# Around the events: at least this span (degrees, about 70 km), plus a margin of this share.
MIN_SPAN_DEGREES = 0.6
MARGIN_SHARE = 0.15
# Reports of one place are spread on a small circle around it, its radius (points) this
# share of the largest marker there, so that no marker hides another.
SPREAD_SHARE = 0.6
# A LineString zone with buffer_km is drawn as a band roughly that wide at this scale.
POINTS_PER_KM = 0.9


# Families tried, in order, for labels with Arabic letters: the first that has a glyph for
# every letter drawn is used. DejaVu Sans ships inside matplotlib (so it is always there) and
# has the Arabic presentation forms that shaped text is made of.
ARABIC_FAMILIES = ("DejaVu Sans", "Noto Sans Arabic", "Noto Naskh Arabic", "FreeSans")


def chart_text(label: str) -> str:
    """`label` as matplotlib must be given it. matplotlib draws characters one by one, left
    to right: Arabic letters would come out unjoined (each in its isolated form) and in
    reverse order. So a label with right-to-left letters is shaped (arabic-reshaper: each
    letter in its initial, medial, final or isolated presentation form) and then put in
    visual order (python-bidi); any other label is returned as it is."""
    if not has_rtl(label):
        return label
    return str(get_display(arabic_reshaper.reshape(label)))


@cache
def font_for(text: str) -> str | None:
    """The first of ARABIC_FAMILIES whose font has a glyph for every character of `text`
    (None when none has: the label is then drawn with the default font, and a warning names
    what is missing, rather than failing the digest)."""
    for family in ARABIC_FAMILIES:
        try:
            path = font_manager.findfont(family, fallback_to_default=False)
        except ValueError:
            continue
        font = FT2Font(path)
        if all(font.get_char_index(ord(ch)) for ch in text if not ch.isspace()):
            return family
    log.warning("no font with glyphs for %r among %s", text, ", ".join(ARABIC_FAMILIES))
    return None


def text_style(label: str) -> dict[str, Any]:
    """The font keyword for a label drawn with `chart_text`: an Arabic-capable family for
    right-to-left labels, nothing (matplotlib's default) for the others."""
    if not has_rtl(label):
        return {}
    family = font_for(chart_text(label))
    return {"fontfamily": family} if family else {}


@dataclass(frozen=True)
class MapLayers:
    """What the map draws besides the incidents; loaded once from the shipped data."""

    zones: tuple[Mapping[str, Any], ...]
    outline: tuple[Mapping[str, Any], ...]
    governorates: tuple[tuple[str, BaseGeometry], ...] = field(default=())


def load_layers() -> MapLayers:
    """Zone and country features and the approximate governorates from the package data."""
    data = resources.files("tracker.data")
    zones = json.loads(data.joinpath("zones.geojson").read_text("utf-8"))
    outline = json.loads(data.joinpath("syria_outline.geojson").read_text("utf-8"))
    features = tuple(outline["features"])
    return MapLayers(tuple(zones["features"]), features, _governorates(features))


def _governorates(outline: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, BaseGeometry], ...]:
    from tracker.reference import load_places

    country = next(
        (shape(f["geometry"]) for f in outline if f["properties"].get("kind") == "country"), None
    )
    if country is None:
        return ()
    places = [(p.lon, p.lat, p.admin1) for p in load_places()]
    return tuple(governorate_areas(places, country).items())


def map_extent(points: Sequence[MapPoint]) -> tuple[float, float, float, float]:
    """(west, east, south, north) around the points with a margin, at least
    MIN_SPAN_DEGREES wide and high, within EXTENT; all of Syria when there are none."""
    if not points:
        return EXTENT
    west, east, south, north = EXTENT
    bounds = []
    for low, high, (lo_limit, hi_limit) in (
        (min(p.lon for p in points), max(p.lon for p in points), (west, east)),
        (min(p.lat for p in points), max(p.lat for p in points), (south, north)),
    ):
        span = max(high - low, MIN_SPAN_DEGREES / (1 + 2 * MARGIN_SHARE))
        centre = (low + high) / 2
        half = span * (1 + 2 * MARGIN_SHARE) / 2
        bounds.append((max(lo_limit, centre - half), min(hi_limit, centre + half)))
    (w, e), (s, n) = bounds
    return (w, e, s, n)


def render_png(digest: Digest, layers: MapLayers) -> bytes:
    """A WIDTH_PX x HEIGHT_PX PNG; a fixed size (no tight bounding box) so it lays out
    predictably in Telegram and in the HTML page."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    bars, geo = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
    _draw_daily(bars, digest)
    _draw_map(geo, digest.points, layers)
    fig.suptitle(f"Ceasefire digest {digest.period.label} ({digest.period.tz})", fontsize=13)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.88, wspace=0.15)
    out = io.BytesIO()
    canvas.print_png(out)
    return out.getvalue()


def _draw_daily(ax: Axes, digest: Digest) -> None:
    days = [d.day for d in digest.daily]
    x = range(len(days))
    ax.bar(x, [d.incidents for d in digest.daily], color=INCIDENT_COLOUR, label="incidents")
    in_period = [digest.period.start <= day < digest.period.end for day in days]
    colours = [VIOLATION_COLOUR if inside else EARLIER_VIOLATION_COLOUR for inside in in_period]
    ax.bar(x, [d.violations for d in digest.daily], color=colours, label="violations")
    ticks = list(range(len(days) - 1, -1, -7))[::-1]
    ax.set_xticks(ticks, [days[i].strftime("%d %b") for i in ticks], fontsize=8)
    basis = "By event date" if digest.basis == "event" else "Recorded"
    ax.set_title(f"{basis} per day, last 30 days", fontsize=11)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    # Counts: never below zero, and a 0-to-1 axis rather than a symmetric one when empty.
    ax.set_ylim(0, max([1] + [d.incidents for d in digest.daily]) * 1.05)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=daily_legend_handles(), loc="upper left", fontsize=8, frameon=False)


def daily_legend_handles() -> list[Patch]:
    """One handle per colour drawn: matplotlib's automatic legend would take the first
    violation bar's colour (an earlier day's pale red) for every violation bar."""
    return [
        Patch(color=INCIDENT_COLOUR, label="incidents"),
        Patch(color=VIOLATION_COLOUR, label="violations, this period"),
        Patch(color=EARLIER_VIOLATION_COLOUR, label="violations, earlier days"),
    ]


def _draw_map(ax: Axes, points: Sequence[MapPoint], layers: MapLayers) -> None:
    west, east, south, north = map_extent(points)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    # Degrees of longitude are shorter than degrees of latitude at 35 N.
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    ax.set_facecolor("#f4f8fb")
    _draw_outline(ax, layers.outline)
    _draw_governorates(ax, layers.governorates, (west, east, south, north))
    _draw_zones(ax, layers.zones)
    _draw_points(ax, points)
    ax.set_title(f"Incidents of the period ({len(points)} located)", fontsize=11)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude (outlines and governorate lines approximate)", fontsize=8)
    ax.grid(color="#dde3e8", linewidth=0.5)
    ax.legend(handles=legend_handles(), loc="lower right", fontsize=7, frameon=True)


def legend_handles() -> list[Line2D]:
    """Colours as in the bar chart (violations red, other incidents grey), sizes by
    severity."""
    handles = [
        Line2D([], [], marker="o", linestyle="", color=VIOLATION_COLOUR, label="violation"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            mfc=INCIDENT_COLOUR,
            mec=INCIDENT_EDGE,
            label="other incident",
        ),
    ]
    handles += [
        Line2D(
            [], [], marker="o", linestyle="", markersize=size, mfc="none", mec="#555", label=name
        )
        for name, size in SEVERITY_SIZE.items()
    ]
    return handles


def _draw_governorates(
    ax: Axes,
    areas: Sequence[tuple[str, BaseGeometry]],
    extent: tuple[float, float, float, float],
) -> None:
    west, east, south, north = extent
    for name, area in areas:
        for ring in _area_rings(area):
            xs, ys = zip(*ring, strict=True)
            ax.plot(xs, ys, color=GOVERNORATE_COLOUR, linewidth=0.6, linestyle="--", zorder=0.7)
        spot = area.representative_point()
        if west <= spot.x <= east and south <= spot.y <= north:
            ax.annotate(
                chart_text(name),
                (spot.x, spot.y),
                **text_style(name),
                ha="center",
                fontsize=7,
                style="italic",
                color=GOVERNORATE_COLOUR,
                zorder=0.8,
            )


def _area_rings(area: BaseGeometry) -> Iterable[list[tuple[float, float]]]:
    for polygon in getattr(area, "geoms", [area]):
        exterior = getattr(polygon, "exterior", None)
        if exterior is not None:
            yield [(x, y) for x, y, *_ in exterior.coords]


def _rings(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        yield from geometry["coordinates"][:1]
    elif kind == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield polygon[0]


def _draw_outline(ax: Axes, features: Iterable[Mapping[str, Any]]) -> None:
    for f in features:
        geometry = f["geometry"]
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"][:2]
            ax.plot(lon, lat, marker="s", markersize=3, color="#37474f")
            name = str(f["properties"].get("name", ""))
            ax.annotate(
                chart_text(name),
                (lon, lat),
                **text_style(name),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=7,
                color="#37474f",
            )
            continue
        for ring in _rings(geometry):
            ax.add_patch(
                PolygonPatch(
                    ring,
                    closed=True,
                    fill=True,
                    facecolor="#ffffff",
                    edgecolor="#546e7a",
                    linewidth=1.0,
                    zorder=0.5,
                )
            )


def _draw_zones(ax: Axes, features: Iterable[Mapping[str, Any]]) -> None:
    for f in features:
        geometry = f["geometry"]
        props = f.get("properties", {})
        if geometry["type"] == "LineString":
            lons, lats = zip(*[c[:2] for c in geometry["coordinates"]], strict=True)
            width = max(2.0, 2 * float(props.get("buffer_km", 1)) * POINTS_PER_KM)
            ax.plot(
                lons,
                lats,
                color=ZONE_COLOUR,
                alpha=0.25,
                linewidth=width,
                solid_capstyle="round",
                zorder=1,
            )
            continue
        for ring in _rings(geometry):
            ax.add_patch(
                PolygonPatch(
                    ring,
                    closed=True,
                    fill=True,
                    facecolor=ZONE_COLOUR,
                    alpha=0.08,
                    edgecolor=ZONE_COLOUR,
                    linewidth=0.8,
                    zorder=1,
                )
            )


def _sites(points: Sequence[MapPoint]) -> list[list[MapPoint]]:
    """Points grouped by place (coordinates to about 100 m), each group violations last so
    that they are drawn on top, graver ones later."""
    groups: dict[tuple[float, float], list[MapPoint]] = defaultdict(list)
    for p in points:
        groups[(round(p.lon, 3), round(p.lat, 3))].append(p)
    order = list(SEVERITY_SIZE)
    return [
        sorted(
            g, key=lambda p: (p.violation, order.index(p.severity) if p.severity in order else 0)
        )
        for g in groups.values()
    ]


def _draw_points(ax: Axes, points: Sequence[MapPoint]) -> None:
    for group in _sites(points):
        n = len(group)
        radius = (
            SPREAD_SHARE * max(SEVERITY_SIZE.get(p.severity, 5.0) for p in group) if n > 1 else 0
        )
        for i, p in enumerate(group):
            angle = math.pi / 2 + 2 * math.pi * i / n
            dx, dy = radius * math.cos(angle), radius * math.sin(angle)
            ax.plot(
                p.lon,
                p.lat,
                marker="o",
                markersize=SEVERITY_SIZE.get(p.severity, 5.0),
                linestyle="",
                zorder=3,
                mfc=VIOLATION_COLOUR if p.violation else INCIDENT_COLOUR,
                mec="#7f0000" if p.violation else INCIDENT_EDGE,
                mew=0.8,
                transform=offset_copy(
                    ax.transData, fig=ax.get_figure(root=True), x=dx, y=dy, units="points"
                ),
            )
        label = group[0].label
        if label:
            shown = f"{label} ×{n}" if n > 1 else label
            ax.annotate(
                chart_text(shown),
                (group[0].lon, group[0].lat),
                **text_style(shown),
                xytext=(radius + 8, -3),
                textcoords="offset points",
                fontsize=7,
                zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            )
