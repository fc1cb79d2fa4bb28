"""Which agreement zones a point lies in (pure: geometry comes in as a GeoJSON dict).

Three zone shapes exist (see shared zones.md): polygons (tested with shapely ``covers`` so that
the boundary counts as inside), a buffered polyline (the M4 corridor: distance to the line in
UTM 37N <= ``buffer_km``, never a buffer in degrees) and a circle (At Tanf: geodesic distance to
the centre <= ``radius_km``).  Every zone edge is a reconstruction, so each hit reports the
distance to the edge and flags hits within 5 km of it as ``near_edge``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from tracker.core.distance import haversine_km  # here too, for the zone code's callers

__all__ = [
    "NEAR_EDGE_KM",
    "ZoneHit",
    "ZoneIndex",
    "haversine_km",
    "merge_feature_collections",
]

NEAR_EDGE_KM = 5.0
_METRIC_CRS = "EPSG:32637"  # UTM zone 37N: covers north-west Syria with < 0.1 % scale error
_GEOD = Geod(ellps="WGS84")
_HITS_MEMO_SIZE = 4096  # points remembered by ZoneIndex.zones_at (cleared when full)


@dataclass(frozen=True)
class ZoneHit:
    """A zone containing a point.

    ``edge_distance_km`` is the distance from the point to the zone boundary; ``near_edge`` is
    True within 5 km of it, where an approximate zone's membership is uncertain.
    """

    zone_id: str
    name: str
    near_edge: bool
    edge_distance_km: float
    approximate: bool


@dataclass(frozen=True)
class _Zone:
    """One prepared zone; exactly one of polygon / line / centre is set."""

    zone_id: str
    name: str
    approximate: bool
    agreement_ids: tuple[str, ...]
    bounds: tuple[float, float, float, float]  # lon/lat box for a cheap pre-test
    polygon: BaseGeometry | None = None  # lon/lat, prepared
    boundary_m: BaseGeometry | None = None  # polygon boundary in UTM metres
    line_m: BaseGeometry | None = None  # corridor centre line in UTM metres
    buffer_km: float = 0.0
    centre: tuple[float, float] | None = None  # (lon, lat)
    radius_km: float = 0.0


def merge_feature_collections(
    base: Mapping[str, Any], extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Overlay user zones on the built-in ones: features whose ``id`` appears in ``extra``
    replace every built-in feature with that id; new ids are added."""
    features = list(base.get("features", []))
    if extra:
        new = list(extra.get("features", []))
        replaced = {f.get("properties", {}).get("id") for f in new}
        features = [f for f in features if f.get("properties", {}).get("id") not in replaced]
        features.extend(new)
    return {"type": "FeatureCollection", "features": features}


def _buffered_bounds(
    bounds: tuple[float, float, float, float], km: float
) -> tuple[float, float, float, float]:
    """Enlarge a lon/lat box by ``km`` (generously) for the pre-test."""
    minx, miny, maxx, maxy = bounds
    dlat = km / 110.0 + 0.01
    dlon = km / (111.32 * max(0.2, math.cos(math.radians(max(abs(miny), abs(maxy)))))) + 0.01
    return (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)


