"""The planner on the sample zone and on the bad inputs the issue lists."""

import itertools
import math

import pytest
from shapely.geometry import LineString, Point

from geofence import AreaError, FenceError, MavCmd, load_area
from missions import LegKind, PlanningError, load_spec, plan, plan_file
from missions.spec import Pattern
from tests.geometries import (
    CONCAVE_L,
    collection,
    home_feature,
    point_feature,
    polygon_feature,
    square,
    write_area,
    write_spec,
)


def _legs(p):
    for sortie in p.sorties:
        pts = [(0.0, 0.0), *(w.xy for w in sortie.waypoints)]
        yield from itertools.pairwise(pts)


def _assert_inside_by_margin(p, margin_m):
    free = p.local_fence.free_space(margin_m - 0.01)
    for a, b in _legs(p):
        if a == b:
            continue
        assert free.covers(LineString([a, b])), (a, b)
    assert p.min_clearance_m >= margin_m - 0.01


@pytest.fixture(scope="module")
def sweep_plan():
    from tests.conftest import EXAMPLES

    return plan_file(EXAMPLES / "patrol.toml")


def test_sample_sweep_figures(sweep_plan):
    s = sweep_plan.summary()
    assert s["coverage_pct"] >= 99.5
    assert s["min_clearance_m"] >= 10.0
    assert s["lane_spacing_m"] == pytest.approx(40 * 7.68 / 13 * 0.8, abs=0.01)
    assert s["sorties"] == len(sweep_plan.missions) >= 2
    assert all(pct <= 70.0 + 1e-6 for pct in s["sortie_battery_pct"])  # 25 % reserve, 5 % margin
    assert s["free_area_m2"] == pytest.approx(380_000, rel=0.05)
    _assert_inside_by_margin(sweep_plan, 10.0)


def test_sample_sweep_stays_out_of_the_river_and_helipad(sweep_plan):
    local = sweep_plan.local_fence
    legs = [(a, b) for a, b in _legs(sweep_plan) if a != b]
    assert legs
    for a, b in legs:
        assert not LineString([a, b]).intersects(local.exclusion)


def test_every_sortie_takes_off_and_returns(sweep_plan):
    for mission in sweep_plan.missions:
        assert mission.items[0].command == MavCmd.NAV_TAKEOFF
        assert mission.items[0].z_alt_m == 40.0
        assert mission.items[1].command == MavCmd.DO_CHANGE_SPEED
        assert mission.items[1].param2 == 8.0
        assert mission.items[-1].command == MavCmd.NAV_RETURN_TO_LAUNCH
        assert mission.fence == sweep_plan.fence
        # the area's rally point first, then those added to keep every return clear
        assert (mission.rally[0].lat_deg, mission.rally[0].lon_deg) == (16.5423, 104.7232)
        assert mission.rally == sweep_plan.missions[0].rally
        assert len(mission.rally) == len(sweep_plan.rally)
        assert all(r.alt_rel_m == 0.0 for r in mission.rally)  # PX4: the ground there


def test_sorties_fly_every_lane_exactly_once(sweep_plan):
    flown = [w for s in sweep_plan.sorties for w in s.waypoints if w.kind is LegKind.LANE]
    assert sweep_plan.lanes is not None
    ends = {
        (round(float(seg[1, 0]), 3), round(float(seg[1, 1]), 3))
        for seg in sweep_plan.lanes.segments
    }
    flown_ends = [(round(w.east_m, 3), round(w.north_m, 3)) for w in flown]
    assert set(flown_ends) == ends


def test_sortie_split_resumes_where_it_stopped(sweep_plan):
    firsts = [s.first_work_index for s in sweep_plan.sorties]
    counts = [s.work_count for s in sweep_plan.sorties]
    assert firsts[0] == 0
    for k in range(1, len(firsts)):
        assert firsts[k] == firsts[k - 1] + counts[k - 1]


