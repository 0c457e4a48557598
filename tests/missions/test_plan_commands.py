"""Every positional command is held to the fence by the path it implies: legs, loiter circles,
spline bows, take-off, landing, reposition and landing-marker points."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from missions import PlanningError, check_mission, load_plan
from missions.paths import SPLINE_BOW
from tests.missions import qgc_fixtures as q

OUT_M = q.HALF_M + 190.0  # 190 m outside the square's east edge
T, R = q.takeoff, q.rtl

#: The fence as the vehicle stores it: vertices rounded to 1e-7 degree, about a centimetre.
STORED_M = 0.02


def _check(tmp_path, items, **kw):
    return check_mission(load_plan(q.write(tmp_path, q.plan(items, **kw))))


def _refusal(tmp_path, items, **kw) -> str:
    with pytest.raises(PlanningError) as info:
        _check(tmp_path, items, **kw)
    message = str(info.value)
    assert message.startswith(str(tmp_path / "qgc.plan") + ": mission item ")
    assert "\n" not in message
    return message


OUTSIDE = [
    (q.positional(16, OUT_M, 0.0, 40.0), "2: MAV_CMD 16 (NAV_WAYPOINT) lies outside the fence"),
    (q.positional(17, OUT_M, 0.0, 40.0), "2: MAV_CMD 17 (NAV_LOITER_UNLIM) lies outside"),
    (q.positional(18, OUT_M, 0.0, 40.0, p1=2.0), "2: MAV_CMD 18 (NAV_LOITER_TURNS) lies outside"),
    (q.positional(19, OUT_M, 0.0, 40.0, p1=30.0), "2: MAV_CMD 19 (NAV_LOITER_TIME) lies outside"),
    (q.positional(31, OUT_M, 0.0, 40.0), "2: MAV_CMD 31 (NAV_LOITER_TO_ALT) lies outside"),
    (q.positional(82, OUT_M, 0.0, 40.0), "2: MAV_CMD 82 (NAV_SPLINE_WAYPOINT) lies outside"),
    (q.positional(21, OUT_M, 0.0, 0.0), "2: MAV_CMD 21 (NAV_LAND) lands outside the fence"),
    (q.positional(192, OUT_M, 0.0, 40.0, mode=None), "2: MAV_CMD 192 (DO_REPOSITION) lies out"),
    (
        q.positional(189, OUT_M, 0.0, 0.0, mode=None),
        "2: MAV_CMD 189 (DO_LAND_START) marks a landing sequence 190.0 m outside the fence",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), OUTSIDE)
def test_each_positional_command_190_m_outside_is_refused(tmp_path, raw, expected):
    message = _refusal(tmp_path, [T(), raw, R()])
    assert expected in message
    assert "190.0 m" in message


def test_a_take_off_point_outside_is_refused(tmp_path):
    message = _refusal(tmp_path, [q.positional(22, OUT_M, 0.0, 40.0), R()])
    assert "mission item 1: MAV_CMD 22 (NAV_TAKEOFF) lies outside the fence (190.0 m out)" in (
        message
    )


def test_every_accepted_command_inside_passes(tmp_path):
    items = [
        T(),
        q.speed(5.0),
        q.positional(16, 50.0, 0.0, 40.0, p1=5.0),
        q.positional(17, 60.0, 60.0, 40.0, p3=20.0),
        q.positional(18, -60.0, 60.0, 40.0, p1=2.0, p3=-20.0),
        q.positional(19, -60.0, -60.0, 40.0, p1=30.0),
        q.positional(31, 0.0, -60.0, 50.0, p2=15.0),
        q.positional(82, 30.0, -30.0, 50.0),
        q.positional(192, 0.0, 30.0, 45.0, mode=None, p1=-1.0),
        q.item(206, 2, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        q.positional(189, 0.0, 20.0, 0.0, mode=None),
        q.positional(21, 0.0, 10.0, 0.0),
    ]
    report = _check(tmp_path, items)
    assert report.nav_items == 10
    # the spline may rise 8/27 of the altitude span (40 to 50 m) above its higher end
    assert report.max_alt_rel_m == pytest.approx(50.0 + 8.0 / 27.0 * 10.0)
    assert report.min_clearance_m > 0


@pytest.mark.parametrize("radius", [40.0, -40.0])
def test_a_loiter_circle_is_held_to_the_fence_whichever_way_it_turns(tmp_path, radius):
    loiter = q.positional(18, q.HALF_M - 30.0, 0.0, 40.0, p1=2.0, p3=radius)
    message = _refusal(tmp_path, [T(), loiter, R()])
    assert (
        "mission item 2: MAV_CMD 18 (NAV_LOITER_TURNS) circles 40 m around its point (its radius "
        "param3), reaching 10.0 m beyond the fence" in message
    )


def test_loiter_to_altitude_takes_its_radius_from_param2(tmp_path):
    loiter = q.positional(31, q.HALF_M - 30.0, 0.0, 40.0, p2=45.0, p3=0.0)
    message = _refusal(tmp_path, [T(), loiter, R()])
    assert "circles 45 m around its point (its radius param2), reaching 15.0 m beyond" in message


def test_radius_0_is_the_autopilots_own(tmp_path):
    """ArduCopter flies LOITER_TURNS at CIRCLE_RADIUS (10 m unless set); PX4 holds a multicopter
    at the point."""
    loiter = q.positional(18, q.HALF_M - 5.0, 0.0, 40.0, p1=1.0, p3=0.0)
    message = _refusal(tmp_path, [T(), loiter, R()], firmware=3)
    assert (
        "circles 10 m around its point (ArduCopter's default CIRCLE_RADIUS, as the radius is 0), "
        "reaching 5.0 m beyond the fence" in message
    )
    assert _check(tmp_path, [T(), loiter, R()], firmware=12).min_clearance_m == pytest.approx(
        5.0, abs=STORED_M
    )
    hold = q.positional(19, q.HALF_M - 5.0, 0.0, 40.0, p1=30.0, p3=0.0)
    assert _check(tmp_path, [T(), hold, R()], firmware=3).min_clearance_m == pytest.approx(
        5.0, abs=STORED_M
    )


def test_a_spline_leg_near_the_fence_is_refused_for_its_bow(tmp_path):
    along = q.HALF_M - 10.0
    items = [T(), q.waypoint(-150.0, along), q.positional(82, 150.0, along, 40.0), R()]
    message = _refusal(tmp_path, items)
    bow_m = SPLINE_BOW * 300.0
    assert f"mission item 3: MAV_CMD 82 (NAV_SPLINE_WAYPOINT) may bow up to {bow_m:.1f} m" in (
        message
    )
    items[2] = q.waypoint(150.0, along)
    assert _check(tmp_path, items).min_clearance_m == pytest.approx(10.0, abs=STORED_M)


def test_a_short_spline_in_the_middle_passes(tmp_path):
    items = [T(), q.waypoint(-20.0, 0.0), q.positional(82, 20.0, 0.0, 40.0), R()]
    report = _check(tmp_path, items)
    assert report.min_clearance_m > q.HALF_M - 30.0 - SPLINE_BOW * 40.0


def test_a_spline_climbing_between_altitudes_may_pass_the_ceiling(tmp_path):
    items = [
        T(80.0),
        q.waypoint(0.0, 50.0, 40.0),
        q.positional(82, 100.0, 50.0, 80.0),
        R(),
    ]
    message = _refusal(tmp_path, items)
    assert "mission item 3: MAV_CMD 82 (NAV_SPLINE_WAYPOINT) may climb to 91.9 m on its curve" in (
        message
    )


def test_zero_zero_is_here_on_ardupilot_and_for_loiter_to_altitude(tmp_path):
    here = q.positional(16, 0.0, 0.0, 50.0)
    here["params"][4:6] = [0.0, 0.0]
    assert _check(tmp_path, [T(), q.waypoint(50.0, 50.0), here, R()], firmware=3)
    message = _refusal(tmp_path, [T(), q.waypoint(50.0, 50.0), here, R()], firmware=12)
    assert "(latitude and longitude 0, 0: PX4 flies to that point" in message
    climb = q.positional(31, 0.0, 0.0, 60.0)
    climb["params"][4:6] = [0.0, 0.0]
    assert _check(tmp_path, [T(), q.waypoint(50.0, 50.0), climb, R()], firmware=12)
    marker = q.positional(189, 0.0, 0.0, 0.0, mode=None)
    marker["params"][4:6] = [0.0, 0.0]
    assert _check(tmp_path, [T(), marker, q.waypoint(50.0, 50.0), R()], firmware=12)


def test_a_leg_across_an_exclusion_is_refused(tmp_path):
    keep_out = {"circle": {"center": list(q.at(0.0, 100.0)), "radius": 20.0}, "inclusion": False}
    items = [T(), q.waypoint(0.0, 180.0), R()]
    message = _refusal(tmp_path, items, circles=[{**keep_out, "version": 1}])
    assert "mission item 2: MAV_CMD 16 (NAV_WAYPOINT) reaches it across the fence" in message


# the property: whatever the command and wherever its point, a mission that passes keeps every
# point of every leg and every loiter circle inside the fence
SQUARE = Polygon([(-q.HALF_M, -q.HALF_M), (q.HALF_M, -q.HALF_M), (q.HALF_M, q.HALF_M),
                  (-q.HALF_M, q.HALF_M)]).buffer(1e-3)  # fmt: skip
LOITERS = {17: 3, 18: 3, 19: 3, 31: 2}


def _samples(start, end, radius_m):
    """Points along the leg start -> end and around a circle of radius_m at end."""
    line = LineString([start, end])
    along = [line.interpolate(t, normalized=True) for t in (i / 20 for i in range(21))]
    around = [
        Point(end[0] + radius_m * math.cos(a), end[1] + radius_m * math.sin(a))
        for a in (2 * math.pi * i / 48 for i in range(48))
    ]
    return along + (around if radius_m > 0 else [])


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from([16, 17, 18, 19, 31, 82, 21, 22, 192]),
    east_m=st.floats(-260.0, 260.0),
    north_m=st.floats(-260.0, 260.0),
    radius_m=st.floats(-80.0, 80.0),
    firmware=st.sampled_from([3, 12]),
    before=st.tuples(st.floats(-190.0, 190.0), st.floats(-190.0, 190.0)),
)
def test_no_positional_item_outside_the_fence_passes(
    tmp_path, command, east_m, north_m, radius_m, firmware, before
):
    assume(math.hypot(east_m, north_m) > 1.0)  # 0, 0 is "here" on ArduPilot
    params = {"p1": 1.0}
    if command in LOITERS:
        params[f"p{LOITERS[command]}"] = radius_m
    raw = q.positional(command, east_m, north_m, 0.0 if command == 21 else 40.0, **params)
    items = [T(), q.waypoint(*before), raw, R()]
    try:
        _check(tmp_path, items, firmware=firmware)
    except PlanningError:
        return
    radius = abs(radius_m) if command in LOITERS else 0.0
    if command in LOITERS and radius == 0.0 and command == 18 and firmware == 3:
        radius = 10.0
    start = (0.0, 0.0) if command == 22 else before
    for point in _samples(start, (east_m, north_m), radius):
        assert SQUARE.contains(point), (command, point)
