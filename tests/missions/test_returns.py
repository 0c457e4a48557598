"""The autopilot's own returns: straight to the nearest of home and the rally points, checked on
plans and .plan files, kept clear by the planner, and flown at the altitude each autopilot means."""

import json

import numpy as np
import pytest

import missions.rally
from geofence import Fence, FenceCircle, FencePolygon, LatLon, LocalFrame, MavCmd, load_area
from missions import (
    Autopilot,
    PlanningError,
    check_mission,
    load_plan,
    load_spec,
    plan,
    plan_document,
    plan_file,
)
from missions.returns import blocked_returns, nearest, return_alt_rel_m, targets
from tests.geometries import (
    ORIGIN,
    collection,
    home_feature,
    point_feature,
    polygon_feature,
    square,
    write_area,
    write_spec,
)


def _helipad_area(tmp_path):
    """A 600 m square, home at its west, a 40 m circle exclusion east of home and a hot-spot
    beyond it: the straight return from the hot-spot to home crosses the circle."""
    doc = collection(
        polygon_feature(square(600.0, -100.0, -300.0)),
        home_feature(),
        point_feature(200.0, 0.0, "exclusion", "helipad", radius_m=40.0),
        point_feature(400.0, 0.0, "hotspot", "beyond"),
    )
    return write_area(tmp_path, doc)


def _helipad_plan(tmp_path, patrol='pattern = "points"'):
    area = _helipad_area(tmp_path)
    return plan(load_spec(write_spec(tmp_path, area, patrol=patrol)), load_area(area))


def _routes(p):
    return [[(0.0, 0.0), *(w.xy for w in s.waypoints)] for s in p.sorties]


def _all_targets(p):
    pts = [("home", (0.0, 0.0)), *((t.label, t.xy) for t in p.rally)]
    return targets(p.local_fence, pts, p.spec.margin_m)


def test_a_return_across_a_circle_gets_a_rally_point(tmp_path):
    p = _helipad_plan(tmp_path)
    added = [t for t in p.rally if t.label.endswith("(added)")]
    assert added
    assert all(p.local_fence.clearance_m(*t.xy) >= 10.0 for t in added)
    for route in _routes(p):
        assert blocked_returns(p.local_fence, route, _all_targets(p)) == []
    mission = p.missions[0]
    assert len(mission.rally) == len(p.rally)
    check_mission(mission)
    assert p.summary()["rally_points_added"] == len(added)


def test_without_room_for_rally_points_the_planner_refuses_naming_where(tmp_path, monkeypatch):
    monkeypatch.setattr(missions.rally, "MAX_RALLY_POINTS", dict.fromkeys(Autopilot, 0))
    with pytest.raises(PlanningError, match=r"return from 16\.\d{6}, 104\.\d{6} \(lat, lon\)"):
        _helipad_plan(tmp_path)


def test_a_plan_whose_return_crosses_an_exclusion_is_refused(tmp_path):
    mission = _helipad_plan(tmp_path).missions[0]
    doc = plan_document(mission)
    doc["rallyPoints"]["points"] = []
    path = tmp_path / "no-rally.plan"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        PlanningError,
        match=r"a return from (mission item|the leg to mission item) \d+ at 16\.\d+, 104\.\d+ "
        r"flies straight to home \(16\.542400, 104\.724600\) and crosses the fence",
    ):
        check_mission(load_plan(path))


def test_the_check_is_exact_between_waypoints():
    """Both ends of the leg see home past the circle; the middle does not."""
    frame = LocalFrame(ORIGIN)
    corners = [frame.enu2geodetic(e, n) for e, n in square(600.0, -300.0, -100.0)]
    centre = frame.enu2geodetic(0.0, 100.0)
    fence = Fence(
        (FencePolygon.clockwise(tuple(corners), inclusion=True),),
        (FenceCircle(LatLon(centre.lat_deg, centre.lon_deg), 20.0, inclusion=False),),
        margin_m=10.0,
    )
    local = fence.in_frame(frame)
    home = targets(local, [("home", (0.0, 0.0))], 10.0)
    assert blocked_returns(local, [(-150.0, 200.0)], home) == []
    assert blocked_returns(local, [(150.0, 200.0)], home) == []
    found = blocked_returns(local, [(-150.0, 200.0), (150.0, 200.0)], home)
    assert len(found) == 1
    assert found[0].leg == 0
    # the first point whose return comes within 30 m of the centre: 100 |x| / hypot(x, 200) = 30
    assert found[0].east_m == pytest.approx(-62.9, abs=1.0)
    assert found[0].north_m == pytest.approx(200.0)
    assert found[0].clearance_m < 10.0