class ZoneIndex:
    """All zones, prepared once; :meth:`zones_at` answers point queries."""

    def __init__(self, zones: list[_Zone], transformer: Transformer) -> None:
        """Use :meth:`from_geojson`."""
        self._zones = zones
        self._to_metric = transformer
        # zones_at() results by point: the classifier asks about the same few hundred
        # gazetteer places over and over, and each answer costs shapely/pyproj calls.
        self._hits_memo: dict[tuple[float, float], tuple[ZoneHit, ...]] = {}

    @classmethod
    def from_geojson(cls, data: Mapping[str, Any]) -> ZoneIndex:
        """Build from a FeatureCollection with the shared zones.geojson properties.

        Polygon / MultiPolygon -> polygon zone; LineString with ``buffer_km`` -> corridor;
        Point with ``radius_km`` -> circle.  A polygon marked ``geometry_role:
        polygon-approximation`` is skipped when a centre point for the same id exists.
        """
        transformer = Transformer.from_crs("EPSG:4326", _METRIC_CRS, always_xy=True)
        features = list(data.get("features", []))
        centres = {
            f["properties"]["id"]
            for f in features
            if f.get("geometry", {}).get("type") == "Point" and "radius_km" in f["properties"]
        }
        zones: list[_Zone] = []
        for f in features:
            props = f.get("properties", {})
            if props.get("geometry_role") == "polygon-approximation" and props["id"] in centres:
                continue
            zones.append(cls._prepare(f, transformer))
        return cls(zones, transformer)

    @staticmethod
    def _prepare(feature: Mapping[str, Any], transformer: Transformer) -> _Zone:
        """Turn one GeoJSON feature into a prepared zone."""
        props = feature["properties"]
        geom = shape(feature["geometry"])
        common: dict[str, Any] = {
            "zone_id": str(props["id"]),
            "name": str(props.get("name", props["id"])),
            "approximate": bool(props.get("approximate", True)),
            "agreement_ids": tuple(props.get("agreement_ids", ())),
        }
        gtype = geom.geom_type
        if gtype in ("Polygon", "MultiPolygon"):
            shapely.prepare(geom)
            boundary_m = shapely.transform(geom.boundary, transformer.transform, interleaved=False)
            return _Zone(bounds=geom.bounds, polygon=geom, boundary_m=boundary_m, **common)
        if gtype in ("LineString", "MultiLineString"):
            buffer_km = float(props.get("buffer_km", 0.0))
            line_m = shapely.transform(geom, transformer.transform, interleaved=False)
            bounds = _buffered_bounds(geom.bounds, buffer_km)
            return _Zone(bounds=bounds, line_m=line_m, buffer_km=buffer_km, **common)
        if gtype == "Point":
            radius_km = float(props.get("radius_km", 0.0))
            centre = (geom.x, geom.y)
            bounds = _buffered_bounds((geom.x, geom.y, geom.x, geom.y), radius_km)
            return _Zone(bounds=bounds, centre=centre, radius_km=radius_km, **common)
        raise ValueError(f"zone {common['zone_id']!r}: unsupported geometry {gtype}")

    @property
    def zone_ids(self) -> tuple[str, ...]:
        """Ids of all zones, in file order."""
        return tuple(dict.fromkeys(z.zone_id for z in self._zones))

    def agreement_ids(self, zone_id: str) -> tuple[str, ...]:
        """Agreement ids the GeoJSON attaches to a zone (empty when unknown)."""
        for z in self._zones:
            if z.zone_id == zone_id:
                return z.agreement_ids
        return ()

    def zones_at(self, lat: float, lon: float) -> list[ZoneHit]:
        """Zones that contain (lat, lon), boundary included."""
        key = (lat, lon)
        hits = self._hits_memo.get(key)
        if hits is None:
            hits = tuple(self._compute_zones_at(lat, lon))
            if len(self._hits_memo) >= _HITS_MEMO_SIZE:
                self._hits_memo.clear()
            self._hits_memo[key] = hits
        return list(hits)

    def _compute_zones_at(self, lat: float, lon: float) -> list[ZoneHit]:
        """:meth:`zones_at` without the memo."""
        hits: list[ZoneHit] = []
        for z in self._zones:
            minx, miny, maxx, maxy = z.bounds
            if not (minx <= lon <= maxx and miny <= lat <= maxy):
                continue
            edge = self._inside_edge_km(z, lat, lon)
            if edge is not None:
                hits.append(
                    ZoneHit(z.zone_id, z.name, edge <= NEAR_EDGE_KM, round(edge, 3), z.approximate)
                )
        return hits

    def _inside_edge_km(self, z: _Zone, lat: float, lon: float) -> float | None:
        """Distance (km) from an inside point to the zone edge, or None when outside."""
        if z.polygon is not None and z.boundary_m is not None:
            if not z.polygon.covers(Point(lon, lat)):
                return None
            x, y = self._to_metric.transform(lon, lat)
            return float(z.boundary_m.distance(Point(x, y))) / 1000.0
        if z.line_m is not None:
            x, y = self._to_metric.transform(lon, lat)
            d_km = float(z.line_m.distance(Point(x, y))) / 1000.0
            return z.buffer_km - d_km if d_km <= z.buffer_km else None
        if z.centre is not None:
            _, _, d_m = _GEOD.inv(z.centre[0], z.centre[1], lon, lat)
            d_km = d_m / 1000.0
            return z.radius_km - d_km if d_km <= z.radius_km else None
        return None
