"""The pure telemetry decoder and the autopilot tables, on the messages and items the real
ArduCopter and PX4 SITL send (field names and values as MAVLink carries them)."""

import math
from dataclasses import replace

import pytest

from geofence.mavlink import MavItem
from missions.mission import return_item, speed_item
from patrol import telemetry
from patrol.autopilots import ARDUPILOT, PX4
from patrol.vehicle import FlightMode, Live, Severity, item_difference


def _heartbeat(custom_mode, armed=False, status=3):
    return {
        "custom_mode": custom_mode,
        "base_mode": 89 | (128 if armed else 0),
        "system_status": status,
    }


def test_modes_come_from_each_autopilots_own_numbers():
    live = Live()
    telemetry.apply(live, ARDUPILOT, "HEARTBEAT", _heartbeat(17), 1.0)
    assert (live.mode, live.mode_name) == (FlightMode.HOLD, "BRAKE")
    telemetry.apply(live, ARDUPILOT, "HEARTBEAT", _heartbeat(21, armed=True), 2.0)
    assert (live.mode, live.mode_name, live.armed) == (FlightMode.RETURN, "SMART_RTL", True)
    px4 = Live()
    telemetry.apply(px4, PX4, "HEARTBEAT", _heartbeat(0x03040000), 1.0)  # what PX4 SITL sends
    assert (px4.mode, px4.mode_name) == (FlightMode.HOLD, "Hold")
    telemetry.apply(px4, PX4, "HEARTBEAT", _heartbeat(12345), 2.0)
    assert px4.mode is FlightMode.UNKNOWN
    assert px4.mode_name == "mode 12345"


def test_no_position_until_the_estimator_has_an_origin():
    live = Live()
    zero = {"lat": 0, "lon": 0, "alt": 0, "relative_alt": 0, "vx": 0, "vy": 0, "vz": 0}
    telemetry.apply(live, ARDUPILOT, "GLOBAL_POSITION_INT", zero, 1.0)
    assert not live.has_position
    assert live.heard_s == 1.0  # but the link is alive
    there = zero | {"lat": 165424000, "lon": 1047246000, "alt": 180100, "relative_alt": 40000}
    telemetry.apply(live, ARDUPILOT, "GLOBAL_POSITION_INT", there | {"vx": 300, "vy": -400}, 2.0)
    assert (live.lat_deg, live.lon_deg) == (16.5424, 104.7246)
    assert (live.alt_rel_m, live.alt_amsl_m) == (40.0, 180.1)
    assert live.ground_speed_mps == pytest.approx(5.0)


def test_item_numbers_are_patrols_on_either_autopilot():
    ap, px4 = Live(), Live()
    telemetry.apply(ap, ARDUPILOT, "MISSION_CURRENT", {"seq": 3, "total": 9}, 1.0)
    telemetry.apply(px4, PX4, "MISSION_CURRENT", {"seq": 3, "total": 9}, 1.0)
    assert (ap.mission_current, ap.mission_total) == (2, 8)  # ArduPilot's item 0 is home
    assert (px4.mission_current, px4.mission_total) == (3, 9)
    telemetry.apply(ap, ARDUPILOT, "MISSION_ITEM_REACHED", {"seq": 8}, 2.0)
    telemetry.apply(ap, ARDUPILOT, "MISSION_CURRENT", {"seq": 0, "total": 9}, 3.0)  # disarmed
    assert ap.mission_reached == 7  # what was reached survives the reset to 0
    telemetry.apply(ap, ARDUPILOT, "MISSION_ITEM_REACHED", {"seq": 2}, 4.0)
    assert ap.mission_reached == 7


