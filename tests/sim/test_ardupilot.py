"""The ArduPilot flavour, as the real ArduCopter SITL behaves (tests/sim/test_real_agree.py
checks the same against it): modes and arming, today's parameter names, quiet streams until
asked, HOME_POSITION on request, items as ArduPilot stores them, AUTO that waits for
MISSION_START, the fence types and the link-loss failsafe's one ground-station id."""

import math

import anyio
import pytest
from pymavlink.dialects.v20 import common as mavlink

from sim.ardupilot import CopterMode
from sim.autopilot import Firmware, MissionState
from sim.mission_transfer import MissionType
from sim.px4 import FlightMode
from sim.scenario import Scenario
from sim.server import Simulation
from tests.sim.client import Gcs
from tests.sim.helpers import item, run, square_fence, texts, upload
from tests.sim.test_wire import LAT, LON, _download, _upload, _with_sim, _wp

pytestmark = pytest.mark.anyio
AP = Scenario(speedup=20.0, autopilot=Firmware.ARDUPILOT)
NAN = float("nan")


def _ap():
    sim = Simulation(AP)
    return sim, sim.vehicles[0].ap


def _mission_items() -> list:
    """Home, take-off, a waypoint 40 m east, return: as a ground station uploads it."""
    items = [
        item(0, 16, 0, 0, 0.0, frame=0),
        item(1, 22, alt_m=15),
        item(2, 16, 40, 0),
        item(3, 20, frame=2),
    ]
    return [it.__class__(**{**_fields(it), "param4": 0.0}) for it in items]


def _fields(it) -> dict:
    return {f: getattr(it, f) for f in it.__slots__}


async def test_heartbeat_boots_in_stabilize_and_reports_the_mode_asked_for():
    async def body(sim, gcs):
        hb = await gcs.recv("HEARTBEAT")
        assert hb.autopilot == mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA
        assert (hb.custom_mode, hb.base_mode) == (CopterMode.STABILIZE, 89)
        assert await gcs.command(512, 148) == 0
        version = await gcs.recv("AUTOPILOT_VERSION")
        assert version.flight_sw_version >> 16 == (4 << 8) | 8  # 4.8
        assert not version.capabilities & (16 | 131072)  # neither bytewise nor C-cast bits
        await gcs.send("SET_MODE", target_system=1, base_mode=1, custom_mode=CopterMode.BRAKE)
        await gcs.recv("HEARTBEAT", cond=lambda m: m.custom_mode == CopterMode.BRAKE)

    await _with_sim(body, AP)


async def test_quiet_until_asked_and_stream_rate_parameters_wait_for_the_next_boot():
    async def body(sim, gcs: Gcs):
        await gcs.recv("HEARTBEAT")
        with pytest.raises(TimeoutError):
            await gcs.recv("GLOBAL_POSITION_INT", timeout_s=0.5)
        assert await gcs.set_param("MAV1_POSITION", 4.0, 4) == 4.0
        with pytest.raises(TimeoutError):  # read at boot only
            await gcs.recv("GLOBAL_POSITION_INT", timeout_s=0.5)
        await gcs.send(
            "REQUEST_DATA_STREAM",
            target_system=1,
            target_component=1,
            req_stream_id=mavlink.MAV_DATA_STREAM_POSITION,
            req_message_rate=2,
            start_stop=1,
        )
        pos = await gcs.recv("GLOBAL_POSITION_INT", timeout_s=2.0)
        assert (pos.lat, pos.lon) == pytest.approx((LAT, LON), abs=2)
        assert await gcs.read_param("MAV1_POSITION") == 2.0  # the request is kept there
        assert await gcs.command(511, mavlink.MAVLINK_MSG_ID_ATTITUDE, 100_000) == 0
        await gcs.recv("ATTITUDE", timeout_s=2.0)
        assert await gcs.command(511, 9999, 1e6) == mavlink.MAV_RESULT_DENIED
        said = await gcs.recv("STATUSTEXT")
        assert said.text == "No ap_message for mavlink id (9999)"
        assert await gcs.command(512, 9999) == mavlink.MAV_RESULT_FAILED

    await _with_sim(body, AP)


