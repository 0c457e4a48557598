"""The PX4 flavour, as the real PX4 SITL behaves (tests/sim/test_real_agree.py checks the same
against it): items read back in the `_INT` frames, its parameter names and defaults, two
acknowledgements of a mode change and a refusal while a new plan is checked, arming refused in
return and land, and holding after landing."""

import math

import anyio
import pytest
from pymavlink.dialects.v20 import common as mavlink

from sim.autopilot import MissionState
from sim.mission_transfer import MissionType
from sim.px4 import PARAMS, FlightMode, ParamType, custom_mode
from sim.scenario import Scenario
from tests.sim.client import Gcs
from tests.sim.helpers import item, run, sim_with, square_fence, texts, upload
from tests.sim.test_wire import LAT, LON, _download, _upload, _with_sim, _wp

pytestmark = pytest.mark.anyio
NAN = float("nan")


def test_custom_modes_as_px4_reports_them():
    assert {m: hex(custom_mode(m)) for m in FlightMode} == {
        FlightMode.MANUAL: "0x10000",
        FlightMode.POSITION: "0x30000",
        FlightMode.HOLD: "0x3040000",
        FlightMode.TAKEOFF: "0x2040000",
        FlightMode.MISSION: "0x4040000",
        FlightMode.RETURN: "0x5040000",
        FlightMode.LAND: "0x6040000",
    }


def test_parameters_have_px4s_names_types_and_defaults():
    expected = {
        "GF_ACTION": (2, ParamType.INT32),
        "NAV_DLL_ACT": (0, ParamType.INT32),
        "COM_DL_LOSS_T": (10, ParamType.INT32),
        "COM_LOW_BAT_ACT": (3, ParamType.INT32),
        "RTL_RETURN_ALT": (30.0, ParamType.REAL32),
        "GF_MAX_VER_DIST": (0.0, ParamType.REAL32),
        "GF_MAX_HOR_DIST": (0.0, ParamType.REAL32),
        "COM_DISARM_PRFLT": (10.0, ParamType.REAL32),
    }
    assert {n: (PARAMS[n].default, PARAMS[n].kind) for n in expected} == expected
    assert "MAV_GCS_SYSID" not in PARAMS  # PX4 watches any ground station's heartbeat


async def test_items_come_back_in_the_int_frames():
    async def body(sim, gcs):
        takeoff = _wp(22, LAT, LON, 30.0)
        speed = {**_wp(178, 0, 0, 0.0, frame=2), "param2": 6.0, "param3": NAN}
        loiter = {**_wp(19, LAT + 900, LON, 30.0), "param1": 10.0}  # param4 NaN
        amsl = _wp(16, LAT + 500, LON, 170.0, frame=0)
        rtl = _wp(20, 0, 0, 0.0, frame=2)
        assert await _upload(gcs, [takeoff, speed, loiter, amsl, rtl]) == 0
        back = await _download(gcs)
        assert [m.frame for m in back] == [6, 2, 6, 5, 2]
        assert math.isnan(back[0].param4)  # yaw: NaN kept
        assert math.isnan(back[1].param3)
        assert back[2].param4 == 0.0  # LOITER_TIME's param4 is a flag
        speed_in_global = {**speed, "frame": 3}
        assert await _upload(gcs, [takeoff, speed_in_global]) == mavlink.MAV_MISSION_UNSUPPORTED

    await _with_sim(body)


def test_fence_and_rally_come_back_in_global_int_without_their_spare_params():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    fence = [it.__class__(**{**_fields(it), "frame": 3, "param2": NAN}) for it in square_fence(50)]
    assert upload(ap, fence, MissionType.FENCE) == 0
    stored = ap.store.items[MissionType.FENCE]
    assert {(i.frame, i.param1, i.param2, i.autocontinue) for i in stored} == {(5, 4.0, 0.0, 0)}
    rally = [item(0, 5100, 10, 10, 30.0, p1=NAN, frame=3, mission_type=MissionType.RALLY)]
    assert upload(ap, rally, MissionType.RALLY) == 0
    point = ap.store.items[MissionType.RALLY][0]
    assert (point.frame, point.param1, point.autocontinue) == (6, 0.0, 1)


