"""Rally points and circles through every path: a .plan checked as it is, and a .plan or GeoJSON
area planned by a spec. A rally point outside the fence is refused by name, a rally altitude a
.plan gives is kept, and an inclusion circle stays a circle end to end."""

from __future__ import annotations

import json

import pytest

from geofence import AreaError
from missions import PlanningError, check_mission, load_plan, plan_file, plan_text
from missions.qgc import plan_document
from tests.geometries import point_feature, polygon_feature, square
from tests.missions import qgc_fixtures as q


def _spec(tmp_path, area: str, pattern: str = "perimeter", autopilot: str = "px4"):
    path = tmp_path / "patrol.toml"
    path.write_text(
        f'[patrol]\narea = "{area}"\npattern = "{pattern}"\nautopilot = "{autopilot}"\n'
        "margin_m = 10.0\n"
    )
    return path


def test_a_rally_point_outside_a_plans_fence_is_refused_by_name(tmp_path):
    items = [q.takeoff(), q.waypoint(50.0, 50.0), q.rtl()]
    outside = [*q.at(q.HALF_M + 150.0, 0.0), 0.0]
    mission = load_plan(q.write(tmp_path, q.plan(items, rally=[[*q.at(0, 50), 0.0], outside])))
    with pytest.raises(PlanningError) as info:
        check_mission(mission)
    assert str(info.value).startswith(f"{tmp_path / 'qgc.plan'}: rally point 2 (16.")
    assert "lies 150.0 m outside the fence; move it inside in QGroundControl's Rally tab" in str(
        info.value
    )


def test_a_rally_point_in_an_exclusion_is_refused(tmp_path):
    keep_out = {"circle": {"center": list(q.at(100.0, 0.0)), "radius": 30.0}, "inclusion": False}
    doc = q.plan(
        [q.takeoff(), q.waypoint(-50.0, 50.0), q.rtl()],
        rally=[[*q.at(100.0, 10.0), 0.0]],
        circles=[keep_out],
    )
    with pytest.raises(PlanningError, match=r"rally point 1 \(.*\) lies inside an exclusion"):
        check_mission(load_plan(q.write(tmp_path, doc)))


def test_a_geojson_rally_point_outside_the_patrolled_zones_is_refused(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            polygon_feature(square(300)),
            point_feature(0, 0, "home", name="station"),
            point_feature(100, 100, "rally", name="field"),
            point_feature(500, 100, "rally", name="market"),
        ],
    }
    (tmp_path / "area.geojson").write_text(json.dumps(doc))
    with pytest.raises(AreaError) as info:
        plan_file(_spec(tmp_path, "area.geojson"))
    assert str(info.value).startswith(
        f"{tmp_path / 'area.geojson'}: rally point 2 (market): lies 250.0 m outside the fence of "
        "the zones patrolled: returns to it would cross the fence; move it inside"
    )


def _plan_area(tmp_path, rally, *, circle: bool = False):
    """A .plan used as the area of a spec: its fence, home and rally points."""
    circles = []
    polygons = None
    if circle:
        circles = [{"circle": {"center": list(q.at(0.0, 0.0)), "radius": 150.0}, "inclusion": True}]
        polygons = []
    doc = q.plan([q.takeoff(), q.rtl()], rally=rally, circles=circles, polygons=polygons)
    q.write(tmp_path, doc, "area.plan")
    return _spec(tmp_path, "area.plan")


def test_rally_altitudes_a_plan_gives_are_kept(tmp_path):
    planned = plan_file(_plan_area(tmp_path, [[*q.at(60.0, 60.0), 5.0]]))
    given = [r for r in planned.missions[0].rally if r.alt_rel_m == 5.0]
    assert len(given) == 1
    assert given[0].lat_deg == pytest.approx(q.at(60.0, 60.0)[0])


def test_a_plans_rally_altitude_that_lifts_the_return_over_the_ceiling_is_refused(tmp_path):
    with pytest.raises(AreaError) as info:
        plan_file(_plan_area(tmp_path, [[*q.at(60.0, 60.0), 60.0]]))
    assert (
        "area.plan: rally point 1: makes the return fly at 100 m, above the fence ceiling of 90 "
        "m: PX4 reads its 60 m as the ground there" in str(info.value)
    )


def test_an_inclusion_circle_stays_a_circle_end_to_end(tmp_path):
    planned = plan_file(_plan_area(tmp_path, [], circle=True))
    mission = planned.missions[0]
    assert mission.fence.polygons == ()
    (circle,) = mission.fence.circles
    assert circle.inclusion
    assert circle.radius_m == 150.0
    doc = plan_document(mission)
    assert doc["geoFence"]["polygons"] == []
    assert doc["geoFence"]["circles"][0]["inclusion"] is True
    assert doc["geoFence"]["circles"][0]["circle"]["radius"] == 150.0
    path = tmp_path / "out.plan"
    path.write_text(plan_text(mission))
    back = load_plan(path)
    assert back.fence.circles == mission.fence.circles
    check_mission(back)


def test_a_circle_touching_another_zone_is_dissolved_with_it(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            polygon_feature(square(300)),
            point_feature(250, 100, "zone", name="pad", radius_m=60.0),
            point_feature(0, 0, "home", name="station"),
        ],
    }
    (tmp_path / "area.geojson").write_text(json.dumps(doc))
    mission = plan_file(_spec(tmp_path, "area.geojson")).missions[0]
    assert [c for c in mission.fence.circles if c.inclusion] == []
    assert len([p for p in mission.fence.polygons if p.inclusion]) == 1
