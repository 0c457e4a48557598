"""The simulator on the wire, over real UDP sockets, with a pymavlink ground station."""

import itertools
import math
import struct

import anyio
import pytest
from pymavlink.dialects.v20 import common as mavlink

from sim.px4 import PARAMS, FlightMode, custom_mode
from sim.scenario import PAD_SPACING_M, Scenario
from sim.server import Simulation
from tests.sim.client import Gcs, make_ports, open_gcs

pytestmark = pytest.mark.anyio
NAN = float("nan")
LAT, LON = 165424000, 1047246000


async def _with_sim(body, scenario: Scenario | None = None, vehicles: int = 1, link: str = "api"):
    sim = Simulation(scenario or Scenario(speedup=20.0), make_ports(vehicles))
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        gcs = await open_gcs(sim, link)
        try:
            await body(sim, gcs)
        finally:
            await gcs.sock.aclose()
            tg.cancel_scope.cancel()


async def _upload(gcs: Gcs, items: list[dict], mission_type: int = 0) -> int:
    """Upload as a ground station does; returns the vehicle's MAV_MISSION_RESULT (which may
    come early, when an item is refused)."""
    await gcs.send(
        "MISSION_COUNT",
        target_system=1,
        target_component=1,
        count=len(items),
        mission_type=mission_type,
    )
    with anyio.fail_after(10):
        while True:
            data, _addr = await gcs.sock.receive()
            for msg in gcs.mav.parse_buffer(data) or []:
                if msg.get_type() == "MISSION_ACK":
                    return int(msg.type)
                if msg.get_type() == "MISSION_REQUEST_INT":
                    await gcs.send(
                        "MISSION_ITEM_INT",
                        target_system=1,
                        target_component=1,
                        seq=msg.seq,
                        mission_type=mission_type,
                        **items[msg.seq],
                    )


async def _download(gcs: Gcs, mission_type: int = 0) -> list:
    await gcs.send(
        "MISSION_REQUEST_LIST", target_system=1, target_component=1, mission_type=mission_type
    )
    count = (await gcs.recv("MISSION_COUNT")).count
    out = []
    for seq in range(count):
        await gcs.send(
            "MISSION_REQUEST_INT",
            target_system=1,
            target_component=1,
            seq=seq,
            mission_type=mission_type,
        )
        out.append(await gcs.recv("MISSION_ITEM_INT", cond=lambda m, s=seq: m.seq == s))
    await gcs.send(
        "MISSION_ACK", target_system=1, target_component=1, type=0, mission_type=mission_type
    )
    return out


def _wp(
    command: int, x: int = LAT, y: int = LON, z: float = 20.0, frame: int = 3, p1: float = 0.0
) -> dict:
    return {
        "frame": frame,
        "command": command,
        "current": 0,
        "autocontinue": 1,
        "param1": p1,
        "param2": 0.0,
        "param3": 0.0,
        "param4": NAN,
        "x": x,
        "y": y,
        "z": z,
    }


async def test_identity_as_px4_quadrotor():
    async def body(sim, gcs):
        hb = await gcs.recv("HEARTBEAT")
        assert (hb.type, hb.autopilot) == (2, 12)
        assert hb.custom_mode == custom_mode(FlightMode.HOLD) == (4 << 16) | (3 << 24)
        assert hb.get_srcSystem() == 1
        assert await gcs.command(512, 148) == 0  # REQUEST_MESSAGE AUTOPILOT_VERSION
        version = await gcs.recv("AUTOPILOT_VERSION")
        for bit in (4, 8, 8192, 16384, 32768):  # MISSION_INT, COMMAND_INT, MAVLINK2, FENCE, RALLY
            assert version.capabilities & bit
        home = await gcs.recv("HOME_POSITION", timeout_s=5)
        assert (home.latitude, home.longitude) == (LAT, LON)

    await _with_sim(body)


async def test_mission_fence_and_rally_round_trip():
    mission = [
        _wp(22),
        _wp(16, LAT + 3000),
        _wp(19, LAT + 3000, LON + 3000, p1=10.0),
        _wp(20, 0, 0, 0.0, frame=2),
    ]
    corners = [
        (LAT - 9000, LON - 9000),
        (LAT - 9000, LON + 9000),
        (LAT + 9000, LON + 9000),
        (LAT + 9000, LON - 9000),
    ]
    fence = [{**_wp(5001, x, y, 0.0, frame=0, p1=4.0), "param4": 0.0} for x, y in corners]
    fence.append({**_wp(5004, LAT + 2000, LON, 0.0, frame=0, p1=15.0), "param4": 0.0})
    rally = [_wp(5100, LAT + 1000, LON + 1000, 30.0)]

    async def body(sim, gcs):
        for kind, items in ((0, mission), (1, fence), (2, rally)):
            assert await _upload(gcs, items, kind) == 0
            back = await _download(gcs, kind)
            assert [(m.command, m.x, m.y, m.z, m.param1) for m in back] == [
                (i["command"], i["x"], i["y"], i["z"], i["param1"]) for i in items
            ]
        await gcs.send("MISSION_CLEAR_ALL", target_system=1, target_component=1, mission_type=2)
        assert (await gcs.recv("MISSION_ACK")).type == 0
        assert await _download(gcs, 2) == []

    await _with_sim(body)


