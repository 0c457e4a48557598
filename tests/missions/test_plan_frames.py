"""Altitude frames on .plan import: every altitude becomes one relative to home, or the item is
refused with one line naming the file, the item, the command and the frame."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geofence import AreaError, MavCmd
from geofence.frames import amsl2rel, rel2amsl
from missions import load_plan, plan_text
from missions.qgc import plan_document
from tests.missions import qgc_fixtures as q

HOME_AMSL = q.HOME.alt_amsl_m


def _load(tmp_path, items, **kw):
    return load_plan(q.write(tmp_path, q.plan(items, **kw)))


def _refusal(tmp_path, items, **kw) -> str:
    with pytest.raises(AreaError) as info:
        _load(tmp_path, items, **kw)
    message = str(info.value)
    assert message.startswith(str(tmp_path / "qgc.plan") + ": mission item ")
    assert "\n" not in message
    return message


# frame, AltitudeMode (None: a file without the trio, as QGroundControl 3.x or a vehicle download
# saves it), params[6], the altitude above home patrol must read
ACCEPTED = [
    (3, 1, 40.0, 40.0),  # Relative, as QGroundControl writes it
    (3, 0, 40.0, 40.0),  # QGroundControl 3.x numbered Relative 0 (the plan-file docs' example)
    (3, None, 40.0, 40.0),
    (6, 1, 40.0, 40.0),  # GLOBAL_RELATIVE_ALT_INT, downloaded from PX4
    (0, 2, 180.0, 40.0),  # Absolute: above mean sea level, home at 140 m
    (0, None, 180.0, 40.0),
    (0, 1, 180.0, 40.0),  # QGroundControl 3.x numbered AMSL 1: the frame decides
    (5, 1, 180.0, 40.0),  # GLOBAL_INT downloaded: QGroundControl labels it Relative
    (5, None, 140.5, 0.5),
]


@pytest.mark.parametrize(("frame", "mode", "z", "alt_rel_m"), ACCEPTED)
def test_each_global_frame_becomes_relative_to_home(tmp_path, frame, mode, z, alt_rel_m):
    wp = q.waypoint(50.0, 50.0, z, frame=frame, mode=mode)
    mission = _load(tmp_path, [q.takeoff(), wp, q.rtl()])
    item = mission.items[1]
    assert item.frame == 3
    assert item.z_alt_m == pytest.approx(alt_rel_m)
    assert mission.home.alt_amsl_m == HOME_AMSL


def test_the_reported_case_40_m_amsl_is_100_m_underground(tmp_path):
    wp = q.waypoint(50.0, 50.0, 40.0, frame=0, mode=2)
    message = _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])
    assert message.endswith(
        "mission item 2: MAV_CMD 16 (NAV_WAYPOINT) in frame 0 (GLOBAL) at 40 m above mean sea "
        "level is 100 m below home (140 m above mean sea level, plannedHomePosition): underground "
        "there unless the ground falls away, and patrol has no terrain data; set the item's "
        "altitude relative to home in QGroundControl"
    )


TERRAIN = [
    # QGroundControl's "Calculated above terrain": frame 0, the AMSL it computed in params[6]
    ({"frame": 0, "mode": 3, "altitude": 40.0, "above_terrain": 185.0}, 185.0, "Calculated above"),
    # the same before its terrain tiles came: params[6] null
    ({"frame": 0, "mode": 3, "altitude": 40.0}, None, "Calculated above terrain"),
    ({"frame": 10, "mode": 4}, 40.0, "Terrain frame"),
    ({"frame": 11, "mode": None}, 40.0, "Terrain frame"),
    ({"frame": 10, "mode": None}, 40.0, "Terrain frame"),
]


@pytest.mark.parametrize(("how", "z", "mode_name"), TERRAIN)
def test_terrain_altitudes_are_refused(tmp_path, how, z, mode_name):
    wp = q.waypoint(50.0, 50.0, z, **how)
    message = _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])
    assert f"mission item 2: MAV_CMD 16 (NAV_WAYPOINT) in frame {how['frame']}" in message
    assert f"flies a height above the terrain (QGroundControl's altitude mode \"{mode_name}" in (
        message
    )
    assert message.endswith("set the item's altitude mode to Relative (to home) in QGroundControl")


def test_calculated_above_terrain_in_the_old_numbering_is_refused(tmp_path):
    """QGroundControl before 4.1 numbered "above terrain" 2; its Altitude is above the terrain,
    params[6] the AMSL it computed: they differ, and that gives it away."""
    wp = q.waypoint(50.0, 50.0, 185.0, frame=0, mode=2, altitude=40.0)
    message = _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])
    assert "is 40 m above the terrain, calculated by QGroundControl as 185 m" in message


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"frame": 3, "mode": 1, "altitude": None}, None),  # Altitude defaults to params[6]
        (
            {"frame": 3, "mode": 1, "altitude": 50.0},
            "shows Altitude 50 m but uploads params[6] 40 m",
        ),
        ({"frame": 2, "mode": None}, "in frame 2 (MISSION) gives no global position"),
        ({"frame": 1, "mode": None}, "in frame 1 (LOCAL_NED) gives no global position"),
        ({"frame": 42, "mode": None}, "frame 42 (not a MAV_FRAME) gives no global position"),
        ({"frame": 3, "mode": 5}, 'has altitude mode "None"'),
        ({"frame": 3, "mode": 9}, "AltitudeMode 9 is not one of QGroundControl's"),
        ({"frame": 3, "mode": 1, "altitude": "40"}, "'Altitude' must be a number or null"),
    ],
)
def test_frames_and_modes_patrol_cannot_place(tmp_path, how, expected):
    wp = q.waypoint(50.0, 50.0, 40.0, **how)
    if expected is None:
        assert _load(tmp_path, [q.takeoff(), wp, q.rtl()]).items[1].z_alt_m == 40.0
        return
    assert expected in _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])


def test_a_null_altitude_is_refused(tmp_path):
    wp = q.waypoint(50.0, 50.0, None, frame=3, mode=1)
    assert "has no altitude (null" in _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])


def test_a_relative_altitude_below_home_is_refused(tmp_path):
    wp = q.waypoint(50.0, 50.0, -5.0)
    message = _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])
    assert "at -5 m relative to home is 5 m below home" in message


def test_a_landing_may_be_below_home(tmp_path):
    """A landing's altitude is the ground where it lands; the ground may lie below home."""
    land = q.positional(21, 30.0, 30.0, 130.0, frame=0, mode=2)
    mission = _load(tmp_path, [q.takeoff(), q.waypoint(30.0, 30.0), land])
    assert mission.items[2].z_alt_m == pytest.approx(-10.0)


