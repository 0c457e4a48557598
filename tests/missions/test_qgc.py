import json

import pytest

from geofence import AreaError, MavCmd
from missions import PlanningError, check_mission, load_plan, plan_document, plan_file, plan_text


@pytest.fixture(scope="module")
def hotspot_plan():
    from tests.conftest import EXAMPLES

    return plan_file(EXAMPLES / "hotspots.toml")


def test_document_has_all_three_sections(hotspot_plan):
    doc = plan_document(hotspot_plan.missions[0])
    assert doc["fileType"] == "Plan"
    assert doc["version"] == 1
    assert doc["geoFence"]["version"] == 2
    assert doc["rallyPoints"]["version"] == 2
    mission = doc["mission"]
    assert mission["version"] == 2
    assert mission["firmwareType"] == 12
    assert mission["plannedHomePosition"] == pytest.approx([16.5424, 104.7246, 140.0])
    first = mission["items"][0]
    assert first["type"] == "SimpleItem"
    assert first["command"] == 22
    assert first["frame"] == 3
    assert first["Altitude"] == 40.0
    assert first["AltitudeMode"] == 1
    assert first["params"][3] is None  # yaw: keep heading
    assert [i["doJumpId"] for i in mission["items"]] == list(range(1, len(mission["items"]) + 1))
    assert mission["items"][-1]["command"] == 20
    inclusion = [p for p in doc["geoFence"]["polygons"] if p["inclusion"]]
    ring = inclusion[0]["polygon"]
    signed = sum(a[1] * b[0] - b[1] * a[0] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))
    assert signed < 0  # clockwise (x = lon, y = lat)
    assert doc["geoFence"]["circles"][0]["circle"]["radius"] == 40.0


def test_export_import_round_trip(tmp_path, hotspot_plan):
    mission = hotspot_plan.missions[0]
    path = tmp_path / f"{mission.name}.plan"
    path.write_text(plan_text(mission))
    back = load_plan(path)
    assert back.items == mission.items
    assert back.fence.polygons == mission.fence.polygons
    assert back.fence.circles == mission.fence.circles
    assert back.rally == mission.rally
    assert check_mission(back).nav_items == len(mission.nav_items())


def _edit(tmp_path, mission, change):
    doc = plan_document(mission)
    change(doc)
    path = tmp_path / "edited.plan"
    path.write_text(json.dumps(doc))
    return path


def test_lint_finds_a_waypoint_outside_the_fence(tmp_path, hotspot_plan):
    def move(doc):
        item = next(i for i in doc["mission"]["items"] if i["command"] == 19)
        item["params"][5] += 0.02  # two kilometres east, across the Mekong

    mission = load_plan(_edit(tmp_path, hotspot_plan.missions[0], move))
    outside = r"mission item \d+: MAV_CMD 19 \(NAV_LOITER_TIME\) lies outside the fence"
    with pytest.raises(PlanningError, match=outside):
        check_mission(mission)


def test_lint_finds_a_waypoint_above_the_ceiling(tmp_path, hotspot_plan):
    def climb(doc):
        doc["mission"]["items"][2]["params"][6] = 150.0
        doc["mission"]["items"][2]["Altitude"] = 150.0

    mission = load_plan(_edit(tmp_path, hotspot_plan.missions[0], climb))
    above = r"mission item 3: MAV_CMD 19 \(NAV_LOITER_TIME\) flies at 150 m, above the fence"
    with pytest.raises(PlanningError, match=above):
        check_mission(mission)


def test_complex_items_are_refused(tmp_path, hotspot_plan):
    def survey(doc):
        doc["mission"]["items"].insert(2, {"type": "ComplexItem", "complexItemType": "survey"})

    with pytest.raises(AreaError, match="mission item 3: is a 'survey' item; only SimpleItems"):
        load_plan(_edit(tmp_path, hotspot_plan.missions[0], survey))


def test_plan_without_inclusion_is_refused(tmp_path, hotspot_plan):
    def drop(doc):
        doc["geoFence"]["polygons"] = [p for p in doc["geoFence"]["polygons"] if not p["inclusion"]]

    mission = load_plan(_edit(tmp_path, hotspot_plan.missions[0], drop))
    with pytest.raises(PlanningError, match="has no inclusion fence"):
        check_mission(mission)


def test_loiter_items_carry_time(hotspot_plan):
    loiters = [i for i in hotspot_plan.missions[0].items if i.command == MavCmd.NAV_LOITER_TIME]
    assert loiters
    assert all(i.param1 == 30.0 and i.z_alt_m == 40.0 for i in loiters)