async def test_mission_rejections_name_the_fault():
    async def body(sim, gcs):
        assert await _upload(gcs, [_wp(22), _wp(31000)]) == mavlink.MAV_MISSION_UNSUPPORTED
        assert await _upload(gcs, [_wp(16, x=950_000_000)]) == mavlink.MAV_MISSION_INVALID_PARAM5_X
        assert await _upload(gcs, [_wp(16, frame=1)]) == mavlink.MAV_MISSION_UNSUPPORTED_FRAME
        bad_fence = [{**_wp(5001, frame=0, p1=4.0), "param4": 0.0}] * 2  # 2 of 4 vertices
        assert await _upload(gcs, bad_fence, 1) == mavlink.MAV_MISSION_INVALID_PARAM1

    await _with_sim(body)


async def test_out_of_order_items_are_asked_for_again_and_requests_repeat():
    async def body(sim, gcs):
        await gcs.send(
            "MISSION_COUNT", target_system=1, target_component=1, count=2, mission_type=0
        )
        assert (await gcs.recv("MISSION_REQUEST_INT")).seq == 0
        await gcs.send(
            "MISSION_ITEM_INT",
            target_system=1,
            target_component=1,
            seq=1,
            mission_type=0,
            **_wp(16),
        )  # seq 1 before 0
        assert (await gcs.recv("MISSION_REQUEST_INT")).seq == 0
        # say nothing: the request is repeated (PX4 retries every 250 ms)
        assert (await gcs.recv("MISSION_REQUEST_INT", timeout_s=1.0)).seq == 0
        # a second upload while this one is under way is refused
        await gcs.send(
            "MISSION_ITEM_INT",
            target_system=1,
            target_component=1,
            seq=0,
            mission_type=0,
            **_wp(22),
        )
        assert (await gcs.recv("MISSION_REQUEST_INT")).seq == 1
        await gcs.send(
            "MISSION_COUNT", target_system=1, target_component=1, count=5, mission_type=0
        )
        assert (await gcs.recv("MISSION_ACK")).type == mavlink.MAV_MISSION_DENIED
        await gcs.send(
            "MISSION_ITEM_INT",
            target_system=1,
            target_component=1,
            seq=1,
            mission_type=0,
            **_wp(16),
        )
        assert (await gcs.recv("MISSION_ACK")).type == 0

    await _with_sim(body)


async def test_garbage_bad_crc_and_unknown_messages_do_not_disturb_it():
    async def body(sim, gcs):
        await gcs.send_raw(bytes(range(256)) * 4)
        frame = gcs.mav.heartbeat_encode(6, 8, 0, 0, 4).pack(gcs.mav)
        await gcs.send_raw(frame[:-2] + bytes([frame[-2] ^ 0xFF, frame[-1]]))  # bad CRC
        unknown = bytearray(frame)
        unknown[7:10] = (54321).to_bytes(3, "little")  # a message id nobody defined
        await gcs.send_raw(bytes(unknown))
        await gcs.send_raw(b"\xfd\x09")  # a truncated frame
        assert await gcs.command(400, 1) == 0  # still answers
        assert sim.vehicles[0].ap.armed

    await _with_sim(body)


async def test_params_read_set_and_bytewise_ints():
    async def body(sim, gcs):
        as_int = struct.unpack("<f", struct.pack("<i", 2))[0]  # PX4's bytewise int
        echo = await gcs.set_param("NAV_DLL_ACT", as_int, 6)
        assert struct.unpack("<i", struct.pack("<f", echo))[0] == 2
        assert sim.vehicles[0].ap.params["NAV_DLL_ACT"] == 2
        await gcs.set_param("RTL_RETURN_ALT", 45.0, 9)
        assert await gcs.read_param("RTL_RETURN_ALT") == 45.0
        gcs.pending.clear()
        await gcs.send("PARAM_REQUEST_LIST", target_system=1, target_component=1)
        names = set()
        with anyio.fail_after(5):
            while len(names) < 20:
                value = await gcs.recv("PARAM_VALUE")
                names.add(value.param_id)
                assert value.param_count == len(PARAMS)
        assert {
            "GF_ACTION",
            "NAV_DLL_ACT",
            "COM_DL_LOSS_T",
            "RTL_RETURN_ALT",
            "BAT_LOW_THR",
            "COM_LOW_BAT_ACT",
        } <= names

    await _with_sim(body)