# every accepted positional command in an AMSL frame, with what comes out relative to home
COMMANDS = [
    (q.positional(16, 50.0, 0.0, 190.0, frame=0, mode=2, p1=5.0), 50.0),
    (q.positional(17, 50.0, 0.0, 190.0, frame=0, mode=2, p3=20.0), 50.0),
    (q.positional(18, 50.0, 0.0, 190.0, frame=0, mode=2, p1=2.0, p3=-20.0), 50.0),
    (q.positional(19, 50.0, 0.0, 190.0, frame=0, mode=2, p1=30.0), 50.0),
    (q.positional(31, 50.0, 0.0, 190.0, frame=0, mode=2, p2=15.0), 50.0),
    (q.positional(82, 50.0, 0.0, 190.0, frame=0, mode=2), 50.0),
    (q.positional(192, 50.0, 0.0, 190.0, frame=0, mode=None, p1=-1.0), 50.0),
    (q.positional(189, 50.0, 0.0, 140.0, frame=0, mode=None), 0.0),
    (q.positional(21, 50.0, 0.0, 140.0, frame=0, mode=2), 0.0),
    (q.positional(22, 0.0, 0.0, 180.0, frame=0, mode=2), 40.0),
]


@pytest.mark.parametrize(("raw", "alt_rel_m"), COMMANDS)
def test_every_positional_command_is_converted(tmp_path, raw, alt_rel_m):
    mission = _load(tmp_path, [q.takeoff(), raw, q.rtl()])
    item = mission.items[1]
    assert item.command == raw["command"]
    assert item.frame == 3
    assert item.z_alt_m == pytest.approx(alt_rel_m)
    assert item.params == tuple(raw["params"][:4])
    assert (item.x_lat_deg, item.y_lon_deg) == tuple(raw["params"][4:6])


