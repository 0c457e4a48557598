"""The two edge models: straight in the local plane (the planner's) and straight in degrees (how PX4
and ArduPilot test a fence polygon). Small zones agree to millimetres; tens of kilometres do not."""

import math

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from geofence.edges import EDGE_TOLERANCE_M, EdgeModel, latlon_ring, ring_arrays, stored_deg
from geofence.fence import Fence, FencePolygon
from geofence.frames import LatLon, LocalFrame
from geofence.loaders import load_area
from tests.conftest import EXAMPLES
from tests.geometries import ORIGIN

FRAME = LocalFrame(ORIGIN)


def _rectangle(half_width_m: float, south_m: float, north_m: float) -> Fence:
    ring = [(-half_width_m, south_m), (half_width_m, south_m), (half_width_m, north_m)]
    ring.append((-half_width_m, north_m))
    vertices = tuple(FRAME.enu2geodetic(e, n) for e, n in ring)
    return Fence((FencePolygon.clockwise(vertices, inclusion=True),))


def _latlon_truth(fence: Fence, per_edge: int = 20_000) -> Polygon:
    """The autopilot's polygon drawn with far more points than the model uses."""
    lat, lon = ring_arrays(fence.polygons[0].vertices)
    t = np.arange(per_edge) / per_edge
    lats = (lat[:, None] + t * (np.roll(lat, -1)[:, None] - lat[:, None])).ravel()
    lons = (lon[:, None] + t * (np.roll(lon, -1)[:, None] - lon[:, None])).ravel()
    return Polygon(FRAME.geodetic2enu_many(lats, lons))


def test_a_50_km_edge_bows_metres_and_the_plan_takes_the_worse():
    """10 m inside the northern chord of a 50 km zone is 4.5 m outside the fence PX4 holds: a
    parallel runs south of the straight line between its ends."""
    fence = _rectangle(25_000.0, -2_000.0, 2_000.0)
    local = fence.in_frame(FRAME, EdgeModel.LOCAL)
    latlon = fence.in_frame(FRAME, EdgeModel.LATLON)
    both = fence.in_frame(FRAME)
    north_m = 2_000.0 - 10.0
    assert local.clearance_m(0.0, north_m) == pytest.approx(10.0, abs=0.01)
    assert latlon.clearance_m(0.0, north_m) == pytest.approx(-4.55, abs=0.05)
    assert both.clearance_m(0.0, north_m) == pytest.approx(latlon.clearance_m(0.0, north_m))
    assert not both.contains(0.0, north_m)
    # the southern edge bows the other way, outwards: there the local chord is the worse
    south_m = -2_000.0 + 10.0
    assert latlon.clearance_m(0.0, south_m) > 20.0
    assert both.clearance_m(0.0, south_m) == pytest.approx(10.0, abs=0.01)


def test_the_drawn_curve_is_within_the_tolerance():
    fence = _rectangle(25_000.0, -2_000.0, 2_000.0)
    lat, lon = ring_arrays(fence.polygons[0].vertices)
    curve, bow_m = latlon_ring(lat, lon, FRAME)
    assert bow_m == pytest.approx(14.5, abs=0.2)
    truth = _latlon_truth(fence)
    assert Polygon(curve).hausdorff_distance(truth) <= EDGE_TOLERANCE_M
    assert len(curve) < 500  # dense only where the edges bow


def test_the_mukdahan_zone_agrees_to_millimetres():
    area = load_area(EXAMPLES / "area.geojson")
    zone = area.zones[0]
    fence = Fence((FencePolygon.clockwise(zone.exterior, inclusion=True),))
    frame = LocalFrame(area.home.latlon)
    local = fence.in_frame(frame, EdgeModel.LOCAL).allowed
    latlon = fence.in_frame(frame, EdgeModel.LATLON).allowed
    assert local.hausdorff_distance(latlon) < 0.005
    both = fence.in_frame(frame).allowed
    assert local.buffer(1e-9).covers(both)
    assert latlon.buffer(1e-9).covers(both)


def test_every_point_of_the_worse_is_inside_both_by_its_clearance():
    fence = _rectangle(25_000.0, -2_000.0, 2_000.0)
    both = fence.in_frame(FRAME)
    truth = _latlon_truth(fence)
    local = Polygon(FRAME.geodetic2enu_many(*ring_arrays(fence.polygons[0].vertices)))
    rng = np.random.default_rng(3)
    points = rng.uniform([-25_000, 1_900], [25_000, 2_010], size=(400, 2))
    for e, n in points:
        clearance = both.clearance_m(e, n)
        for shape in (truth, local):
            inside = shape.covers(Point(e, n))
            if clearance > EDGE_TOLERANCE_M:
                assert inside
                assert shape.exterior.distance(Point(e, n)) >= clearance - EDGE_TOLERANCE_M


def test_vertices_are_where_the_vehicle_stores_them():
    """MISSION_ITEM_INT carries 1e-7 degree: a vertex drawn between two steps is held at one."""
    assert stored_deg(16.54240004) == pytest.approx(16.5424000)
    assert stored_deg(104.72460006) == pytest.approx(104.7246001)
    lat, lon = ring_arrays([LatLon(16.54240004, 104.72460006)] * 3)
    assert lat[0] * 1e7 == pytest.approx(round(lat[0] * 1e7), abs=1e-6)
    assert lon[0] == pytest.approx(104.7246001, abs=1e-12)


def test_a_leg_clear_in_the_local_plane_is_not_clear_in_px4s():
    fence = _rectangle(25_000.0, -2_000.0, 2_000.0)
    both = fence.in_frame(FRAME)
    leg = [(-20_000.0, 1_980.0), (20_000.0, 1_980.0)]
    local = fence.in_frame(FRAME, EdgeModel.LOCAL)
    assert local.line_clearance_m(leg) == pytest.approx(20.0, abs=0.01)
    assert both.line_clearance_m(leg) == pytest.approx(20.0 - 14.5, abs=0.2)
    truth = _latlon_truth(fence)
    assert truth.exterior.distance(LineString(leg)) == pytest.approx(
        both.line_clearance_m(leg), abs=EDGE_TOLERANCE_M
    )
    # the worse of the two: the northern edge as PX4 holds it, the southern as the chord
    lost_m2 = 2 / 3 * 14.5 * 50_000  # the area under a parabolic bow, on one side
    assert math.isclose(local.allowed.area - both.allowed.area, lost_m2, rel_tol=0.02)
    assert math.isclose(truth.area - both.allowed.area, lost_m2, rel_tol=0.02)