@pytest.mark.parametrize("name", ["hotspots.toml", "patrol.toml", "perimeter.toml"])
def test_the_samples_plan_and_pass(examples, name):
    p = plan_file(examples / name)
    to = _all_targets(p)
    for route in _routes(p):
        assert blocked_returns(p.local_fence, route, to) == []
    xy = np.asarray([t.xy for t in to])
    for mission in p.missions:
        check_mission(mission)
        # the final RTL, from the last waypoint, heads home and not for a rally point
        last = [i for i in mission.items if i.command in (MavCmd.NAV_WAYPOINT, 19)][-1]
        index, _d = nearest(np.asarray([p.frame.geodetic2enu(last.x_lat_deg, last.y_lon_deg)]), xy)
        assert index[0] == 0


def test_the_hotspot_round_gets_a_rally_point_past_the_helipad(examples):
    """The reported case: the return from the school gate crossed the helipad's circle."""
    p = plan_file(examples / "hotspots.toml")
    assert p.rally[0].label == "rally point 1 (Government centre field)"
    assert any(t.label.endswith("(added)") for t in p.rally)
    # the field is nearer than home to the last corner of the routed way home: home is kept as
    # the last waypoint, so that the final RTL ends at home and not on the field
    mission = p.missions[0]
    last = mission.items[-2]
    assert last.command == MavCmd.NAV_WAYPOINT
    assert (last.x_lat_deg, last.y_lon_deg) == pytest.approx((16.5424, 104.7246), abs=1e-9)


def test_rally_altitudes_mean_what_each_autopilot_means(tmp_path):
    px4 = _helipad_plan(tmp_path)
    assert all(r.alt_rel_m == 0.0 for r in px4.missions[0].rally)  # the ground there
    apm = _helipad_plan(tmp_path, 'pattern = "points"\nautopilot = "ardupilot"')
    assert all(r.alt_rel_m == 40.0 for r in apm.missions[0].rally)  # the altitude it returns at
    for p in (px4, apm):
        mission = p.missions[0]
        assert return_alt_rel_m(mission.autopilot, mission.rally[0].alt_rel_m, 40.0) == 40.0
    bare = [m.__class__(**{**_fields(m), "rally": ()}) for m in (px4.missions[0], apm.missions[0])]
    assert bare[0].uploaded_rally()[0].alt_rel_m == 0.0
    assert bare[1].uploaded_rally()[0].alt_rel_m == 40.0
    assert bare[1].rally_items()[0].frame == 3  # relative to home


def _fields(mission):
    return {f: getattr(mission, f) for f in mission.__dataclass_fields__}


def test_a_px4_rally_altitude_that_lifts_the_return_above_the_ceiling_is_refused(tmp_path):
    doc = plan_document(_helipad_plan(tmp_path).missions[0])
    doc["rallyPoints"]["points"][0][2] = 60.0  # a cruise-like altitude: PX4 reads it as ground
    path = tmp_path / "high-rally.plan"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        PlanningError,
        match="rally point 1 makes the return fly at 100 m, above the fence ceiling of 90 m: "
        "PX4 reads its 60 m as the ground there",
    ):
        check_mission(load_plan(path))


def test_an_ardupilot_rally_altitude_above_the_ceiling_is_refused(tmp_path):
    doc = plan_document(
        _helipad_plan(tmp_path, 'pattern = "points"\nautopilot = "ardupilot"').missions[0]
    )
    doc["rallyPoints"]["points"][0][2] = 120.0
    path = tmp_path / "high-rally.plan"
    path.write_text(json.dumps(doc))
    with pytest.raises(PlanningError, match="ArduPilot returns at its altitude"):
        check_mission(load_plan(path))
