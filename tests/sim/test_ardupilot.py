"""The ArduPilot flavour: ArduCopter's heartbeat, modes, item 0 as home, quiet until asked,
NaN-strict items and ArduPilot's parameter names and units."""

import pytest
from pymavlink.dialects.v20 import common as mavlink

from sim.ardupilot import CopterMode
from sim.autopilot import Firmware
from sim.px4 import FlightMode
from sim.scenario import Scenario
from sim.server import Simulation
from tests.sim.helpers import item, square_fence, texts, upload
from tests.sim.test_wire import LAT, LON, _download, _upload, _with_sim, _wp

pytestmark = pytest.mark.anyio
AP = Scenario(speedup=20.0, autopilot=Firmware.ARDUPILOT)


async def test_heartbeat_modes_and_capabilities():
    async def body(sim, gcs):
        hb = await gcs.recv("HEARTBEAT")
        assert hb.autopilot == mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA
        assert hb.custom_mode == CopterMode.GUIDED
        assert await gcs.command(512, 148) == 0
        version = await gcs.recv("AUTOPILOT_VERSION")
        assert version.capabilities & 131072  # parameters C-cast
        assert not version.capabilities & 16  # not PX4's bytewise encoding
        await gcs.send("SET_MODE", target_system=1, base_mode=1, custom_mode=CopterMode.RTL)
        await gcs.recv("HEARTBEAT", cond=lambda m: m.custom_mode == CopterMode.RTL)

    await _with_sim(body, AP)


async def test_quiet_until_streams_are_requested():
    async def body(sim, gcs):
        await gcs.recv("HEARTBEAT")
        with pytest.raises(TimeoutError):
            await gcs.recv("GLOBAL_POSITION_INT", timeout_s=0.5)
        await gcs.send(
            "REQUEST_DATA_STREAM",
            target_system=1,
            target_component=1,
            req_stream_id=mavlink.MAV_DATA_STREAM_POSITION,
            req_message_rate=4,
            start_stop=1,
        )
        pos = await gcs.recv("GLOBAL_POSITION_INT", timeout_s=2.0)
        assert (pos.lat, pos.lon) == pytest.approx((LAT, LON), abs=2)
        assert await gcs.command(511, mavlink.MAVLINK_MSG_ID_ATTITUDE, 100_000) == 0
        await gcs.recv("ATTITUDE", timeout_s=2.0)

    await _with_sim(body, AP)


async def test_item_zero_is_home_and_nan_params_are_refused():
    async def body(sim, gcs):
        rtl_nan = _wp(20, 0, 0, 0.0, frame=2)  # param4 NaN, as PX4 clients send it
        placeholder = _wp(16, LAT + 777, LON + 777, 0.0, frame=0)
        takeoff = {**_wp(22), "param4": 0.0}
        refused = await _upload(gcs, [placeholder, takeoff, rtl_nan])
        assert refused == mavlink.MAV_MISSION_INVALID_PARAM4
        rtl = {**rtl_nan, "param4": 0.0}
        assert await _upload(gcs, [placeholder, takeoff, rtl]) == 0
        back = await _download(gcs)
        assert (back[0].x, back[0].y) == (LAT, LON)  # home, not the placeholder
        assert back[0].z == pytest.approx(140.0)
        assert [m.command for m in back[1:]] == [22, 20]

    await _with_sim(body, AP)


async def test_ardupilot_parameter_names_and_units():
    async def body(sim, gcs):
        ap = sim.vehicles[0].ap

        assert await gcs.read_param("RTL_ALT") == 6000.0  # centimetres
        assert await gcs.read_param("FENCE_ENABLE") == 0.0
        await gcs.set_param("WPNAV_SPEED", 800.0, 9)  # cm/s
        assert ap.params["MPC_XY_CRUISE"] == 8.0
        await gcs.set_param("FS_GCS_ENABLE", 1.0, 2)
        assert ap.params["NAV_DLL_ACT"] == 2  # RTL
        await gcs.set_param("SR0_POSITION", 2.0, 4)
        await gcs.recv("GLOBAL_POSITION_INT", timeout_s=2.0)
        with pytest.raises(TimeoutError):  # PX4's names are not ArduPilot's
            await gcs.read_param("GF_ACTION", timeout_s=0.5)

    await _with_sim(body, AP)


def test_fence_acts_only_once_enabled_and_prearm_texts():
    sim = Simulation(AP)
    ap = sim.vehicles[0].ap
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


def test_mission_starts_after_home_and_flies_to_landing():
    sim = Simulation(AP)
    ap = sim.vehicles[0].ap
    upload(ap, square_fence(200.0), 1)
    ap.params["FENCE_ENABLE"] = 1
    items = [
        item(0, 16, 0, 0, 0.0, frame=0),
        item(1, 22, alt_m=15),
        item(2, 16, 40, 0),
        item(3, 20, frame=2),
    ]
    items = [
        it.__class__(**{**{f: getattr(it, f) for f in it.__slots__}, "param4": 0.0}) for it in items
    ]
    assert upload(ap, items) == 0
    assert ap.store.current_seq == 1
    assert ap.arm() is None
    assert ap.start_mission() is None
    reached = []
    for _ in range(50 * 200):
        sim.step()
        reached += ap.reached
        ap.reached.clear()
        if not ap.armed:
            break
    assert reached == [1, 2, 3]
    assert ap.mode is FlightMode.RETURN
    assert not ap.armed
