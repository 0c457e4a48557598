"""The fence is the outline as drawn: every vertex kept (to 1e-9 degrees), nothing beyond the drawn
line (to 1e-7 degrees, what MAVLink's integer positions hold), sharp corners and notches too."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from geofence import AreaPolygon, LocalFrame, Role, fence_from_area
from geofence.areas import Area
from geofence.frames import LatLon
from tests.geometries import ORIGIN

FRAME = LocalFrame(ORIGIN)
MAVLINK_DEG = 1e-7


def _zone(xy: list[tuple[float, float]], name: str = "Zone A") -> AreaPolygon:
    return AreaPolygon(name, Role.ZONE, tuple(FRAME.enu2geodetic(e, n) for e, n in xy))


def _fence_polygons(*zones: AreaPolygon) -> list[tuple[LatLon, ...]]:
    area = Area("area.geojson", zones, (), None)
    fence = fence_from_area(area, zones, FRAME, ceiling_rel_m=90.0, margin_m=10.0)
    return [p.vertices for p in fence.polygons if p.inclusion]


def _lonlat(vertices: tuple[LatLon, ...]) -> Polygon:
    return Polygon([(v.lon_deg, v.lat_deg) for v in vertices])


def _same_vertices(outline: tuple[LatLon, ...], drawn: tuple[LatLon, ...]) -> bool:
    """The same vertices, each within 1e-9 degrees (the frames round-trip; MAVLink holds 1e-7)."""

    def near(a: LatLon, b: LatLon) -> bool:
        return abs(a.lat_deg - b.lat_deg) < 1e-9 and abs(a.lon_deg - b.lon_deg) < 1e-9

    kept = all(any(near(v, d) for d in drawn) for v in outline)
    return kept and all(any(near(d, v) for v in outline) for d in drawn)


@st.composite
def star_zones(draw: st.DrawFn) -> list[tuple[float, float]]:
    """Star-shaped outlines round home with sharp spikes and notches (2-40 degree corners)."""
    count = draw(st.integers(3, 24))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi), min_size=count, max_size=count)))
    radii = draw(st.lists(st.floats(20.0, 800.0), min_size=count, max_size=count))
    xy = [(r * math.cos(a), r * math.sin(a)) for a, r in zip(angles, radii, strict=True)]
    return list(dict.fromkeys(xy))


@settings(max_examples=60, deadline=None)
@given(star_zones())
def test_every_fence_vertex_is_drawn_and_nothing_reaches_beyond(xy):
    if len(xy) < 3 or not Polygon(xy).is_valid or Polygon(xy).area < 1.0:
        return
    zone = _zone(xy)
    if not _lonlat(zone.exterior).is_valid:  # build_ring refuses it in a file
        return
    [outline] = _fence_polygons(zone)
    assert _same_vertices(outline, zone.exterior)
    assert _lonlat(zone.exterior).buffer(MAVLINK_DEG).covers(_lonlat(outline))


def test_a_sharp_notch_gains_no_wedge_and_a_sharp_corner_keeps_its_vertex():
    # a 3-degree spike and a 4-degree notch: closing by a mitred buffer bevelled both
    xy = [(-200.0, -200.0), (200.0, -200.0), (200.0, 200.0), (0.0, 14.0), (-200.0, 200.0)]
    xy += [(-200.0, 0.0), (-1000.0, -10.0), (-200.0, -20.0)]
    zone = _zone(xy)
    [outline] = _fence_polygons(zone)
    assert _same_vertices(outline, zone.exterior)


def test_a_gap_under_half_a_metre_between_two_blocks_is_still_bridged():
    west = _zone([(-200.0, -100.0), (0.0, -100.0), (0.0, 100.0), (-200.0, 100.0)], "West")
    east = _zone([(0.3, -100.0), (200.0, -100.0), (200.0, 100.0), (0.3, 100.0)], "East")
    [outline] = _fence_polygons(west, east)
    drawn = _lonlat(west.exterior).union(_lonlat(east.exterior)).convex_hull
    assert drawn.buffer(MAVLINK_DEG).covers(_lonlat(outline))