def _fields(it) -> dict:
    return {f: getattr(it, f) for f in it.__slots__}


async def _acks(gcs: Gcs, command: int, count: int) -> list[int]:
    out = []
    for _ in range(count):
        ack = await gcs.recv("COMMAND_ACK", cond=lambda m: m.command == command)
        out.append(int(ack.result))
    return out


async def test_mission_mode_right_after_an_upload_is_acknowledged_then_refused():
    async def body(sim, gcs: Gcs):
        mission = [_wp(22, LAT, LON, 10.0), _wp(16, LAT + 900, LON, 10.0)]
        assert await _upload(gcs, mission) == 0
        await gcs.send(
            "COMMAND_LONG",
            target_system=1,
            target_component=1,
            command=176,
            confirmation=0,
            param1=1,
            param2=4,
            param3=4,
            param4=0,
            param5=0,
            param6=0,
            param7=0,
        )
        assert await _acks(gcs, 176, 2) == [0, mavlink.MAV_RESULT_TEMPORARILY_REJECTED]
        said = await gcs.recv("STATUSTEXT")
        assert said.text == "Switching to Mission is currently not available"
        hb = await gcs.recv("HEARTBEAT")
        assert hb.custom_mode == custom_mode(FlightMode.HOLD)  # the reported mode tells
        with anyio.fail_after(10):  # once the plan is checked, the same request is taken
            while True:
                await gcs.recv("HEARTBEAT")
                assert await gcs.command(176, 1, 4, 4) == 0
                hb = await gcs.recv("HEARTBEAT")
                if hb.custom_mode == custom_mode(FlightMode.MISSION):
                    break

    await _with_sim(body, Scenario(speedup=5.0))


async def test_arming_is_refused_in_return_and_land():
    async def body(sim, gcs: Gcs):
        for main, sub in ((4, 5), (4, 6)):
            await gcs.command(176, 1, main, sub)
            gcs.pending.clear()
            assert await gcs.command(400, 1) == mavlink.MAV_RESULT_TEMPORARILY_REJECTED
            first = await gcs.recv("STATUSTEXT", cond=lambda m: m.text.startswith("Arming"))
            second = await gcs.recv("STATUSTEXT", cond=lambda m, i=first.id: m.id == i)
            assert first.id != 0  # a long text goes in chunks with one id
            assert (first.chunk_seq, second.chunk_seq) == (0, 1)
            assert first.text + second.text == "Arming denied: Resolve system health failures first"

    await _with_sim(body)


def test_after_landing_px4_holds_and_arms_again_without_a_mode_change():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    items = [item(0, 22, alt_m=10), item(1, 16, 30, 0, alt_m=10), item(2, 20, frame=2)]
    assert upload(ap, items) == 0
    run(sim, 3)
    assert ap.arm() is None
    assert ap.start_mission() is None
    run(sim, 200, until=lambda: not ap.armed)
    assert not ap.armed
    assert ap.mode is FlightMode.HOLD
    said = texts(ap)
    for line in ("Executing Mission", "Mission finished, loitering", "Returning to launch"):
        assert line in said
    assert said[-2:] == ["Landing detected", "Disarmed by landing"]
    assert ap.mission_state is MissionState.COMPLETE
    assert ap.arm() is None


def test_armed_and_idle_on_the_ground_disarms_after_com_disarm_prflt():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    assert ap.arm() is None
    run(sim, 9.5)
    assert ap.armed
    run(sim, 1.0)
    assert not ap.armed
    assert "Disarmed by auto preflight disarming" in texts(ap)


def test_a_new_fence_alone_also_holds_mission_mode_back_until_checked():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    assert upload(ap, [item(0, 22, alt_m=10), item(1, 16, 30, 0, alt_m=10)]) == 0
    run(sim, 3)
    assert upload(ap, square_fence(200.0), MissionType.FENCE) == 0
    sim.step()
    assert ap.set_mode(FlightMode.MISSION, plan_check=True) == "new plan still being checked"
    run(sim, 2.5)
    assert ap.set_mode(FlightMode.MISSION, plan_check=True) is None
