"""The simulator against the real autopilots: the same requests to `sim/` and to the real
ArduCopter or PX4 SITL (`../shared/`) must get the same answers.

Each test starts its own real instance (sim.sitl) and its own simulator on free ports, asks both
the same things through the same pymavlink ground station, and compares what comes back: mission,
fence and rally read-back item by item, parameter names and types, which streams flow before and
after they are asked for, HOME_POSITION on request, and the modes arming is refused in.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from missions.commands import REFUSED_BY
from missions.spec import Autopilot
from sim import sitl
from sim.autopilot import Firmware
from sim.scenario import Scenario
from sim.server import Simulation
from tests.sim.client import Gcs, make_ports, open_gcs, open_real
from tests.sitl_support import require_sitl

pytestmark = [pytest.mark.anyio, pytest.mark.sitl]
NAN = float("nan")
LAT, LON = 165424000, 1047246000
SPEEDUP = 5.0
PREARM_OK = 0x10000000
FIRMWARES = [Firmware.ARDUPILOT, Firmware.PX4]
REAL = {Firmware.ARDUPILOT: sitl.Firmware.ARDUPILOT, Firmware.PX4: sitl.Firmware.PX4}

Body = Callable[[Gcs], Awaitable[Any]]


async def _on_sim(firmware: Firmware, body: Body) -> Any:
    sim = Simulation(Scenario(speedup=SPEEDUP, autopilot=firmware), make_ports())
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        gcs = await open_gcs(sim)
        try:
            return await body(gcs)
        finally:
            await gcs.sock.aclose()
            tg.cancel_scope.cancel()


async def _on_real(firmware: Firmware, body: Body) -> Any:
    with sitl.start(REAL[firmware], speedup=SPEEDUP) as real:
        gcs = await open_real(real.url)
        try:
            return await body(gcs)
        finally:
            await gcs.sock.aclose()


async def _both(firmware: Firmware, body: Body) -> tuple[Any, Any]:
    """`body`'s result on the simulator and on the real autopilot."""
    require_sitl(REAL[firmware])
    return await _on_sim(firmware, body), await _on_real(firmware, body)


# ---- a small ground station's steps -------------------------------------------------------------


async def _messages(gcs: Gcs, wall_s: float, *, heartbeat: bool = True) -> list[Any]:
    """Everything the vehicle sends for `wall_s`, while we send our heartbeat."""
    out: list[Any] = list(gcs.pending)
    gcs.pending.clear()
    with anyio.move_on_after(wall_s):
        while True:
            if heartbeat:
                await gcs.heartbeat()
            with anyio.move_on_after(0.2):
                data, _addr = await gcs.sock.receive()
                out += [m for m in gcs.mav.parse_buffer(data) or [] if m.get_type() != "BAD_DATA"]
    return out


async def _until(gcs: Gcs, cond: Callable[[Any], bool], timeout_s: float = 20.0) -> list[Any]:
    """Everything the vehicle sends until (and with) the first message `cond` accepts; what
    came after it in the same datagram (PX4 packs several) waits in `gcs.pending`."""
    out: list[Any] = []
    with anyio.fail_after(timeout_s):
        while True:
            while gcs.pending:
                msg = gcs.pending.pop(0)
                out.append(msg)
                if cond(msg):
                    return out
            data, _addr = await gcs.sock.receive()
            gcs.pending.extend(gcs.mav.parse_buffer(data) or [])


async def _command(gcs: Gcs, command: int, *params: float, acks: int = 1) -> list[Any]:
    """Send a COMMAND_LONG; what came until its `acks`-th acknowledgement and a little after."""
    gcs.pending.clear()
    await gcs.send_command(command, *params)
    seen: list[Any] = []
    for _ in range(acks):
        seen += await _until(gcs, lambda m: m.get_type() == "COMMAND_ACK" and m.command == command)
    return seen + await _messages(gcs, 0.6, heartbeat=False)


def _acks(seen: list[Any], command: int) -> list[int]:
    return [int(m.result) for m in seen if m.get_type() == "COMMAND_ACK" and m.command == command]


