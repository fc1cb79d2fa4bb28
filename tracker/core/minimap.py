"""A small map as SVG path data: areas and lines clipped to a box around a point, projected
to pixels (equirectangular, x shrunk by cos(latitude) so shapes keep their proportions).
Pure: geometry in, numbers and path strings out; the event page draws them (no JavaScript,
no tiles).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import box as make_box
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Shape:
    name: str
    path: str  # SVG path data
    label_x: float | None = None  # where the name can be written, inside the shape
    label_y: float | None = None


@dataclass(frozen=True)
class MiniMap:
    width: int
    height: int
    areas: tuple[Shape, ...]  # governorates
    overlays: tuple[Shape, ...]  # agreement zones (areas and lines)
    point: tuple[float, float]  # the event, in pixels
    bounds: tuple[float, float, float, float]  # west, south, east, north (degrees)


class _Projection:
    def __init__(self, bounds: tuple[float, float, float, float], width: int) -> None:
        self.w, self.s, self.e, self.n = bounds
        self.kx = math.cos(math.radians((self.s + self.n) / 2))
        self.scale = width / ((self.e - self.w) * self.kx)

    def height(self) -> int:
        return round((self.n - self.s) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.w) * self.kx * self.scale, (self.n - lat) * self.scale)


def _path(geom: BaseGeometry, proj: _Projection) -> str:
    """SVG path data of polygons (closed rings) and lines, in pixels (0.1 px)."""
    parts: list[str] = []

    def ring(coords: Iterable[tuple[float, ...]], close: bool) -> None:
        points = [proj.xy(c[0], c[1]) for c in coords]
        if len(points) < 2:
            return
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + ("Z" if close else ""))

    def walk(g: BaseGeometry) -> None:
        kind = g.geom_type
        if kind == "Polygon":
            ring(g.exterior.coords, True)
            for hole in g.interiors:
                ring(hole.coords, True)
        elif kind in ("LineString", "LinearRing"):
            ring(g.coords, False)
        elif kind.startswith("Multi") or kind == "GeometryCollection":
            for part in g.geoms:
                walk(part)

    walk(geom)
    return "".join(parts)


def mini_map(
    lon: float,
    lat: float,
    areas: Iterable[tuple[str, BaseGeometry]],
    overlays: Iterable[tuple[str, BaseGeometry]] = (),
    *,
    half_width: float = 0.8,
    width: int = 320,
    aspect: float = 0.8,
) -> MiniMap:
    """The map of the box `half_width` degrees of longitude either side of (lon, lat), and
    as tall as `aspect` times its width on the ground; only what crosses the box is kept."""
    kx = math.cos(math.radians(lat))
    half_height = half_width * kx * aspect
    bounds = (lon - half_width, lat - half_height, lon + half_width, lat + half_height)
    frame = make_box(*bounds)
    proj = _Projection(bounds, width)

    def clip(items: Iterable[tuple[str, BaseGeometry]], labels: bool) -> tuple[Shape, ...]:
        out = []
        for name, geom in items:
            if geom.is_empty or not geom.intersects(frame):
                continue
            part = geom.intersection(frame)
            if part.is_empty:
                continue
            lx = ly = None
            if labels and part.area > 0.02 * frame.area:
                spot = part.representative_point()
                lx, ly = proj.xy(spot.x, spot.y)
            out.append(Shape(name, _path(part, proj), lx, ly))
        return tuple(out)

    return MiniMap(
        width=width,
        height=proj.height(),
        areas=clip(areas, labels=True),
        overlays=clip(overlays, labels=False),
        point=proj.xy(lon, lat),
        bounds=bounds,
    )
