"""A .plan's ceiling: --ceiling, else the one the plan carries, else patrol's default, said."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from geofence import AreaError, load_area
from geofence.qgcplan import CEILING_KEY
from missions import CeilingSource, PlanningError, check_mission, load_spec, plan, read_plan
from missions.qgc import mission_from_document, plan_document, plan_text
from tests.missions import qgc_fixtures as q


def _items(alt_m: float = 40.0):
    return [q.takeoff(alt_m), q.waypoint(50.0, 50.0, alt_m), q.rtl()]


def test_a_qgroundcontrol_plan_gets_the_default_and_says_so(tmp_path):
    read = read_plan(q.write(tmp_path, q.plan(_items())))
    assert read.ceiling.source is CeilingSource.DEFAULT
    assert read.mission.fence.ceiling_rel_m == 90.0
    assert "patrol's default" in read.ceiling.describe()
    assert "give --ceiling METRES" in read.ceiling.describe()


def test_the_option_sets_what_the_plan_is_checked_and_flown_with(tmp_path):
    path = q.write(tmp_path, q.plan(_items(70.0)))
    read = read_plan(path, ceiling_rel_m=120.0)
    assert read.ceiling.source is CeilingSource.OPTION
    assert read.mission.fence.ceiling_rel_m == 120.0
    assert check_mission(read.mission).max_alt_rel_m == 70.0
    low = read_plan(path, ceiling_rel_m=60.0)
    with pytest.raises(PlanningError, match=r"flies at 70 m, above the fence ceiling of 60 m; "):
        check_mission(low.mission)


def test_patrol_writes_its_ceiling_into_the_plan_and_reads_it_back(tmp_path, examples):
    spec = load_spec(examples / "hotspots.toml")
    mission = plan(replace(spec, ceiling_rel_m=60.0), load_area(spec.area_path)).missions[0]
    doc = plan_document(mission)
    assert doc["geoFence"][CEILING_KEY] == 60.0
    path = tmp_path / "own.plan"
    path.write_text(plan_text(mission))
    read = read_plan(path)
    assert read.ceiling.source is CeilingSource.PLAN
    assert read.mission.fence.ceiling_rel_m == 60.0
    assert read.mission.fence.polygons == mission.fence.polygons
    # a flight log keeps the mission as this document: --resume flies under the same ceiling
    back = mission_from_document(json.loads(json.dumps(doc)), "log", "f1")
    assert back.fence.ceiling_rel_m == 60.0
    assert read_plan(path, ceiling_rel_m=75.0).mission.fence.ceiling_rel_m == 75.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("60", 'the ceiling must be a number, got the string "60"; write 60 without quotes'),
        (5000.0, "5000 m is out of range; a ceiling above home is 2 to 1000 m"),
    ],
)
def test_a_ceiling_in_the_plan_must_be_a_number_in_range(tmp_path, value, expected):
    doc = q.plan(_items())
    doc["geoFence"][CEILING_KEY] = value
    with pytest.raises(AreaError) as info:
        read_plan(q.write(tmp_path, doc))
    assert f"geoFence {CEILING_KEY}: {expected}" in str(info.value)