def _texts(seen: list[Any]) -> list[str]:
    return [m.text for m in seen if m.get_type() == "STATUSTEXT"]


async def _ready(gcs: Gcs, firmware: Firmware) -> None:
    """Wait until the vehicle arms in a mode that allows it (GUIDED, PX4's HOLD), then disarm:
    the real ones pass their pre-arm checks some seconds after boot."""
    mode = (4,) if firmware is Firmware.ARDUPILOT else (4, 3)
    with anyio.fail_after(120):
        while True:
            await _command(gcs, 176, 1, *mode, acks=1 if firmware is Firmware.ARDUPILOT else 2)
            if _acks(await _command(gcs, 400, 1), 400) == [0]:
                await _command(gcs, 400, 0)
                return
            await _until(gcs, lambda m: m.get_type() == "HEARTBEAT")


async def _upload(gcs: Gcs, items: list[dict[str, Any]], mission_type: int) -> int:
    await gcs.send(
        "MISSION_COUNT",
        target_system=gcs.target,
        target_component=1,
        count=len(items),
        mission_type=mission_type,
    )
    with anyio.fail_after(20):
        while True:
            data, _addr = await gcs.sock.receive()
            for msg in gcs.mav.parse_buffer(data) or []:
                kind = msg.get_type()
                if kind == "MISSION_ACK" and msg.mission_type == mission_type:
                    return int(msg.type)
                requests = ("MISSION_REQUEST_INT", "MISSION_REQUEST")  # ArduPilot asks either way
                if kind in requests and msg.mission_type == mission_type:
                    await gcs.send(
                        "MISSION_ITEM_INT",
                        target_system=gcs.target,
                        target_component=1,
                        seq=msg.seq,
                        current=0,
                        autocontinue=1,
                        mission_type=mission_type,
                        **items[msg.seq],
                    )


async def _download(gcs: Gcs, mission_type: int) -> list[tuple[Any, ...]]:
    gcs.pending.clear()
    await gcs.send(
        "MISSION_REQUEST_LIST",
        target_system=gcs.target,
        target_component=1,
        mission_type=mission_type,
    )
    count = (await gcs.recv("MISSION_COUNT", cond=lambda m: m.mission_type == mission_type)).count
    out = []
    for seq in range(count):
        await gcs.send(
            "MISSION_REQUEST_INT",
            target_system=gcs.target,
            target_component=1,
            seq=seq,
            mission_type=mission_type,
        )
        it = await gcs.recv("MISSION_ITEM_INT", cond=lambda m, s=seq: m.seq == s)
        params = tuple("nan" if math.isnan(p) else round(p, 3) for p in _params(it))
        z = "nan" if math.isnan(it.z) else round(it.z, 2)
        out.append(
            (it.seq, it.frame, it.command, it.current, it.autocontinue, *params, it.x, it.y, z)
        )
    await gcs.send(
        "MISSION_ACK",
        target_system=gcs.target,
        target_component=1,
        type=0,
        mission_type=mission_type,
    )
    return out


def _params(it: Any) -> tuple[float, float, float, float]:
    return (it.param1, it.param2, it.param3, it.param4)


def _item(frame: int, command: int, *p: float, x: int = 0, y: int = 0, z: float = 0.0) -> dict:
    p4 = [*p, *[0.0] * (4 - len(p))]
    return {
        "frame": frame,
        "command": command,
        "param1": p4[0],
        "param2": p4[1],
        "param3": p4[2],
        "param4": p4[3],
        "x": x,
        "y": y,
        "z": z,
    }