def test_stream_rate_parameters_apply_at_boot():
    sim = Simulation(AP)
    proto = sim.vehicles[0].proto
    proto.stream_params["MAV1_POSITION"] = 5.0
    proto.boot()
    assert proto.links["api"].rates_hz["GLOBAL_POSITION_INT"] == 5.0
    assert "GLOBAL_POSITION_INT" not in proto.links["gcs"].rates_hz  # MAV2_* is the other link


async def test_home_position_on_request_and_when_home_is_set():
    async def body(sim, gcs: Gcs):
        assert await gcs.command(512, mavlink.MAVLINK_MSG_ID_HOME_POSITION) == 0
        home = await gcs.recv("HOME_POSITION")
        assert (home.latitude, home.longitude, home.altitude) == (LAT, LON, 140_000)
        assert math.isnan(home.q[0])  # ArduPilot leaves the quaternion NaN
        assert await gcs.command(410) == 0
        await gcs.recv("HOME_POSITION")
        assert await gcs.command(400, 1) == 0  # arming sets home again, and says so
        await gcs.recv("HOME_POSITION")

    await _with_sim(body, AP)


async def test_parameters_have_todays_names_storage_types_and_defaults():
    async def body(sim, gcs: Gcs):
        ap = sim.vehicles[0].ap
        expected = {
            "RTL_ALT_M": (15.0, 9),
            "FENCE_ENABLE": (0.0, 2),
            "FENCE_TYPE": (7.0, 2),
            "FENCE_ACTION": (1.0, 2),
            "FENCE_ALT_MAX": (100.0, 9),
            "FENCE_RADIUS": (150.0, 9),
            "FENCE_MARGIN": (2.0, 9),
            "FS_GCS_ENABLE": (0.0, 2),
            "FS_GCS_TIMEOUT": (5.0, 9),
            "BATT_FS_CRT_ACT": (0.0, 2),
            "BATT_FS_LOW_ACT": (0.0, 2),
            "MAV_GCS_SYSID": (255.0, 4),
            "WP_SPD": (10.0, 9),
        }
        for name, (value, kind) in expected.items():
            await gcs.send(
                "PARAM_REQUEST_READ",
                target_system=1,
                target_component=1,
                param_id=name.encode(),
                param_index=-1,
            )
            reply = await gcs.recv("PARAM_VALUE", cond=lambda m, n=name: m.param_id == n)
            assert (reply.param_value, reply.param_type) == (value, kind), name
        for gone in ("RTL_ALT", "SR0_POSITION", "SYSID_MYGCS", "GF_ACTION"):
            with pytest.raises(TimeoutError):
                await gcs.read_param(gone, timeout_s=0.3)
        await gcs.send(
            "PARAM_SET",
            target_system=1,
            target_component=1,
            param_id=b"FS_GCS_ENABLE",
            param_value=1.0,
            param_type=2,
        )
        echo = await gcs.recv("PARAM_VALUE", cond=lambda m: m.param_id == "FS_GCS_ENABLE")
        assert (echo.param_value, echo.param_type, echo.param_index) == (1.0, 2, 65535)
        assert ap.params["NAV_DLL_ACT"] == 2  # RTL
        await gcs.set_param("RTL_ALT_M", 35.5, 9)
        assert ap.params["RTL_RETURN_ALT"] == 35.5  # metres, a float

    await _with_sim(body, AP)


