"""Fitting a fence into an autopilot's store, on random real-like outlines (concave, hundreds to
thousands of vertices): the simplified inclusion lies inside the drawn one, the simplified
exclusions contain the drawn ones, it fits the store, and home is never cut off."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from geofence.capacity import ANY_AUTOPILOT, CAPACITY, Autopilot, fence_item_count
from geofence.errors import FenceError
from geofence.fence import Fence, FenceCircle, FencePolygon, RallyPoint
from geofence.frames import LatLonPlane, LocalFrame
from geofence.simplify import fit_fence
from tests.geometries import ORIGIN, real_like_outline

FRAME = LocalFrame(ORIGIN)
#: Containment is exact for kept vertices; a point where two extended edges meet is computed in
#: floating point, so it is held to a micrometre.
TOLERANCE_M = 1e-6
CAPACITIES = [
    CAPACITY[Autopilot.PX4],
    CAPACITY[Autopilot.ARDUPILOT],
    ANY_AUTOPILOT,
    CAPACITY[Autopilot.PX4].with_max_items(15),  # a memory-constrained board
    CAPACITY[Autopilot.ARDUPILOT].with_max_items(600),  # an SD card: the 255 a polygon counts
]


def _fence_polygon(xy, inclusion):
    return FencePolygon.clockwise(tuple(FRAME.enu2geodetic(e, n) for e, n in xy), inclusion)


@st.composite
def drawn_fences(draw):
    """A real-like zone of 200 to 3,000 vertices, and up to three exclusions of 20 to 600 (a
    building inside, a river across the edge), maybe a helipad circle and a return point."""
    seed = draw(st.integers(0, 10_000))
    vertices = draw(st.integers(200, 3_000))
    radius_m = draw(st.sampled_from([300.0, 2_000.0, 20_000.0]))
    polygons = [_fence_polygon(real_like_outline(seed, vertices, radius_m), True)]
    for k in range(draw(st.integers(0, 3))):
        angle = draw(st.floats(0, 2 * np.pi))
        reach = draw(st.floats(0.3, 1.1)) * radius_m
        center = (reach * np.cos(angle), reach * np.sin(angle))
        size = draw(st.floats(0.05, 0.3)) * radius_m
        ring = real_like_outline(seed + 1 + k, draw(st.integers(20, 600)), size, center)
        if not Polygon(ring).buffer(radius_m * 0.02).contains(Point(0.0, 0.0)):
            polygons.append(_fence_polygon(ring, False))
    circles = ()
    if draw(st.booleans()):
        circles = (FenceCircle(FRAME.enu2geodetic(radius_m / 3, 0.0), radius_m / 20, False),)
    breach = RallyPoint(ORIGIN.lat_deg, ORIGIN.lon_deg, 30.0) if draw(st.booleans()) else None
    return Fence(tuple(polygons), circles, breach_return=breach)


def _plane_polygon(plane: LatLonPlane, polygon: FencePolygon) -> Polygon:
    lat = np.array([v.lat_deg for v in polygon.vertices])
    lon = np.array([v.lon_deg for v in polygon.vertices])
    return Polygon(plane.latlon2xy(lat, lon))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fence=drawn_fences(), capacity=st.sampled_from(CAPACITIES))
def test_simplified_fence_fits_and_never_allows_more(fence, capacity):
    fitted = fit_fence(fence, capacity, protect=[ORIGIN])
    out = fitted.fence
    assert fitted.items == fence_item_count(out) <= capacity.max_items
    assert capacity.fits(out)
    assert out.circles == fence.circles
    assert out.breach_return == fence.breach_return
    # in the latitude/longitude plane: the edges as the autopilot tests them
    plane = LatLonPlane(ORIGIN)
    home = Point(0.0, 0.0)
    for drawn, simple in zip(fence.polygons, out.polygons, strict=True):
        before, after = _plane_polygon(plane, drawn), _plane_polygon(plane, simple)
        assert after.is_valid
        assert simple.inclusion == drawn.inclusion
        if drawn.inclusion:
            assert before.buffer(TOLERANCE_M).covers(after)
            assert after.covers(home)
            assert set(simple.vertices) <= set(drawn.vertices)  # drawn vertices, unmoved
        else:
            assert after.buffer(TOLERANCE_M).covers(before)
            assert not after.intersects(home)


def test_a_fence_that_fits_is_left_as_drawn():
    ring = real_like_outline(1, 60)
    fence = Fence((_fence_polygon(ring, True),))
    fitted = fit_fence(fence, CAPACITY[Autopilot.PX4])
    assert fitted.fence is fence
    assert not fitted.simplified


def test_a_thousand_vertices_lose_little_area():
    """A park outline of 1,075 vertices fitted into PX4's 64 items."""
    fence = Fence((_fence_polygon(real_like_outline(3, 1_075), True),))
    fitted = fit_fence(fence, CAPACITY[Autopilot.PX4], protect=[ORIGIN])
    assert (fitted.items_drawn, fitted.items) == (1_075, 64)
    plane = LatLonPlane(ORIGIN)
    lost = 1 - (
        _plane_polygon(plane, fitted.fence.polygons[0]).area
        / _plane_polygon(plane, fence.polygons[0]).area
    )
    assert 0 < lost < 0.05


def test_too_many_polygons_for_the_store_is_one_line():
    squares = [
        [(x, y), (x + 10, y), (x + 10, y + 10), (x, y + 10)]
        for x in range(0, 500, 20)
        for y in (0, 40)
    ]
    fence = Fence(tuple(_fence_polygon(sq, k == 0) for k, sq in enumerate(squares)))
    with pytest.raises(FenceError) as info:
        fit_fence(fence, CAPACITY[Autopilot.PX4])
    message = str(info.value)
    assert "\n" not in message
    assert "50 polygons" in message
    assert "150 items" in message
    assert "PX4's 64" in message