def _mission(firmware: Firmware) -> list[dict]:
    """Take-off, a speed change, waypoints in three frames, a timed loiter, return; ArduPilot's
    with home first and no NaN where it refuses one."""
    p4 = 0.0 if firmware is Firmware.ARDUPILOT else NAN
    items = [
        _item(3, 22, 0, 0, 0, NAN, x=LAT, y=LON, z=30.0),
        _item(2, 178, 1, 6.0, -1.0, 0),
        _item(3, 16, 2.0, 3.0, 0, NAN, x=LAT + 2000, y=LON, z=30.0),
        _item(0, 16, 0, 0, 0, 45.0, x=LAT + 2000, y=LON + 2000, z=170.0),
        _item(6, 16, 0, 0, 0, 0, x=LAT + 1000, y=LON + 2000, z=25.0),
        _item(3, 19, 10.0, 0, 0, p4, x=LAT + 1000, y=LON + 1000, z=30.0),
        _item(3, 19, 5.0, 0, 1.0, 1.0, x=LAT + 1000, y=LON, z=30.0),
        _item(2, 20),
    ]
    if firmware is Firmware.ARDUPILOT:
        items.insert(0, _item(0, 16, x=LAT, y=LON, z=140.0))
    return items


def _fence() -> list[dict]:
    d = 30000
    corners = [(-d, -d), (d, -d), (d, d), (-d, d)]
    hole = [(10000, 10000), (12000, 10000), (12000, 12000)]
    return [
        *[_item(0, 5001, 4, x=LAT + n, y=LON + e) for n, e in corners],
        *[_item(3, 5002, 3, x=LAT + n, y=LON + e) for n, e in hole],
        _item(0, 5003, 500.0, NAN, NAN, NAN, x=LAT, y=LON, z=NAN),
        _item(5, 5004, 20.0, x=LAT - 10000, y=LON - 10000),
    ]


def _rally() -> list[dict]:
    return [
        _item(3, 5100, x=LAT + 1000, y=LON + 1000, z=30.0),
        _item(0, 5100, NAN, 0, 0, NAN, x=LAT + 2000, y=LON + 1000, z=170.0),
    ]


