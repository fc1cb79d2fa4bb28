"""The small map's geometry (tracker.core.minimap): clipping to the box around the point,
projection to pixels, path data for areas with holes and for lines."""

from __future__ import annotations

from shapely.geometry import LineString, Polygon, box

from tracker.core.minimap import mini_map


def test_the_point_is_at_the_centre_and_far_shapes_are_dropped() -> None:
    near = box(35.0, 35.0, 37.0, 37.0)
    far = box(40.0, 33.0, 41.0, 34.0)
    m = mini_map(36.0, 36.0, [("near", near), ("far", far)], width=300, aspect=0.5)
    assert [a.name for a in m.areas] == ["near"]
    assert abs(m.point[0] - 150) < 0.01 and abs(m.point[1] - m.height / 2) < 0.51
    assert m.height == 150  # aspect 0.5 on the ground
    # the area fills the whole frame: its path is the frame's four corners
    assert m.areas[0].path.count("L") == 4 and m.areas[0].path.endswith("Z")
    assert m.areas[0].label_x is not None


def test_holes_lines_and_small_slivers() -> None:
    ring = Polygon(
        [(35.5, 35.5), (36.5, 35.5), (36.5, 36.5), (35.5, 36.5)],
        [[(35.9, 35.9), (36.1, 35.9), (36.1, 36.1), (35.9, 36.1)]],
    )
    line = LineString([(35.0, 36.0), (37.0, 36.0)])
    sliver = box(35.3, 35.6, 35.31, 35.61)
    m = mini_map(36.0, 36.0, [("ring", ring), ("sliver", sliver)], [("line", line)])
    ring_shape = next(a for a in m.areas if a.name == "ring")
    assert ring_shape.path.count("M") == 2  # outer ring and hole
    assert m.overlays[0].path.count("M") == 1 and not m.overlays[0].path.endswith("Z")
    sliver_shape = next(a for a in m.areas if a.name == "sliver")
    assert sliver_shape.label_x is None  # too small to write a name in