async def test_commands_and_their_results():
    async def body(sim, gcs):
        assert await gcs.command(42424) == mavlink.MAV_RESULT_UNSUPPORTED
        assert (
            await gcs.command(22, 0, 0, 0, NAN, NAN, NAN, 160.0)
            == mavlink.MAV_RESULT_TEMPORARILY_REJECTED
        )  # not armed
        assert await gcs.command(300) == mavlink.MAV_RESULT_TEMPORARILY_REJECTED  # no mission
        assert await gcs.command(400, 1) == 0
        assert await gcs.command(176, 1, 4, 2) == 0  # DO_SET_MODE AUTO.TAKEOFF
        hb = await gcs.recv("HEARTBEAT", cond=lambda m: m.base_mode & 128)
        assert hb.system_status == 4
        await gcs.recv("EXTENDED_SYS_STATE", timeout_s=10, cond=lambda m: m.landed_state == 2)
        assert await gcs.command(20) == 0  # return
        text = await gcs.recv(
            "STATUSTEXT", timeout_s=30, cond=lambda m: "Disarmed by landing" in m.text
        )
        assert text.severity == 6

    await _with_sim(body)


async def test_message_interval_turns_a_stream_off_and_on():
    async def body(sim, gcs):
        await gcs.recv("ATTITUDE")
        assert await gcs.command(511, mavlink.MAVLINK_MSG_ID_ATTITUDE, -1) == 0
        await anyio.sleep(0.2)
        gcs.pending.clear()
        with pytest.raises(TimeoutError):
            await gcs.recv("ATTITUDE", timeout_s=0.5)
        assert await gcs.command(511, mavlink.MAVLINK_MSG_ID_ATTITUDE, 0) == 0  # default
        await gcs.recv("ATTITUDE", timeout_s=1.0)

    await _with_sim(body)


async def test_ground_station_port_and_several_vehicles():
    async def body(sim, gcs):
        seen = set()
        with anyio.fail_after(5):
            while len(seen) < 3:
                hb = await gcs.recv("HEARTBEAT")
                seen.add(hb.get_srcSystem())
        assert seen == {1, 2, 3}
        homes = [v.ap.home for v in sim.vehicles]
        spacing = [
            (b.lon_deg - a.lon_deg) * 111_320 * math.cos(math.radians(a.lat_deg))
            for a, b in itertools.pairwise(homes)
        ]
        assert spacing == pytest.approx([PAD_SPACING_M, PAD_SPACING_M], abs=0.01)

    await _with_sim(body, Scenario(speedup=20.0).with_vehicles(3), vehicles=3, link="gcs")


async def test_link_loss_returns_and_is_announced():
    sim = Simulation(Scenario(speedup=20.0))
    v = sim.vehicles[0]
    ap = v.ap
    ap.params["NAV_DLL_ACT"] = 2
    ap.params["COM_DL_LOSS_T"] = 3
    gcs = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)
    beat = gcs.heartbeat_encode(6, 8, 0, 0, 4).pack(gcs)
    gcs_at = ("127.0.0.1", sim.ports.gcs_remote)  # where the ground station speaks from
    v.proto.receive("gcs", gcs_at, beat, wall_s=0.0)
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 20)
    for k in range(50 * 20):
        sim.step()
        v.proto.tick(wall_s=k / 50 / 20)  # one wall second passes
    assert ap.mode is FlightMode.HOLD
    sent = v.proto.tick(wall_s=4.0)  # four seconds of silence: the failsafe fires
    assert ap.mode is FlightMode.RETURN
    reader = mavlink.MAVLink(None)
    said = [
        m.text
        for _link, data in sent
        for m in reader.parse_buffer(data) or []
        if m.get_type() == "STATUSTEXT"
    ]
    assert "Connection to ground station lost" in said
    v.proto.receive("gcs", gcs_at, beat, wall_s=4.5)
    assert ap.failsafes.link is False


async def test_link_drop_silences_the_vehicle_then_it_comes_back():
    from sim.scenario import Fault, FaultKind

    scenario = Scenario(speedup=20.0, faults=(Fault(0, FaultKind.LINK_DROP, 10.0, 40.0),))

    async def body(sim, gcs):
        await gcs.recv("HEARTBEAT")
        for _ in range(500):  # until the drop is under way (sim time, not wall time)
            if sim.sim_time_s > 11.0:
                break
            await anyio.sleep(0.01)
        assert sim.vehicles[0].link_down
        await gcs.drain()  # what was sent before the drop
        with pytest.raises(TimeoutError):
            await gcs.recv("HEARTBEAT", timeout_s=0.8)  # 16 sim seconds of silence
        await gcs.recv("HEARTBEAT", timeout_s=5.0)  # after 40 sim seconds it talks again

    await _with_sim(body, scenario)