SETTINGS = [
    q.speed(6.0),
    q.item(206, 2, [25.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
    q.item(203, 2, [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
    q.item(205, 2, [-90.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]),
    q.item(530, 2, [0.0, 0.0, None, None, None, None, None]),
    q.item(531, 2, [1.0, 2.0, 0.0, None, None, None, None]),
    q.item(1000, 2, [-45.0, 0.0, None, None, 0.0, None, 0.0]),
    q.item(2000, 2, [0.0, 2.0, 0.0, 0.0, None, None, None]),
    q.item(2001, 2, [0.0, None, None, None, None, None, None]),
    q.item(2500, 2, [0.0, 1.0, 0.0, None, None, None, None]),
    q.item(2501, 2, [0.0, 0.0, None, None, None, None, None]),
]


def test_settings_qgroundcontrol_writes_are_kept_as_they_are(tmp_path):
    mission = _load(tmp_path, [q.takeoff(), *SETTINGS, q.waypoint(50.0, 50.0), q.rtl()])
    kept = mission.items[1 : 1 + len(SETTINGS)]
    assert [i.command for i in kept] == [s["command"] for s in SETTINGS]
    assert all(i.frame == 2 for i in kept)
    assert kept[3].z_alt_m == 2.0  # DO_MOUNT_CONTROL's mode, not an altitude


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            q.positional(201, 50.0, 0.0, 40.0, frame=3, mode=None),
            "mission item 2: MAV_CMD 201 (DO_SET_ROI) is not a command patrol can check; "
            "remove it in QGroundControl",
        ),
        (q.item(177, 2, [1.0, 3.0, 0, 0, 0, 0, 0]), "MAV_CMD 177 (DO_JUMP) is refused: it repeats"),
        (q.item(179, 2, [1.0, 0, 0, 0, 0, 0, 0]), "MAV_CMD 179 (DO_SET_HOME) is refused: it moves"),
        (q.item(183, 2, [9.0, 1500.0, 0, 0, 0, 0, 0]), "MAV_CMD 183 (DO_SET_SERVO) is not a"),
        (q.item(3000, 2, [4.0, 0, 0, 0, 0, 0, 0]), "MAV_CMD 3000 (DO_VTOL_TRANSITION) is not"),
        (q.item(12345, 2, [0.0, 0, 0, 0, 0, 0, 0]), "MAV_CMD 12345 is not a command patrol"),
    ],
)
def test_commands_patrol_cannot_check_are_refused_by_name(tmp_path, raw, expected):
    message = _refusal(tmp_path, [q.takeoff(), raw, q.waypoint(50.0, 50.0), q.rtl()])
    assert expected in message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda i: i.update(autoContinue="true"), "'autoContinue' must be true or false"),
        (lambda i: i.pop("autoContinue"), "'autoContinue' must be true or false"),
        (lambda i: i.update(command="16"), "'command' must be a whole number, got the string"),
        (lambda i: i.update(frame=True), "'frame' must be a whole number, got true"),
        (lambda i: i["params"].__setitem__(0, "5"), "params[0] must be a number or null, got the"),
        (lambda i: i.update(params=[0.0] * 6), "'params' must be a list of 7 numbers or nulls"),
        (lambda i: i["params"].__setitem__(4, None), "has no position (params[4] and params[5]"),
    ],
)
def test_item_fields_must_have_their_json_type(tmp_path, edit, expected):
    wp = q.waypoint(50.0, 50.0)
    edit(wp)
    assert expected in _refusal(tmp_path, [q.takeoff(), wp, q.rtl()])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda m: m.update(firmwareType=0), "firmwareType 0 is neither PX4 (12) nor ArduPilot"),
        (lambda m: m.pop("firmwareType"), "'firmwareType' must be a whole number, got null"),
        (lambda m: m.update(version="2"), "'version' must be a whole number"),
        (lambda m: m.update(hoverSpeed="5"), "'hoverSpeed' must be a number"),
        (lambda m: m.pop("plannedHomePosition"), "mission has no plannedHomePosition"),
        (lambda m: m["plannedHomePosition"].pop(), "plannedHomePosition: position"),
    ],
)
def test_mission_fields_must_have_their_json_type(tmp_path, edit, expected):
    doc = q.plan([q.takeoff(), q.waypoint(50.0, 50.0), q.rtl()])
    edit(doc["mission"])
    with pytest.raises(AreaError) as info:
        load_plan(q.write(tmp_path, doc))
    assert expected in str(info.value)


def test_export_writes_what_qgroundcontrol_writes_for_relative_altitudes(tmp_path):
    items = [q.takeoff(), q.positional(19, 50.0, 0.0, 190.0, frame=0, mode=2, p1=20.0), q.rtl()]
    doc = plan_document(_load(tmp_path, items))
    loiter = doc["mission"]["items"][1]
    assert loiter["frame"] == 3
    assert loiter["AltitudeMode"] == 1
    assert loiter["Altitude"] == pytest.approx(50.0)
    assert loiter["params"][6] == pytest.approx(50.0)
    assert loiter["AMSLAltAboveTerrain"] is None
    assert "AltitudeMode" not in doc["mission"]["items"][2]  # RTL has no altitude
    assert doc["mission"]["globalPlanAltitudeMode"] == 1
    assert doc["mission"]["plannedHomePosition"][2] == HOME_AMSL


