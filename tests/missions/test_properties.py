"""Properties over random areas: every waypoint and leg keeps the margin, and so does the
autopilot's straight return from every route point to its nearest home or rally point; lanes are
never wider apart than the footprint allows; .plan export -> import is lossless."""

import itertools
import math

import numpy as np
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from geofence import load_area
from missions import load_plan, load_spec, plan, plan_text
from missions.errors import PlanningError
from tests.geometries import collection, home_feature, polygon_feature, write_area, write_spec

HOME = Point(0.0, 0.0)
_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def star_polygon(draw, cx=0.0, cy=0.0, r_min=20.0, r_max=60.0, n_min=5, n_max=12):
    """A simple polygon: vertices at increasing angles around a centre, random radii."""
    n = draw(st.integers(n_min, n_max))
    radii = draw(st.lists(st.floats(r_min, r_max), min_size=n, max_size=n))
    jitter = draw(st.lists(st.floats(-0.3, 0.3), min_size=n, max_size=n))
    pts = []
    for k in range(n):
        a = 2 * math.pi * (k + 0.5 + jitter[k]) / n
        pts.append((cx + radii[k] * math.cos(a), cy + radii[k] * math.sin(a)))
    return pts


@st.composite
def zone_with_holes(draw):
    outer = draw(star_polygon(r_min=150.0, r_max=400.0, n_min=5, n_max=14))
    zone = Polygon(outer)
    holes = []
    for _ in range(draw(st.integers(0, 3))):
        cx = draw(st.floats(-250, 250))
        cy = draw(st.floats(-250, 250))
        hole = draw(star_polygon(cx=cx, cy=cy, r_min=10.0, r_max=40.0, n_min=3, n_max=8))
        shape = Polygon(hole)
        keeps_clear = shape.distance(HOME) > 30 and all(
            shape.distance(Polygon(h)) > 5 for h in holes
        )
        if zone.buffer(-5).contains(shape) and keeps_clear:
            holes.append(hole)
    return outer, holes


def _plan_for(tmp_path, outer, holes, patrol=""):
    zone = Polygon(outer)
    assume(zone.is_valid and zone.buffer(-30).contains(HOME))
    doc = collection(polygon_feature(outer, holes=holes), home_feature())
    area = write_area(tmp_path, doc)
    spec = load_spec(
        write_spec(tmp_path, area, patrol=patrol, extra="[vehicle]\nbattery_wh = 400.0\n")
    )
    try:
        return plan(spec, load_area(area))
    except PlanningError as exc:  # disconnected by holes, too many rally points: a clear refusal
        assume("no path" not in str(exc) and "the autopilot stores cannot keep" not in str(exc))
        raise


@_SETTINGS
@given(area=zone_with_holes(), pattern=st.sampled_from(["sweep", "perimeter"]))
def test_every_leg_keeps_the_margin(tmp_path, area, pattern):
    outer, holes = area
    p = _plan_for(tmp_path, outer, holes, patrol=f'pattern = "{pattern}"')
    allowed = p.local_fence.allowed
    for sortie in p.sorties:
        pts = [(0.0, 0.0), *(w.xy for w in sortie.waypoints)]
        for a, b in itertools.pairwise(pts):
            if a == b:
                continue
            leg = LineString([a, b])
            assert allowed.covers(leg)
            assert allowed.boundary.distance(leg) >= 10.0 - 0.01
    assert p.min_clearance_m >= 10.0 - 0.01
    _assert_returns_keep_the_margin(p, 10.0)


def _assert_returns_keep_the_margin(p, margin_m):
    """From every route point (every 2 m along every leg), the straight line to the nearest of
    home and the rally points stays inside the fence by the margin less 1 cm."""
    targets = np.array(
        [(0.0, 0.0), *(p.frame.geodetic2enu(r.lat_deg, r.lon_deg) for r in p.missions[0].rally)]
    )
    allowed = p.local_fence.allowed
    boundary = allowed.boundary
    shapely.prepare(boundary)
    for sortie in p.sorties:
        route = shapely.linestrings([(0.0, 0.0), *(w.xy for w in sortie.waypoints)])
        pts = shapely.get_coordinates(shapely.segmentize(route, 2.0))
        d = np.hypot(pts[:, None, 0] - targets[None, :, 0], pts[:, None, 1] - targets[None, :, 1])
        ends = targets[np.argmin(d, axis=1)]
        lines = shapely.linestrings(np.stack([pts, ends], axis=1))
        assert shapely.covers(allowed, lines).all()
        assert shapely.distance(boundary, lines).min() >= margin_m - 0.01


@_SETTINGS
@given(area=zone_with_holes(), overlap=st.floats(0.0, 0.6))
def test_lane_spacing_never_wider_than_the_footprint_allows(tmp_path, area, overlap):
    outer, holes = area
    p = _plan_for(tmp_path, outer, holes, patrol=f"side_overlap = {overlap}")
    assert p.lanes is not None
    limit = p.footprint.across_m * (1 - overlap)
    assert p.lanes.spacing_m <= limit + 1e-9
    a = math.radians(p.lanes.angle_deg)
    normal = (-math.sin(a), math.cos(a))
    offsets = sorted(
        # lanes flown: their ends moved in only along their lines (`missions.turns`)
        {round(seg[0, 0] * normal[0] + seg[0, 1] * normal[1], 6) for seg in p.lanes.segments}
    )
    gaps = [b - c for c, b in itertools.pairwise(offsets)]
    assert all(g <= limit + 1e-6 for g in gaps)


@_SETTINGS
@given(area=zone_with_holes())
def test_plan_export_import_is_lossless(tmp_path, area):
    outer, holes = area
    p = _plan_for(tmp_path, outer, holes)
    for mission in p.missions:
        path = tmp_path / f"{mission.name}.plan"
        path.write_text(plan_text(mission))
        back = load_plan(path)
        expected_fence = type(mission.fence)(
            mission.fence.polygons, mission.fence.circles, breach_return=mission.fence.breach_return
        )
        assert back.items == mission.items
        assert back.home == mission.home
        assert back.rally == mission.rally
        assert back.fence == expected_fence
        assert back.cruise_speed_mps == mission.cruise_speed_mps
        assert back.autopilot == mission.autopilot
