"""The digest picture: violations per day over 30 days, and a map of the period's incidents.

Drawn with matplotlib's Agg canvas directly (no pyplot, no screen, no global figure state),
so it is safe in a server thread. The map needs no tiles: it draws the zone outlines from
tracker/data/zones.geojson and a coarse, approximate country outline with a few labelled
cities from tracker/data/syria_outline.geojson, in plain longitude/latitude.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.ticker import MaxNLocator

from tracker.core.digest import Digest, MapPoint

WIDTH_PX = 1200
HEIGHT_PX = 600
DPI = 100
SEVERITY_COLOUR = {"low": "#9e9e9e", "medium": "#e6b800", "high": "#f57c00", "critical": "#c62828"}
ZONE_COLOUR = "#1565c0"
# Longitude and latitude limits of the map: all of Syria with a small margin.
EXTENT = (35.4, 42.6, 32.1, 37.5)
# A LineString zone with buffer_km is drawn as a band roughly that wide at this scale.
POINTS_PER_KM = 0.9


@dataclass(frozen=True)
class MapLayers:
    """What the map draws besides the incidents; loaded once from the shipped data."""

    zones: tuple[Mapping[str, Any], ...]
    outline: tuple[Mapping[str, Any], ...]


def load_layers() -> MapLayers:
    """Zone and country features from the package data."""
    data = resources.files("tracker.data")
    zones = json.loads(data.joinpath("zones.geojson").read_text("utf-8"))
    outline = json.loads(data.joinpath("syria_outline.geojson").read_text("utf-8"))
    return MapLayers(tuple(zones["features"]), tuple(outline["features"]))


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
    ax.bar(x, [d.incidents for d in digest.daily], color="#cfd8dc", label="incidents")
    in_period = [digest.period.start <= day < digest.period.end for day in days]
    colours = ["#c62828" if inside else "#ef9a9a" for inside in in_period]
    ax.bar(x, [d.violations for d in digest.daily], color=colours, label="violations")
    ticks = list(range(len(days) - 1, -1, -7))[::-1]
    ax.set_xticks(ticks, [days[i].strftime("%d %b") for i in ticks], fontsize=8)
    ax.set_title("Recorded per day, last 30 days", fontsize=11)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", fontsize=8, frameon=False)


def _draw_map(ax: Axes, points: Sequence[MapPoint], layers: MapLayers) -> None:
    west, east, south, north = EXTENT
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    # Degrees of longitude are shorter than degrees of latitude at 35 N.
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    ax.set_facecolor("#f4f8fb")
    _draw_outline(ax, layers.outline)
    _draw_zones(ax, layers.zones)
    _draw_points(ax, points)
    ax.set_title(f"Incidents of the period ({len(points)} located)", fontsize=11)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude (outlines approximate)", fontsize=8)
    ax.grid(color="#dde3e8", linewidth=0.5)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=c, label=s)
        for s, c in SEVERITY_COLOUR.items()
    ]
    handles.append(
        Line2D([], [], marker="o", linestyle="", mfc="none", color="#555", label="not a violation")
    )
    ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=True)


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
            ax.annotate(
                f["properties"].get("name", ""),
                (lon, lat),
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


def _draw_points(ax: Axes, points: Sequence[MapPoint]) -> None:
    # Most severe last, so they are drawn on top.
    order = sorted(
        points,
        key=lambda p: (
            list(SEVERITY_COLOUR).index(p.severity) if p.severity in SEVERITY_COLOUR else 0
        ),
    )
    for p in order:
        colour = SEVERITY_COLOUR.get(p.severity, "#9e9e9e")
        ax.plot(
            p.lon,
            p.lat,
            marker="o",
            markersize=7,
            linestyle="",
            zorder=3,
            color=colour,
            mfc=colour if p.violation else "none",
            mec=colour,
            mew=1.5,
        )