async def test_items_come_back_as_ardupilot_stores_them():
    async def body(sim, gcs):
        home = _wp(16, LAT + 777, LON + 777, 0.0, frame=0)
        speed = {**_wp(178, 0, 0, 0.0, frame=2), "param1": 1.0, "param2": 6.0, "param3": -1.0}
        speed["param4"] = 0.0
        loiter = {**_wp(19, LAT + 900, LON, 30.0), "param1": 10.0, "param3": 0.0, "param4": 0.0}
        waypoint = {**_wp(16, LAT + 500, LON, 30.0, frame=6), "param2": 3.0}  # p4 NaN
        rtl = {**_wp(20, 0, 0, 0.0, frame=2), "param4": 0.0}
        assert await _upload(gcs, [home, speed, loiter, waypoint, rtl]) == 0
        back = await _download(gcs)
        assert (back[0].x, back[0].y, back[0].z) == (LAT, LON, pytest.approx(140.0))  # home
        assert [m.frame for m in back] == [0, 0, 3, 3, 0]
        assert (back[1].param1, back[1].param2, back[1].param3) == (1.0, 6.0, -1.0)
        assert (back[2].param3, back[2].param4) == (1.0, 0.0)  # loiter: a direction, +1
        assert (back[3].param2, back[3].param4) == (0.0, 0.0)  # waypoint: hold time only
        assert all(m.current == 0 for m in back)
        refused = await _upload(gcs, [home, {**rtl, "param4": NAN}])
        assert refused == mavlink.MAV_MISSION_INVALID_PARAM4  # NaN only in param4 of nav items

    await _with_sim(body, AP)


def test_fence_and_rally_come_back_in_frame_zero_with_only_their_count():
    _sim, ap = _ap()
    fence = [it.__class__(**{**_fields(it), "frame": 3, "param2": NAN}) for it in square_fence(50)]
    assert upload(ap, fence, MissionType.FENCE) == 0
    stored = ap.store.items[MissionType.FENCE]
    assert {(i.frame, i.param1, i.param2, i.autocontinue, i.z) for i in stored} == {
        (0, 4.0, 0.0, 0, 0.0)
    }
    rally = [item(0, 5100, 10, 10, 30.0, p1=NAN, frame=3, mission_type=MissionType.RALLY)]
    assert upload(ap, rally, MissionType.RALLY) == 0
    point = ap.store.items[MissionType.RALLY][0]
    assert (point.frame, point.param1, point.z, point.autocontinue) == (3, 0.0, 30.0, 0)


@pytest.mark.parametrize(
    ("mode", "text"),
    [
        (CopterMode.RTL, "Arm: RTL mode not armable"),
        (CopterMode.LAND, "Arm: Land mode not armable"),
        (CopterMode.BRAKE, "Arm: Brake mode not armable"),
        (CopterMode.AUTO, "Arm: Mode requires mission"),
    ],
)
async def test_arming_is_refused_in_the_modes_arducopter_refuses(mode, text):
    async def body(sim, gcs: Gcs):
        assert await gcs.command(176, 1, mode) == 0
        assert await gcs.command(400, 1) == mavlink.MAV_RESULT_FAILED
        said = await gcs.recv("STATUSTEXT", cond=lambda m: m.text.startswith("Arm"))
        assert said.text == text
        assert await gcs.command(176, 1, CopterMode.LOITER) == 0
        assert await gcs.command(400, 1) == 0
        said = await gcs.recv("STATUSTEXT", cond=lambda m: m.text.startswith("Arm"))
        assert said.text == "Arming motors"

    await _with_sim(body, AP)


def test_auto_waits_for_mission_start_and_an_idle_vehicle_disarms():
    sim, ap = _ap()
    assert upload(ap, _mission_items()) == 0
    assert ap.store.current_seq == 0
    assert ap.arm() is None
    assert ap.set_mode(FlightMode.MISSION) is None
    run(sim, 5)
    assert ap.body.on_ground  # AUTO without MISSION_START: nothing happens
    run(sim, 10, until=lambda: not ap.armed)
    assert not ap.armed  # DISARM_DELAY
    assert "Disarming motors" in texts(ap)


