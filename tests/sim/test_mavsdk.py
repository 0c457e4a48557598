"""MAVSDK (the project's vehicle library) flies the simulator as it flies PX4 SITL."""

import math

import anyio
import pytest
from mavsdk import ComponentType, Configuration
from mavsdk.asyncio import Mavsdk
from mavsdk.asyncio.plugins.action.action import ActionAsync
from mavsdk.asyncio.plugins.mission_raw.mission_raw import MissionRawAsync
from mavsdk.asyncio.plugins.telemetry.telemetry import TelemetryAsync
from mavsdk.plugins.mission_raw import MissionItem

from sim.scenario import Scenario
from sim.server import Simulation
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
LAT, LON = 165424000, 1047246000
NAN = float("nan")


def _mission() -> list[MissionItem]:
    return [
        MissionItem(0, 3, 22, 1, 1, 0.0, 0.0, 0.0, NAN, LAT, LON, 20.0, 0),
        MissionItem(1, 3, 16, 0, 1, 0.0, 0.0, 0.0, NAN, LAT + 4000, LON, 20.0, 0),
        MissionItem(2, 3, 16, 0, 1, 0.0, 0.0, 0.0, NAN, LAT + 4000, LON + 4000, 20.0, 0),
        MissionItem(3, 2, 20, 0, 1, 0.0, 0.0, 0.0, 0.0, 0, 0, 0.0, 0),
    ]


def _fence() -> list[MissionItem]:
    d = 20000
    corners = [(LAT - d, LON - d), (LAT - d, LON + d), (LAT + d, LON + d), (LAT + d, LON - d)]
    return [
        MissionItem(k, 0, 5001, 0, 1, 4.0, 0.0, 0.0, 0.0, x, y, 0.0, 1)
        for k, (x, y) in enumerate(corners)
    ]


def _key(items) -> list[tuple]:
    return [(i.command, i.frame, i.x, i.y, round(i.z, 3), i.param1) for i in items]


async def test_mavsdk_uploads_reads_back_arms_flies_returns_and_lands():
    ports = make_ports()
    sim = Simulation(Scenario(speedup=20.0), ports)
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
                await mission.upload_geofence(_fence())
                assert _key(await mission.download_geofence()) == _key(_fence())
                await mission.upload_mission(_mission())
                assert _key(await mission.download_mission()) == _key(_mission())
                async for health in telemetry.subscribe_health():
                    if health.is_global_position_ok and health.is_home_position_ok:
                        break
                await action.arm()
                await mission.start_mission()
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
    assert ap.store.current_seq == 4  # every item flown