def test_landed_state_prearm_gps_battery_and_words():
    live = Live()
    telemetry.apply(live, PX4, "HEARTBEAT", _heartbeat(0x04040000, armed=True, status=4), 1.0)
    assert live.in_air  # armed and active, before any EXTENDED_SYS_STATE
    telemetry.apply(live, PX4, "EXTENDED_SYS_STATE", {"landed_state": 1, "vtol_state": 0}, 2.0)
    telemetry.apply(live, PX4, "HEARTBEAT", _heartbeat(0x04040000, armed=True, status=4), 3.0)
    assert not live.in_air  # the autopilot says it is on the ground
    status = {
        "onboard_control_sensors_present": 0x10000000,
        "onboard_control_sensors_health": 0,
        "battery_remaining": -1,
        "voltage_battery": 65535,
    }
    telemetry.apply(live, ARDUPILOT, "SYS_STATUS", status, 4.0)
    assert live.prearm_ok is False
    assert math.isnan(live.battery_pct)  # unknown, not 0 and not 100
    telemetry.apply(
        live,
        ARDUPILOT,
        "SYS_STATUS",
        status | {"onboard_control_sensors_health": 0x10000000, "battery_remaining": 87},
        5.0,
    )
    assert (live.prearm_ok, live.battery_pct) == (True, 87.0)
    gps = {"fix_type": 3, "satellites_visible": 10, "h_acc": 1200}
    telemetry.apply(live, ARDUPILOT, "GPS_RAW_INT", gps, 6.0)
    assert (live.gps_fix_type, live.satellites, live.h_acc_m) == (3, 10, 1.2)
    said = {"severity": 2, "text": "PreArm: Need Position Estimate\x00\x00"}
    telemetry.apply(live, ARDUPILOT, "STATUSTEXT", said, 7.0)
    assert live.said[-1].severity is Severity.CRITICAL
    assert live.said[-1].text == "PreArm: Need Position Estimate"


def _waypoint():
    return MavItem(16, 3, 0.0, 0.0, 0.0, None, 16.5, 104.7, 40.0)


@pytest.mark.parametrize(
    ("profile", "sent", "stored"),
    [
        # what each real autopilot hands back, as downloaded from the SITL
        (PX4, _waypoint(), MavItem(16, 6, 0.0, 0.0, 0.0, None, 16.5, 104.7, 40.0)),
        (PX4, MavItem(5001, 0, 5.0, None, None, None, 16.5, 104.7, 0.0), None),
        (PX4, MavItem(19, 3, 30.0, 0.0, 0.0, None, 16.5, 104.7, 40.0), None),
        (ARDUPILOT, speed_item(8.0), MavItem(178, 0, 1.0, 8.0, -1.0, 0.0)),
        (ARDUPILOT, return_item(), MavItem(20, 0, 0.0, 0.0, 0.0, 0.0)),
        (ARDUPILOT, MavItem(19, 3, 30.0, 0.0, 0.0, 0.0, 16.5, 104.7, 40.0), None),
    ],
)
def test_read_back_compares_what_the_autopilot_means(profile, sent, stored):
    expected = profile.expected_back(sent, 0)
    if stored is None:  # the rewrite itself is the point: check it differs from what was sent
        assert expected != sent
        return
    assert item_difference(expected, stored, profile.unused_param) is None
    # and anything else is still a mismatch
    other = replace(stored, param2=9.0)
    assert item_difference(expected, other, profile.unused_param) is not None


def test_settings_use_the_newest_name_first_and_carry_their_units():
    ret = ARDUPILOT.return_alt(40.0)
    assert [n.name for n in ret.names] == ["RTL_ALT_M", "RTL_ALT"]
    assert ret.on_vehicle(ret.names[0]) == 40.0
    assert ret.on_vehicle(ret.names[1]) == 4000.0  # centimetres, as an integer
    names = [s.names[0].name for s in ARDUPILOT.settings(40.0, 90.0, 245)]
    assert "MAV_GCS_SYSID" in names
    assert "FENCE_TYPE" in names
    assert not [n for n in names if n.startswith(("SR0_", "MAV1_", "MAV0_"))]
    px4 = [s.names[0].name for s in PX4.settings(40.0, 90.0, 245)]
    assert "GF_MAX_VER_DIST" in px4