def test_import_export_import_keeps_the_meaning(tmp_path):
    items = [
        q.positional(22, 0.0, 0.0, 170.0, frame=0, mode=2),
        q.speed(6.0),
        q.waypoint(50.0, 50.0, 45.0, frame=6, mode=1),
        q.positional(18, -60.0, 20.0, 200.0, frame=5, mode=None, p1=2.0, p3=15.0),
        q.item(206, 2, [25.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
        q.positional(82, 20.0, -80.0, 50.0, frame=3, mode=1),
        q.positional(21, 0.0, 10.0, 0.0, frame=3, mode=1),
    ]
    first = _load(tmp_path, items)
    path = tmp_path / "again.plan"
    path.write_text(plan_text(first))
    again = load_plan(path)
    assert again.items == first.items
    assert [i.z_alt_m for i in again.nav_items()] == pytest.approx([30.0, 45.0, 60.0, 50.0, 0.0])


@settings(max_examples=60, deadline=None)
@given(
    home_amsl_m=st.floats(-420.0, 5000.0),
    alt_rel_m=st.floats(0.0, 500.0),
    frame=st.sampled_from([0, 5]),
)
def test_amsl_and_relative_round_trip_for_any_home_altitude(
    tmp_path_factory, home_amsl_m, alt_rel_m, frame
):
    home = q.GeoPoint(q.HOME.lat_deg, q.HOME.lon_deg, home_amsl_m)
    tmp = tmp_path_factory.mktemp("frames")
    amsl = q.waypoint(50.0, 50.0, rel2amsl(alt_rel_m, home_amsl_m), frame=frame, mode=2)
    relative = q.waypoint(50.0, 50.0, alt_rel_m, frame=3, mode=1)
    from_amsl = load_plan(q.write(tmp, q.plan([q.takeoff(), amsl, q.rtl()], home=home), "a.plan"))
    from_rel = load_plan(
        q.write(tmp, q.plan([q.takeoff(), relative, q.rtl()], home=home), "r.plan")
    )
    assert from_amsl.items[1].z_alt_m == pytest.approx(alt_rel_m, abs=1e-9)
    assert from_amsl.items[1].z_alt_m == pytest.approx(from_rel.items[1].z_alt_m, abs=1e-9)
    path = tmp / "back.plan"
    path.write_text(plan_text(from_amsl))
    assert load_plan(path).items == from_amsl.items
    assert rel2amsl(from_amsl.items[1].z_alt_m, home_amsl_m) == pytest.approx(
        amsl["params"][6], abs=1e-9
    )


@given(home_amsl_m=st.floats(-1e4, 1e4), alt_m=st.floats(-1e4, 1e4))
def test_amsl2rel_and_rel2amsl_are_inverses(home_amsl_m, alt_m):
    assert rel2amsl(amsl2rel(alt_m, home_amsl_m), home_amsl_m) == pytest.approx(alt_m, abs=1e-9)
    assert math.isclose(amsl2rel(rel2amsl(alt_m, home_amsl_m), home_amsl_m), alt_m, abs_tol=1e-9)


def test_loiter_commands_keep_their_radius_param(tmp_path):
    mission = _load(
        tmp_path,
        [q.takeoff(), q.positional(31, 50.0, 0.0, 40.0, p2=-25.0), q.rtl()],
    )
    assert mission.items[1].command == MavCmd.NAV_LOITER_TO_ALT
    assert mission.items[1].param2 == -25.0


def test_items_given_above_sea_level_are_marked_through_export_and_resume(tmp_path):
    """Which items hang on the home's altitude survives a frame written 0.0, an export by patrol
    (what a resume reads back) and the renumbering of a resume; a landing's altitude does not
    count, as it is not flown."""
    from missions.qgc import AMSL_KEY
    from patrol.resume import remaining

    home_amsl_m = q.HOME.alt_amsl_m
    doc = q.plan(
        [
            q.takeoff(),
            q.speed(),
            q.waypoint(50.0, 0.0, home_amsl_m + 40.0, frame=0, mode=2),
            q.waypoint(50.0, 50.0, 40.0),
            q.waypoint(0.0, 50.0, home_amsl_m + 40.0, frame=0.0, mode=2),
            q.positional(21, 0.0, 0.0, home_amsl_m, frame=0, mode=2),
        ]
    )
    mission = load_plan(q.write(tmp_path, doc))
    assert mission.amsl_items == (3, 5)
    exported = plan_document(mission)
    assert exported["mission"][AMSL_KEY] == [3, 5]
    again = load_plan(q.write(tmp_path, exported, "again.plan"))
    assert again.amsl_items == (3, 5)
    assert again.items == mission.items
    rest = remaining(again, 4)  # take-off and speed, then items 5 and 6
    assert [i.command for i in rest.items] == [22, 178, 16, 21]
    assert rest.amsl_items == (3,)
