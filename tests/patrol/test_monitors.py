"""The controller's monitors as pure decisions."""

import pytest

from geofence.frames import LatLon, LocalFrame
from geofence.mavlink import MavCmd, MavItem
from missions.energy import VehicleModel
from patrol.estimate import Estimate
from patrol.monitors import (
    STALL_SLACK_S,
    Action,
    FenceView,
    energy_decision,
    energy_needed_pct,
    fence_decision,
    fence_view,
    item_allowances_s,
    progress_decision,
)
from tests.conftest import EXAMPLES

HOME = LatLon(16.5424, 104.7246)
FRAME = LocalFrame(HOME)


def _view(fence, east_m, north_m, vel_e=0.0, vel_n=0.0, sigma_m=0.0, raw=None):
    """The fence as the rule sees a vehicle whose filter sits at (east, north)."""
    est = Estimate(0.0, east_m, north_m, vel_e, vel_n, sigma_m, -100.0, sigma_m)
    return fence_view(fence, est, *(raw or (east_m, north_m)))


@pytest.fixture(scope="module")
def fence():
    from missions import plan_file

    plan = plan_file(EXAMPLES / "hotspots.toml")
    return plan.fence.in_frame(LocalFrame(plan.home.latlon))


def test_fence_quiet_well_inside(fence):
    assert fence_decision(_view(fence, 0.0, 0.0, vel_e=8.0), 10.0) is None


def _east_with_clearance(fence, clearance_m: float) -> float:
    """The point due east of home whose distance to the fence is `clearance_m` (bisection)."""
    lo, hi = 0.0, 2000.0  # home is inside, 2 km east is across the river
    for _ in range(60):
        mid = (lo + hi) / 2
        if fence.clearance_m(mid, 0.0) > clearance_m:
            lo = mid
        else:
            hi = mid
    return lo


def test_fence_acts_deep_in_the_margin(fence):
    e = _east_with_clearance(fence, 6.5)  # 3.5 m into a 10 m margin
    d = fence_decision(_view(fence, e, 0.0), 10.0)
    assert d is not None
    assert d.action is Action.RETURN
    assert "inside the 10 m margin" in d.reason


def test_fence_tolerance_grows_with_the_position_error(fence):
    e = _east_with_clearance(fence, 6.5)  # 3.5 m into the margin
    assert fence_decision(_view(fence, e, 0.0, sigma_m=0.0), 10.0) is not None  # 3 m
    assert fence_decision(_view(fence, e, 0.0, sigma_m=0.5), 10.0) is None  # 3 m + 4 sigma


def test_a_raw_fix_far_out_trips_whatever_the_filter_believes(fence):
    inside = _east_with_clearance(fence, 20.0)
    out = _east_with_clearance(fence, -1.0)  # the fix is outside; sigma 0: 3 m tolerance
    assert fence_decision(_view(fence, inside, 0.0, raw=(inside, 0.0)), 10.0) is None
    d = fence_decision(_view(fence, inside, 0.0, raw=(out, 0.0)), 10.0)
    assert d is not None
    assert d.reason.startswith("fix ")


def test_fence_predicts_a_breach_from_speed(fence):
    inside = _east_with_clearance(fence, 14.0)  # clear of the margin, but 10 m/s toward it
    assert fence_decision(_view(fence, inside, 0.0), 10.0) is None
    d = fence_decision(_view(fence, inside, 0.0, vel_e=10.0), 10.0)  # stops 10 m on
    assert d is not None
    assert "heading out of the fence" in d.reason
    along = fence_decision(_view(fence, inside, 0.0, vel_n=10.0), 10.0)
    assert along is None  # along the fence: the stopping point keeps its clearance


def test_energy_returns_when_home_plus_reserve_exceed_what_is_left():
    model = VehicleModel()
    assert energy_decision(60.0, 40.0, 800.0, model, 8.0) is None
    d = energy_decision(27.0, 40.0, 800.0, model, 8.0, "rally point 1")
    assert d is not None
    assert d.monitor == "energy"
    assert "rally point 1" in d.reason
    assert energy_needed_pct(model, 800.0, 40.0, 8.0) > model.reserve_pct


def _items():
    wp = [FRAME.enu2geodetic(0.0, 400.0), FRAME.enu2geodetic(400.0, 400.0)]
    return (
        MavItem(MavCmd.NAV_TAKEOFF, 3, 0.0, 0.0, 0.0, None, HOME.lat_deg, HOME.lon_deg, 40.0),
        MavItem(MavCmd.NAV_WAYPOINT, 3, 0.0, 0.0, 0.0, None, wp[0].lat_deg, wp[0].lon_deg, 40.0),
        MavItem(
            MavCmd.NAV_LOITER_TIME, 3, 30.0, 0.0, 0.0, None, wp[1].lat_deg, wp[1].lon_deg, 40.0
        ),
    )


def test_item_allowances_follow_legs_and_loiters():
    allow = item_allowances_s(_items(), 8.0)
    assert allow[1] == pytest.approx(2 * (400 / 8 + 40) + STALL_SLACK_S, rel=0.01)
    assert allow[2] == pytest.approx(2 * (400 / 8 + 40 + 30) + STALL_SLACK_S, rel=0.01)


def test_progress_holds_when_an_item_takes_far_too_long():
    allow = item_allowances_s(_items(), 8.0)
    assert progress_decision(1, allow[1] - 1, allow) is None
    d = progress_decision(1, allow[1] + 1, allow)
    assert d is not None
    assert d.action is Action.HOLD
    assert "no mission progress" in d.reason


def test_read_back_comparison_treats_unused_params_as_the_autopilot_does():
    from patrol.vehicle import item_difference

    sent = MavItem(MavCmd.NAV_WAYPOINT, 3, 0.0, 0.0, 0.0, None, HOME.lat_deg, HOME.lon_deg, 40.0)
    px4_back = MavItem(
        MavCmd.NAV_WAYPOINT, 3, 0.0, 0.0, 0.0, None, HOME.lat_deg, HOME.lon_deg, 40.0
    )
    ardupilot_back = MavItem(
        MavCmd.NAV_WAYPOINT, 3, 0.0, 0.0, 0.0, 0.0, HOME.lat_deg, HOME.lon_deg, 40.0
    )
    assert item_difference(sent, px4_back, None) is None  # NaN came back as NaN
    assert item_difference(sent, ardupilot_back, 0.0) is None  # sent as 0, came back 0
    assert item_difference(sent, ardupilot_back, None) == "param4 None came back as 0.0"
    moved = MavItem(
        MavCmd.NAV_WAYPOINT, 3, 0.0, 0.0, 0.0, None, HOME.lat_deg + 1e-4, HOME.lon_deg, 40.0
    )
    assert "position" in (item_difference(sent, moved, None) or "")


def test_at_a_mission_corner_the_stopping_point_is_held_to_the_fence_line():
    """What the real PX4 flew at a lane end planned at the margin: 11.2 m from the fence,
    4.8 m/s outward and turning; a straight projection stops 5.1 m from it."""
    lane_end = FenceView(11.2, 5.1, 4.8, 4.6, 11.2, 4.6, at_corner=True)
    assert fence_decision(lane_end, 10.0) is None
    # the same away from any waypoint (a vehicle heading out on its own): return
    heading_out = FenceView(11.2, 5.1, 4.8, 4.6, 11.2, 4.6, at_corner=False)
    assert fence_decision(heading_out, 10.0) is not None
    # and even at a corner, a stopping point past the fence line less its error returns
    assert fence_decision(FenceView(11.2, 3.0, 8.0, 4.6, 11.2, 4.6, at_corner=True), 10.0)
