"""Approximate governorate areas for map context, from the places the gazetteer knows.

The project ships no governorate boundaries, but it ships some 500 Syrian places, each with
its governorate. Every point of the country is given the governorate of its nearest known
place (a Voronoi diagram of the places, merged per governorate and clipped to the country
outline). Where places are dense (the north-west, where nearly all events are) the lines
fall within a few kilometres of the real ones; across the desert they can be tens of
kilometres off. For drawing context on digest maps only, never for deciding where an
incident happened (the gazetteer's own governorate does that).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

# Coordinates closer than this (degrees, about 100 m) are one site for the diagram.
_SNAP = 0.001


def governorate_areas(
    places: Iterable[tuple[float, float, str]], country: BaseGeometry
) -> dict[str, BaseGeometry]:
    """Governorate name -> area inside `country`, from (lon, lat, governorate) places.

    Places outside `country` or without a governorate are ignored; when two places share a
    site the first one listed keeps it.
    """
    sites: dict[tuple[float, float], str] = {}
    for lon, lat, name in places:
        key = (round(lon / _SNAP) * _SNAP, round(lat / _SNAP) * _SNAP)
        if name and key not in sites and country.covers(Point(lon, lat)):
            sites[key] = name
    if len(sites) < 2:
        return {name: country for name in set(sites.values())}
    # ordered=True: the n-th cell belongs to the n-th site.
    cells = shapely.voronoi_polygons(
        MultiPoint(list(sites)), extend_to=country.envelope.buffer(1), ordered=True
    )
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for cell, name in zip(cells.geoms, sites.values(), strict=True):
        parts[name].append(cell)
    return {
        name: shapely.union_all(cells_of).intersection(country)
        for name, cells_of in sorted(parts.items())
    }