def test_mission_flies_from_item_one_and_stays_in_auto_after_landing():
    sim, ap = _ap()
    upload(ap, square_fence(200.0), MissionType.FENCE)
    ap.params["FENCE_ENABLE"] = 1
    assert upload(ap, _mission_items()) == 0
    texts(ap)
    assert ap.arm() is None
    assert ap.start_mission() is None
    reached = []
    for _ in range(50 * 200):
        sim.step()
        reached += ap.reached
        ap.reached.clear()
        if not ap.armed:
            break
    assert reached == [1, 2, 3]  # the return item is reached on landing
    said = texts(ap)
    for line in ("Mission: 1 Takeoff", "Mission: 2 WP", "Reached command #2", "Mission: 3 RTL"):
        assert line in said
    assert not ap.armed
    assert ap.mode is FlightMode.MISSION
    assert ap.wire_copter_mode == CopterMode.AUTO
    assert ap.store.current_seq == 0  # set back on disarming
    assert ap.mission_state is MissionState.COMPLETE
    assert ap.arm() == "Arm: Auto mode not armable"


def test_land_stays_land_after_landing_and_refuses_to_arm():
    sim, ap = _ap()
    ap.copter_mode = CopterMode.GUIDED
    ap.set_mode(FlightMode.HOLD)
    assert ap.arm() is None
    ap.takeoff(ap.home.alt_amsl_m + 10.0)
    run(sim, 30, until=lambda: ap.mode is FlightMode.HOLD and ap.body.up_m > 9)
    assert ap.set_mode(FlightMode.LAND) is None
    run(sim, 60, until=lambda: not ap.armed)
    assert ap.mode is FlightMode.LAND
    assert ap.arm() == "Arm: Land mode not armable"


def test_default_fence_is_a_150_m_circle_and_a_100_m_ceiling_once_enabled():
    sim, ap = _ap()
    ap.params["FENCE_ENABLE"] = 1
    assert ap.arm() is None
    ap.takeoff(ap.home.alt_amsl_m + 20.0)
    run(sim, 30, until=lambda: ap.mode is FlightMode.HOLD)
    where = ap.frame.enu2geodetic(200.0, 0.0)
    ap.reposition(where.lat_deg, where.lon_deg, ap.home.alt_amsl_m + 20.0)
    run(sim, 120, until=lambda: ap.mode is FlightMode.RETURN)
    assert ap.mode is FlightMode.RETURN
    assert "Circle fence breached" in texts(ap)


async def test_link_loss_failsafe_counts_only_heartbeats_from_mav_gcs_sysid():
    async def body(sim, gcs: Gcs):
        ap = sim.vehicles[0].ap
        ap.params["NAV_DLL_ACT"] = 2  # FS_GCS_ENABLE 1: RTL
        ap.params["COM_DL_LOSS_T"] = 1.0
        await gcs.heartbeat()  # the ground station, heard once
        await gcs.recv("HEARTBEAT")
        gcs.mav.srcSystem = 254  # not MAV_GCS_SYSID: its heartbeats do not count
        said = None
        with anyio.fail_after(10):
            while said is None:
                await gcs.heartbeat()
                with anyio.move_on_after(0.1):
                    said = await gcs.recv("STATUSTEXT", cond=lambda m: m.text.startswith("GCS"))
        assert said.text == "GCS Failsafe"
        assert ap.failsafes.link
        gcs.mav.srcSystem = 255
        await gcs.heartbeat()
        said = await gcs.recv("STATUSTEXT", cond=lambda m: m.text.startswith("GCS"))
        assert said.text == "GCS Failsafe Cleared"

    sim_ap = Scenario(speedup=20.0, autopilot=Firmware.ARDUPILOT)
    await _with_sim(body, sim_ap)


def test_fence_acts_only_once_enabled_and_prearm_texts():
    sim, ap = _ap()
    shifted = [
        item(k, 5001, e + 500, n, 0.0, p1=4, frame=0, mission_type=1)
        for k, (e, n) in enumerate([(-50, -50), (-50, 50), (50, 50), (50, -50)])
    ]
    upload(ap, shifted, 1)
    sim.step()
    assert ap.arm() is None  # FENCE_ENABLE 0: ArduPilot ignores the uploaded fence
    ap.disarm()
    ap.params["FENCE_ENABLE"] = 1
    assert ap.arm() == "Vehicle outside geofence"
    assert "PreArm: Vehicle outside geofence" in texts(ap)