def test_perimeter_loops_twice_clockwise(examples):
    p = plan_file(examples / "perimeter.toml")
    route = p.sorties[0].waypoints
    loop = p.free.exterior.length
    flown = sum(
        math.dist(a.xy, b.xy) for a, b in itertools.pairwise(route) if b.kind is LegKind.PERIMETER
    )
    # twice round, less the sharp corners cut by the run-on kept inside (`missions.turns`)
    assert 2 * loop * 0.98 < flown <= 2 * loop * 1.001
    legs = [w for w in route if w.kind is LegKind.PERIMETER]
    xy = [w.xy for w in legs[: len(legs) // 2]]
    signed = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(xy))
    assert signed < 0  # clockwise
    _assert_inside_by_margin(p, 10.0)


def test_points_visit_each_hotspot_with_a_loiter(examples):
    p = plan_file(examples / "hotspots.toml")
    loiters = [i for i in p.missions[0].items if i.command == MavCmd.NAV_LOITER_TIME]
    assert len(loiters) == 4
    assert all(i.param1 == 30.0 for i in loiters)
    _assert_inside_by_margin(p, 10.0)


# ---- bad input: one clear error, nothing planned -------------------------------------------


def _plan(tmp_path, doc, patrol="", extra=""):
    area = write_area(tmp_path, doc)
    spec = load_spec(write_spec(tmp_path, area, extra=extra, patrol=patrol))
    return plan(spec, load_area(area))


def test_home_outside_the_fence(tmp_path):
    doc = collection(polygon_feature(square(200, 100, 100)), home_feature())
    with pytest.raises(
        FenceError, match=r"home .* m outside the fence; the autopilot will not arm"
    ):
        _plan(tmp_path, doc)


def test_exclusion_covering_the_zone(tmp_path):
    doc = collection(
        polygon_feature(square(200)),
        polygon_feature(square(400, -100, -100), role="exclusion", name="Lake"),
        home_feature(),
    )
    with pytest.raises(PlanningError, match="exclusion 'Lake' covers the whole of zone 'Zone A'"):
        _plan(tmp_path, doc)


def test_exclusion_covering_one_of_two_zones_is_named(tmp_path):
    doc = collection(
        polygon_feature(square(200), name="Home block"),
        polygon_feature(square(100, 200, -50), name="Park"),
        polygon_feature(square(120, 190, -60), role="exclusion", name="Pond"),
        home_feature(),
    )
    with pytest.raises(PlanningError, match="exclusion 'Pond' covers the whole of zone 'Park'"):
        _plan(tmp_path, doc)


def test_zone_narrower_than_twice_the_margin(tmp_path):
    doc = collection(
        polygon_feature([(-5.0, -50.0), (10.0, -50.0), (10.0, 150.0), (-5.0, 150.0)], name="Alley"),
        home_feature(),
    )
    with pytest.raises(PlanningError, match="zone 'Alley' is narrower than twice the margin"):
        _plan(tmp_path, doc)


def test_spec_names_a_zone_the_area_lacks(tmp_path):
    doc = collection(polygon_feature(square(200)), home_feature())
    with pytest.raises(AreaError, match="has no zone named 'Zone B'; its zones are: 'Zone A'"):
        _plan(tmp_path, doc, patrol='zones = ["Zone B"]')


def test_no_home(tmp_path):
    with pytest.raises(AreaError, match="has no home point"):
        _plan(tmp_path, collection(polygon_feature(square(200))))


def test_hotspot_inside_the_margin(tmp_path):
    doc = collection(
        polygon_feature(square(200)), home_feature(), point_feature(-45.0, 50.0, "hotspot", "Gate")
    )
    with pytest.raises(
        PlanningError, match=r"hotspot 'Gate' is 5\.0 m from the fence, inside the 10 m"
    ):
        _plan(tmp_path, doc, patrol='pattern = "points"')


def test_home_in_the_margin_band_warns_and_departs_straight(tmp_path):
    doc = collection(polygon_feature(square(300, -5, -5)), home_feature())
    p = _plan(tmp_path, doc)
    assert any("home is within the 10 m margin" in w for w in p.warnings)
    assert 4.0 < p.min_clearance_m < 10.0


def test_concave_zone_sweep_stays_inside(tmp_path):
    doc = collection(polygon_feature(CONCAVE_L), home_feature())
    p = _plan(tmp_path, doc)
    assert p.spec.pattern is Pattern.SWEEP
    assert p.coverage_pct is not None
    assert p.coverage_pct >= 99.5
    _assert_inside_by_margin(p, 10.0)
    assert not any(
        Point(w.xy).within(p.local_fence.exclusion) for s in p.sorties for w in s.waypoints
    )


def test_disconnected_free_space_is_reported(tmp_path):
    # two blocks joined by a 12 m neck: with a 10 m margin the far block cannot be reached
    zone = [
        (-50.0, -50.0),
        (150.0, -50.0),
        (150.0, 0.0),
        (300.0, 0.0),
        (300.0, 12.0),
        (150.0, 12.0),
        (150.0, 150.0),
        (-50.0, 150.0),
    ]
    far = [(300.0, -100.0), (500.0, -100.0), (500.0, 100.0), (300.0, 100.0)]
    doc = collection(
        polygon_feature(zone, name="Near"), polygon_feature(far, name="Far"), home_feature()
    )
    p = _plan(tmp_path, doc)
    assert any("cannot be reached from home" in w for w in p.warnings)
    _assert_inside_by_margin(p, 10.0)


def test_loops_repeat_the_sweep_backwards(tmp_path):
    doc = collection(polygon_feature(square(200)), home_feature())
    one = _plan(tmp_path, doc)
    two = _plan(tmp_path, doc, patrol="loops = 2")
    lanes_one = sum(1 for s in one.sorties for w in s.waypoints if w.kind is LegKind.LANE)
    lanes_two = sum(1 for s in two.sorties for w in s.waypoints if w.kind is LegKind.LANE)
    assert lanes_two == 2 * lanes_one
    assert two.length_m < 2 * one.length_m  # the second pass starts where the first ended


def test_battery_too_small_for_one_leg(tmp_path):
    doc = collection(polygon_feature(square(2000)), home_feature())
    with pytest.raises(PlanningError, match="cannot be reached and left again on one battery"):
        _plan(tmp_path, doc, extra="[vehicle]\nbattery_wh = 2.0\n")


@pytest.mark.parametrize("name", ["patrol.toml", "perimeter.toml", "hotspots.toml"])
def test_every_sortie_leaves_a_margin_on_top_of_the_reserve(examples, name):
    """A fresh pack that reads 95 % flies sortie 1: each sortie plans at most the battery less
    the reserve and `SORTIE_MARGIN_PCT`."""
    from missions.energy import SORTIE_MARGIN_PCT

    p = plan_file(examples / name)
    vehicle = p.spec.vehicle
    for sortie in p.sorties:
        needed_pct = sortie.cost.energy_wh / vehicle.battery_wh * 100
        assert needed_pct + vehicle.reserve_pct <= 100 - SORTIE_MARGIN_PCT + 1e-9
