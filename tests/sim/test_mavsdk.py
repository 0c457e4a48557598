"""MAVSDK (the project's vehicle library) flies the simulator as it flies PX4 SITL."""

import math

import anyio
import pytest
from mavsdk import ComponentType, Configuration
from mavsdk.asyncio import Mavsdk
from mavsdk.asyncio.plugins.action.action import ActionAsync
from mavsdk.asyncio.plugins.mission_raw.mission_raw import MissionRawAsync
from mavsdk.asyncio.plugins.param.param import ParamAsync
from mavsdk.asyncio.plugins.telemetry.telemetry import TelemetryAsync
from mavsdk.plugins.mission_raw import MissionItem
from mavsdk.plugins.telemetry import FlightMode

from sim.autopilot import Firmware
from sim.scenario import Scenario
from sim.server import Simulation
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
LAT, LON = 165424000, 1047246000
NAN = float("nan")


def _mission(firmware: Firmware) -> list[MissionItem]:
    """Take-off, two waypoints, return. ArduPilot keeps item 0 as home and wants no NaN."""
    yaw = 0.0 if firmware is Firmware.ARDUPILOT else NAN
    items = [
        MissionItem(0, 3, 22, 1, 1, 0.0, 0.0, 0.0, yaw, LAT, LON, 20.0, 0),
        MissionItem(0, 3, 16, 0, 1, 0.0, 0.0, 0.0, yaw, LAT + 4000, LON, 20.0, 0),
        MissionItem(0, 3, 16, 0, 1, 0.0, 0.0, 0.0, yaw, LAT + 4000, LON + 4000, 20.0, 0),
        MissionItem(0, 2, 20, 0, 1, 0.0, 0.0, 0.0, 0.0, 0, 0, 0.0, 0),
    ]
    if firmware is Firmware.ARDUPILOT:
        items.insert(0, MissionItem(0, 0, 16, 0, 1, 0.0, 0.0, 0.0, 0.0, LAT, LON, 140.0, 0))
    for seq, it in enumerate(items):
        it.seq = seq
    return items


def _fence() -> list[MissionItem]:
    d = 20000
    corners = [(LAT - d, LON - d), (LAT - d, LON + d), (LAT + d, LON + d), (LAT + d, LON - d)]
    return [
        MissionItem(k, 0, 5001, 0, 1, 4.0, 0.0, 0.0, 0.0, x, y, 0.0, 1)
        for k, (x, y) in enumerate(corners)
    ]


def _key(items) -> list[tuple]:
    return [(i.command, i.x, i.y, round(i.z, 3), i.param1) for i in items]


#: The frames each real autopilot hands back (PX4 the `_INT` ones; ArduPilot frame 0 for the
#: return item, and the fence always in frame 0), as tests/sim/test_real_agree.py measures.
READ_BACK_FRAMES = {
    Firmware.PX4: ([5] * 4, [6, 6, 6, 2]),
    Firmware.ARDUPILOT: ([0] * 4, [0, 3, 3, 3, 0]),
}


async def _start_mission(mission: MissionRawAsync, telemetry: TelemetryAsync) -> None:
    """Start the mission until the vehicle reports mission mode: PX4 acknowledges a switch it
    does not take while it still checks a plan just uploaded."""
    while True:
        await mission.start_mission()
        with anyio.move_on_after(0.2):  # 4 s of sim time at 20x: less than the idle disarm
            async for mode in telemetry.subscribe_flight_mode():
                if mode == FlightMode.MISSION:
                    return


@pytest.mark.parametrize("firmware", [Firmware.PX4, Firmware.ARDUPILOT])
async def test_mavsdk_uploads_reads_back_arms_flies_returns_and_lands(firmware):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=20.0, autopilot=firmware), ports)
    config = Configuration.create_with_component_type(ComponentType.GROUND_STATION)
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        async with Mavsdk(config) as mavsdk:
            await mavsdk.add_any_connection(f"udpin://127.0.0.1:{ports.api_remote_base}")
            system = await mavsdk.first_autopilot(timeout_s=10.0)
            assert system is not None
            mission, telemetry, action = (
                MissionRawAsync(system),
                TelemetryAsync(system),
                ActionAsync(system),
            )
            with anyio.fail_after(90):
                fence_frames, mission_frames = READ_BACK_FRAMES[firmware]
                await mission.upload_geofence(_fence())
                fence = await mission.download_geofence()
                assert _key(fence) == _key(_fence())
                assert [i.frame for i in fence] == fence_frames
                await mission.upload_mission(_mission(firmware))
                back = await mission.download_mission()
                assert _key(back) == _key(_mission(firmware))
                assert [i.frame for i in back] == mission_frames
                if firmware is Firmware.ARDUPILOT:  # quiet until asked, as ArduPilot is
                    await ParamAsync(system).set_param_float("FENCE_RADIUS", 500.0)
                    for set_rate in (
                        telemetry.set_rate_position,
                        telemetry.set_rate_gps_info,
                        telemetry.set_rate_battery,
                        telemetry.set_rate_in_air,
                        telemetry.set_rate_home,
                    ):
                        await set_rate(2.0)
                if firmware is Firmware.ARDUPILOT:  # SYS_STATUS, which health needs, is not asked
                    async for _position in telemetry.subscribe_position():
                        break
                else:
                    async for health in telemetry.subscribe_health():
                        if health.is_global_position_ok and health.is_home_position_ok:
                            break
                await action.arm()
                await _start_mission(mission, telemetry)
                async for in_air in telemetry.subscribe_in_air():
                    if in_air:
                        break
                async for armed in telemetry.subscribe_armed():
                    if not armed:
                        break
        tg.cancel_scope.cancel()
    ap = sim.vehicles[0].ap
    assert ap.body.on_ground
    assert math.hypot(ap.body.east_m, ap.body.north_m) < 2.0
    assert ap.mission_complete  # every item flown
