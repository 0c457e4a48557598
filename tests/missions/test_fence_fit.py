"""Plans over fences too big for the autopilot, and over zones large enough for the two edge
models to differ: the fence is fitted to the store, and every leg keeps the margin both with the
fence's edges straight in the local plane and straight in latitude/longitude (how PX4 and
ArduPilot test them)."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from geofence import load_area
from geofence.capacity import fence_item_count
from geofence.edges import ring_arrays
from geofence.fence import Fence
from geofence.frames import LatLonPlane, LocalFrame
from missions import load_spec, plan
from missions.errors import PlanningError
from tests.geometries import (
    ORIGIN,
    collection,
    home_feature,
    point_feature,
    polygon_feature,
    real_like_outline,
    write_area,
    write_spec,
)

MARGIN_M = 10.0
#: The planner's free space keeps 2 mm beyond the margin; its lat/lon edges are drawn within
#: 1 mm; the checks below draw them far denser: 1 cm covers both and rounding.
SLACK_M = 0.01


def _edge_models(fence: Fence, frame: LocalFrame) -> list[tuple[Polygon, bool]]:
    """Each polygon of the fence drawn both ways, independently of the planner: straight in
    the local plane, and straight in degrees with 500 points an edge."""
    out = []
    for poly in fence.polygons:
        lat, lon = ring_arrays(poly.vertices)
        out.append((Polygon(frame.geodetic2enu_many(lat, lon)), poly.inclusion))
        t = np.arange(500) / 500
        lats = (lat[:, None] + t * (np.roll(lat, -1)[:, None] - lat[:, None])).ravel()
        lons = (lon[:, None] + t * (np.roll(lon, -1)[:, None] - lon[:, None])).ravel()
        out.append((Polygon(frame.geodetic2enu_many(lats, lons)), poly.inclusion))
    return out


def _assert_every_leg_keeps_the_margin(p, margin_m: float = MARGIN_M) -> None:
    shapes = _edge_models(p.fence, p.frame)
    for sortie in p.sorties:
        route = [(0.0, 0.0), *(w.xy for w in sortie.waypoints)]
        for a, b in itertools.pairwise(route):
            leg = LineString([a, b]) if a != b else Point(a)
            for shape, inclusion in shapes:
                if inclusion:
                    assert shape.covers(leg)
                else:
                    assert not shape.intersects(leg)
                assert shape.exterior.distance(leg) >= margin_m - SLACK_M


def _plane_polygon(plane, poly) -> Polygon:
    """The polygon as drawn (not rounded as stored: drawn and simplified are rounded alike)."""
    lat = np.array([v.lat_deg for v in poly.vertices])
    lon = np.array([v.lon_deg for v in poly.vertices])
    return Polygon(plane.latlon2xy(lat, lon))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    vertices=st.integers(300, 2_500),
    autopilot=st.sampled_from(["", 'autopilot = "px4"', 'autopilot = "ardupilot"']),
    pattern=st.sampled_from(["sweep", "perimeter"]),
    building=st.booleans(),
)
def test_an_outline_too_big_is_fitted_and_every_leg_keeps_the_margin(
    tmp_path_factory, seed, vertices, autopilot, pattern, building
):
    tmp = tmp_path_factory.mktemp("fit")
    outer = real_like_outline(seed, vertices, radius_m=350.0)
    features = [polygon_feature(outer), home_feature()]
    if building:
        ring = real_like_outline(seed + 1, 150, radius_m=40.0, center=(150.0, 120.0))
        if not Polygon(ring).buffer(30).contains(Point(0, 0)):
            features.append(polygon_feature(ring, role="exclusion", name="building"))
    area = write_area(tmp, collection(*features))
    spec = load_spec(
        write_spec(
            tmp,
            area,
            patrol=f'pattern = "{pattern}"\n{autopilot}',
            extra="[vehicle]\nbattery_wh = 2000.0\n",
        )
    )
    try:
        p = plan(spec, load_area(area))
    except PlanningError as exc:  # a bay narrower than twice the margin cut off: said plainly
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        assert "\n" not in refusal
        return
    capacity = spec.fence_capacity
    assert capacity.fits(p.fence)
    assert fence_item_count(p.fence) == p.fitted.items <= capacity.max_items
    assert p.fitted.items_drawn > capacity.max_items  # (the dissolve may merge a vertex or two)
    assert any("fence simplified from" in w for w in p.warnings)
    assert p.fitted.simplified
    plane = LatLonPlane(ORIGIN)  # where the autopilot's edges are straight
    for drawn, fitted in zip(p.fitted.drawn.polygons, p.fence.polygons, strict=True):
        before, after = _plane_polygon(plane, drawn), _plane_polygon(plane, fitted)
        if drawn.inclusion:
            assert before.buffer(1e-6).covers(after)
        else:
            assert after.buffer(1e-6).covers(before)
    _assert_every_leg_keeps_the_margin(p)
    assert p.min_clearance_m >= MARGIN_M - SLACK_M


def test_a_50_km_zone_keeps_the_margin_where_px4s_edge_bows_in(tmp_path):
    """Two hot-spots 20 m inside the northern edge of a 50 km zone, 40 km apart. The straight
    leg between them is 20 m inside the edge as the planner draws it, but only 5.5 m inside
    the edge PX4 holds (a parallel runs south of the straight line between its ends); the plan
    goes around, keeping 10 m from both."""
    north_m = 2_000.0
    zone = [(-25_000.0, -2_000.0), (25_000.0, -2_000.0), (25_000.0, north_m), (-25_000.0, north_m)]
    doc = collection(
        polygon_feature(zone),
        point_feature(0.0, north_m - 500.0, "home", "station"),
        point_feature(-20_000.0, north_m - 20.0, "hotspot", "west"),
        point_feature(20_000.0, north_m - 20.0, "hotspot", "east"),
    )
    area = write_area(tmp_path, doc)
    spec = load_spec(
        write_spec(
            tmp_path,
            area,
            patrol='pattern = "points"\nhotspots = ["west", "east"]\nautopilot = "px4"\n'
            "speed_mps = 20.0",
            extra="[vehicle]\nbattery_wh = 10000.0\n",
        )
    )
    p = plan(spec, load_area(area))
    frame = p.frame
    west, east = p.frame.geodetic2enu(*_spot(p, "west")), p.frame.geodetic2enu(*_spot(p, "east"))
    truth = [s for s, inclusion in _edge_models(p.fence, frame) if inclusion]
    straight = LineString([west, east])
    assert truth[0].exterior.distance(straight) == pytest.approx(20.0, abs=0.05)  # the chord
    assert truth[1].exterior.distance(straight) < MARGIN_M  # PX4's edge
    _assert_every_leg_keeps_the_margin(p)
    assert p.clearance_by_edges_m  # both reported
    assert min(p.clearance_by_edges_m.values()) >= MARGIN_M - SLACK_M


def _spot(p, name):
    spot = next(h for h in p.area.hotspots if h.name == name)
    return spot.position.lat_deg, spot.position.lon_deg