def _without_home(items: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """ArduPilot's item 0 is its own home, measured to a few centimetres; compare the rest."""
    return items[1:]


# ---- the comparisons ---------------------------------------------------------------------------


@pytest.mark.parametrize("firmware", FIRMWARES, ids=lambda f: f.value)
async def test_mission_fence_and_rally_read_back_the_same(firmware):
    async def body(gcs: Gcs) -> dict[str, Any]:
        await _ready(gcs, firmware)
        results = {
            "fence": await _upload(gcs, _fence(), 1),
            "rally": await _upload(gcs, _rally(), 2),
            "mission": await _upload(gcs, _mission(firmware), 0),
        }
        mission = await _download(gcs, 0)
        home = mission[0] if firmware is Firmware.ARDUPILOT else None
        out: dict[str, Any] = {
            "results": results,
            "mission": _without_home(mission) if home else mission,
            "fence": await _download(gcs, 1),
            "rally": await _download(gcs, 2),
        }
        if home is not None:
            out["home"] = home[:9]  # seq, frame, command, flags and params: not its position
        # a return item with a NaN param: refused by ArduPilot, kept by PX4
        first = _mission(firmware)[0]
        out["nan_return"] = await _upload(gcs, [first, _item(2, 20, 0, 0, 0, NAN)], 0)
        # a speed change in a global frame: refused by PX4, stored in frame 0 by ArduPilot
        out["speed_in_global_frame"] = await _upload(gcs, [first, _item(3, 178, 1, 4.0)], 0)
        out["speed_read_back"] = (await _download(gcs, 0))[-1]
        return out

    simulated, real = await _both(firmware, body)
    assert simulated["results"] == real["results"] == {"fence": 0, "rally": 0, "mission": 0}
    for kind in ("mission", "fence", "rally"):
        for s, r in zip(simulated[kind], real[kind], strict=True):
            if firmware is Firmware.PX4:  # PX4 marks its current item only once navigator has
                s, r = s[:3] + s[4:], r[:3] + r[4:]  # taken the new plan: it varies run to run
            assert s == r, kind
    assert simulated.get("home") == real.get("home")
    for key in ("nan_return", "speed_in_global_frame", "speed_read_back"):
        assert simulated[key] == real[key], key


AP_PARAMS = (
    "RTL_ALT_M",
    "FENCE_ENABLE",
    "FENCE_OPTIONS",
    "FENCE_ACTION",
    "FENCE_TYPE",
    "FENCE_ALT_MAX",
    "FENCE_RADIUS",
    "FENCE_MARGIN",
    "FS_GCS_ENABLE",
    "FS_GCS_TIMEOUT",
    "BATT_FS_CRT_ACT",
    "BATT_FS_LOW_ACT",
    "MAV_GCS_SYSID",
    "MAV_SYSID",
    "WP_SPD",
    "WP_RADIUS_M",
    "DISARM_DELAY",
    "MAV1_POSITION",
    "MAV1_EXTRA1",
)
PX4_PARAMS = (
    "GF_ACTION",
    "NAV_DLL_ACT",
    "COM_DL_LOSS_T",
    "COM_LOW_BAT_ACT",
    "RTL_RETURN_ALT",
    "RTL_DESCEND_ALT",
    "GF_MAX_VER_DIST",
    "GF_MAX_HOR_DIST",
    "MIS_TAKEOFF_ALT",
    "NAV_ACC_RAD",
    "COM_DISARM_LAND",
    "COM_DISARM_PRFLT",
    "MPC_XY_CRUISE",
)
#: Parameters the real one differs in by its set-up, not by its kind: PX4 SITL scales the
#: link-loss time by its speed-up, and numbers its system by its instance.
SET_UP = {"COM_DL_LOSS_T", "MAV_SYS_ID", "MAV_SYSID"}
GONE = {
    Firmware.ARDUPILOT: ("RTL_ALT", "SR0_POSITION", "SYSID_MYGCS", "WPNAV_SPEED"),
    Firmware.PX4: ("MAV_GCS_SYSID", "FENCE_ENABLE"),
}


@pytest.mark.parametrize("firmware", FIRMWARES, ids=lambda f: f.value)
async def test_parameters_have_the_same_names_types_and_defaults(firmware):
    names = AP_PARAMS if firmware is Firmware.ARDUPILOT else PX4_PARAMS
    int_param = "FENCE_ENABLE" if firmware is Firmware.ARDUPILOT else "NAV_DLL_ACT"

    async def body(gcs: Gcs) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in names:
            reply = await gcs.param_message(name, 10.0)
            value = None if name in SET_UP else round(float(reply.param_value), 3)
            found[name] = (int(reply.param_type), value)
        for name in GONE[firmware]:
            with pytest.raises(TimeoutError):
                await gcs.param_message(name, 1.5)
        kind = found[int_param][0]
        await gcs.send(
            "PARAM_SET",
            target_system=gcs.target,
            target_component=1,
            param_id=int_param.encode(),
            param_value=0.0,
            param_type=kind,
        )
        echo = await gcs.recv("PARAM_VALUE", 10.0, lambda m: m.param_id == int_param)
        found["echo"] = (int(echo.param_type), float(echo.param_value), int(echo.param_index))
        return found

    simulated, real = await _both(firmware, body)
    if firmware is Firmware.PX4:  # PX4 numbers its parameters; the simulator has fewer
        simulated["echo"], real["echo"] = simulated["echo"][:2], real["echo"][:2]
    assert simulated == real


@pytest.mark.parametrize("firmware", FIRMWARES, ids=lambda f: f.value)
async def test_streams_flow_as_asked_and_home_position_comes_on_request(firmware):
    ardupilot = firmware is Firmware.ARDUPILOT

    async def body(gcs: Gcs) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen = await _messages(gcs, 2.0)
        out["position before asking"] = any(m.get_type() == "GLOBAL_POSITION_INT" for m in seen)
        if ardupilot:
            await gcs.set_param("MAV1_POSITION", 4.0, 4)  # read at boot only
            seen = await _messages(gcs, 2.0)
            out["after MAV1_POSITION"] = any(m.get_type() == "GLOBAL_POSITION_INT" for m in seen)
            await gcs.send(
                "REQUEST_DATA_STREAM",
                target_system=gcs.target,
                target_component=1,
                req_stream_id=6,
                req_message_rate=2,
                start_stop=1,
            )
            await _until(gcs, lambda m: m.get_type() == "GLOBAL_POSITION_INT")
            out["MAV1_POSITION"] = await gcs.read_param("MAV1_POSITION")
        else:
            out["stop"] = _acks(await _command(gcs, 511, 33, -1), 511)
            seen = await _messages(gcs, 1.5)
            out["position after stop"] = any(m.get_type() == "GLOBAL_POSITION_INT" for m in seen)
        out["interval"] = _acks(await _command(gcs, 511, 30, 200_000), 511)  # ATTITUDE 5 Hz
        await _until(gcs, lambda m: m.get_type() == "ATTITUDE")
        out["unknown interval"] = _acks(await _command(gcs, 511, 9999, 1e6), 511)
        out["unknown request"] = _acks(await _command(gcs, 512, 9999), 512)
        for command, params in ((512, (242,)), (410, ())):
            seen = await _command(gcs, command, *params)
            if not any(m.get_type() == "HOME_POSITION" for m in seen):
                seen += await _until(gcs, lambda m: m.get_type() == "HOME_POSITION")
            home = next(m for m in seen if m.get_type() == "HOME_POSITION")
            out[command] = (_acks(seen, command), round(home.latitude, -2), math.isnan(home.q[0]))
        return out

    simulated, real = await _both(firmware, body)
    assert simulated == real
    assert simulated["position before asking"] is not ardupilot


@pytest.mark.parametrize("firmware", FIRMWARES, ids=lambda f: f.value)
async def test_arming_is_refused_in_the_same_modes_with_the_same_words(firmware):
    ardupilot = firmware is Firmware.ARDUPILOT
    modes = [(3,), (6,), (9,), (17,), (5,)] if ardupilot else [(4, 5), (4, 6), (4, 3)]

    async def body(gcs: Gcs) -> list[Any]:
        await _ready(gcs, firmware)
        out = []
        for mode in modes:
            seen = await _command(gcs, 176, 1, *mode, acks=1 if ardupilot else 2)
            entered = _acks(seen, 176)
            seen = await _command(gcs, 400, 1)
            # ArduPilot's words; PX4's STATUSTEXT reaches this link only some runs (its
            # "Arming denied: Resolve system health failures first" is checked on the simulator)
            refused = [t for t in _texts(seen) if t.startswith("Arm")] if ardupilot else []
            out.append((mode, entered, _acks(seen, 400), refused))
            if _acks(seen, 400) == [0]:
                await _command(gcs, 400, 0)
        return out

    simulated, real = await _both(firmware, body)
    assert simulated == real


def _two_zones() -> list[dict]:
    """Two inclusion areas 1 km apart, home in the first."""
    d, away = 3000, 9000
    around_home = [(-d, -d), (d, -d), (d, d), (-d, d)]
    apart = [(n + away, e) for n, e in around_home]
    return [
        *[_item(0, 5001, 4, x=LAT + n, y=LON + e) for n, e in around_home],
        *[_item(0, 5001, 4, x=LAT + n, y=LON + e) for n, e in apart],
    ]


@pytest.mark.parametrize("firmware", FIRMWARES, ids=lambda f: f.value)
async def test_two_inclusion_areas_allow_either_only_with_arducopters_union_option(firmware):
    """ArduPilot keeps the vehicle inside every inclusion area at once (home in one of two zones
    apart is outside the fence) until FENCE_OPTIONS bit 1 makes them a union; PX4 takes the
    union. Preflight sets that bit (`patrol.autopilots`)."""
    ardupilot = firmware is Firmware.ARDUPILOT
    mode = (4,) if ardupilot else (4, 3)

    async def arms(gcs: Gcs) -> list[int]:
        await _command(gcs, 176, 1, *mode, acks=1 if ardupilot else 2)
        acks = _acks(await _command(gcs, 400, 1), 400)
        if acks == [0]:
            await _command(gcs, 400, 0)
        return acks

    async def body(gcs: Gcs) -> dict[str, Any]:
        await _ready(gcs, firmware)
        out: dict[str, Any] = {"upload": await _upload(gcs, _two_zones(), 1)}
        if ardupilot:
            await gcs.set_param("FENCE_ENABLE", 1.0, 2)
        for _ in range(2):  # the fence loaded and checked
            await _until(gcs, lambda m: m.get_type() == "HEARTBEAT")
        out["arms"] = await arms(gcs)
        if ardupilot:
            await gcs.set_param("FENCE_OPTIONS", 2.0, 4)
            with anyio.fail_after(60):  # its pre-arm checks rerun within seconds
                while (result := await arms(gcs)) != [0]:
                    await _until(gcs, lambda m: m.get_type() == "HEARTBEAT")
            out["arms with union"] = result
        return out

    simulated, real = await _both(firmware, body)
    assert simulated == real
    if ardupilot:
        assert real["arms"] != [0]
        assert real["arms with union"] == [0]
    else:
        assert real["arms"] == [0]


#: Every command a .plan may carry into patrol (`missions.commands.ACCEPTED`) that the simulator
#: did not fly before, each in a mission of its own: [take-off, the command, return].
PLAN_COMMANDS = {
    31: (3, (1.0, 20.0, 0.0, NAN), 30.0),  # NAV_LOITER_TO_ALT
    82: (3, (0.0, 0.0, 0.0, NAN), 30.0),  # NAV_SPLINE_WAYPOINT
    189: (2, (0.0, 0.0, 0.0, 0.0), 0.0),  # DO_LAND_START
    192: (3, (-1.0, 1.0, 0.0, NAN), 30.0),  # DO_REPOSITION
    202: (2, (0.0, 0.0, 0.0, 0.0), 0.0),  # DO_DIGICAM_CONFIGURE
    203: (2, (0.0, 0.0, 0.0, 0.0), 0.0),  # DO_DIGICAM_CONTROL
    204: (2, (2.0, 1.0, 1.0, 1.0), 0.0),  # DO_MOUNT_CONFIGURE
    214: (2, (2.0, 0.0, 1.0, 0.0), 0.0),  # DO_SET_CAM_TRIGG_INTERVAL
    530: (2, (0.0, 0.0, 0.0, 0.0), 0.0),  # SET_CAMERA_MODE
    531: (2, (1.0, 50.0, 0.0, 0.0), 0.0),  # SET_CAMERA_ZOOM
    532: (2, (1.0, 50.0, 0.0, 0.0), 0.0),  # SET_CAMERA_FOCUS
    2500: (2, (0.0, 0.0, 0.0, 0.0), 0.0),  # VIDEO_START_STREAMING
    2501: (2, (0.0, 0.0, 0.0, 0.0), 0.0),  # VIDEO_STOP_STREAMING
}


@pytest.mark.parametrize("firmware", FIRMWARES, ids=lambda f: f.value)
async def test_every_plan_command_patrol_accepts_is_taken_or_refused_alike(firmware):
    """A .plan may carry commands one autopilot takes in a mission and the other refuses: the
    simulator answers each upload as the real one does, and patrol's table of refusals
    (`missions.commands.REFUSED_BY`, which preflight applies) is the real one's."""
    ardupilot = firmware is Firmware.ARDUPILOT

    async def body(gcs: Gcs) -> dict[int, int]:
        await _ready(gcs, firmware)
        out = {}
        for command, (frame, params, z) in PLAN_COMMANDS.items():
            positional = frame == 3
            # ArduPilot refuses NaN (patrol sends it 0 for an unused param)
            used = tuple(0.0 if ardupilot and math.isnan(v) else v for v in params)
            middle = _item(
                frame,
                command,
                *used,
                x=LAT + 1000 if positional else 0,
                y=LON if positional else 0,
                z=z,
            )
            items = [_item(3, 22, 0, 0, 0, NAN, x=LAT, y=LON, z=30.0), middle, _item(2, 20)]
            if ardupilot:
                items.insert(0, _item(0, 16, x=LAT, y=LON, z=140.0))
            out[command] = await _upload(gcs, items, 0)
        return out

    simulated, real = await _both(firmware, body)
    assert simulated == real
    # what preflight refuses by name before sending anything is what the autopilot refuses
    autopilot = Autopilot.ARDUPILOT if ardupilot else Autopilot.PX4
    unsupported = 3  # MAV_MISSION_UNSUPPORTED
    assert {c for c, result in real.items() if result == unsupported} == REFUSED_BY[autopilot]
    assert all(result in (0, unsupported) for result in real.values()), real
