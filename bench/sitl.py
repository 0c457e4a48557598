"""The real autopilots beside the simulator: connect-to-armed time, and mission upload and
read-back of 50 and 500 waypoints, on the real ArduCopter and PX4 SITL from `shared/` and on
patrol's own simulator, in the same run (each at real time).

Connect-to-armed is measured on a vehicle that is already ready (fix, home, estimator settled):
opening the link, asking for telemetry, the whole preflight (parameters, fence, mission and rally
points uploaded and read back) and the arm, until the vehicle reports itself armed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path

import anyio

from geofence.mavlink import MavItem
from missions import plan_file
from missions.mission import Mission, plain_waypoint
from patrol.mavsdk_vehicle import MavsdkVehicle, connect
from patrol.preflight import CheckResult, preflight
from patrol.vehicle import ItemKind, item_difference
from sim.ports import local_ports
from sim.scenario import Scenario
from sim.server import Simulation
from sim.sitl import Firmware, missing, start

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"

READY_TIMEOUT_S = 120.0


def _ignore(_result: CheckResult) -> None:
    """Preflight results go nowhere; a failing check raises."""


async def _ready(url: str) -> None:
    """Wait until the vehicle has its fix and home and its own arming checks pass."""
    async with connect(url, timeout_s=60.0) as vehicle:
        with anyio.fail_after(READY_TIMEOUT_S):
            while True:
                status = await vehicle.status()
                if status.gps_fix_3d and status.home and vehicle.live.prearm_ok is not False:
                    break
                await anyio.sleep(0.5)
        await anyio.sleep(3.0)  # PX4 settles its heading after it says it has a fix


async def connect_to_armed_s(url: str, mission: Mission) -> float:
    await _ready(url)
    start_s = time.perf_counter()
    async with connect(url, timeout_s=60.0) as vehicle:
        await preflight(vehicle, mission, battery_needed_pct=None, reserve_pct=25.0, report=_ignore)
        await vehicle.arm()
        await vehicle.wait_until(lambda: vehicle.live.armed)
        elapsed = time.perf_counter() - start_s
        await vehicle.disarm()
    return elapsed


async def upload_s(vehicle: MavsdkVehicle, items: tuple[MavItem, ...]) -> float:
    start_s = time.perf_counter()
    await vehicle.upload(ItemKind.MISSION, items)
    back = await vehicle.download(ItemKind.MISSION)
    elapsed = time.perf_counter() - start_s
    profile = vehicle.profile
    assert len(back) == len(items)
    for sent, got in zip(items, back, strict=True):
        expected = profile.expected_back(sent, 0)
        assert item_difference(expected, got, profile.unused_param) is None
    return elapsed


async def uploads(url: str, waypoints: Callable[[int], tuple[MavItem, ...]]) -> dict[int, float]:
    out: dict[int, float] = {}
    async with connect(url, timeout_s=60.0) as vehicle:
        for count in (1, 50, 500):
            times = [await upload_s(vehicle, waypoints(count)) for _ in range(3)]
            out[count] = min(times)
    return out


@contextlib.asynccontextmanager
async def _real(firmware: Firmware) -> AsyncIterator[str]:
    with start(firmware, speedup=1.0) as sitl:
        yield sitl.url


async def figures(
    mission: Mission,
    waypoints: Callable[[int], tuple[MavItem, ...]],
    simulator: Callable[[], contextlib.AbstractAsyncContextManager[str]],
) -> list[tuple[str, float, dict[int, float]]]:
    """(name, connect-to-armed s, {waypoints: upload + read-back s}) for the simulator and
    each real autopilot that is present."""
    rows = []
    sources: list[tuple[str, Callable[[], contextlib.AbstractAsyncContextManager[str]]]] = [
        ("patrol simulator (PX4 flavour)", simulator)
    ]
    for firmware in Firmware:
        reason = missing(firmware)
        if reason is not None:
            print(f"  {firmware.value}: skipped ({reason})")
            continue
        sources.append((f"{firmware.value} SITL", partial(_real, firmware)))
    for name, opened in sources:
        async with opened() as url:
            armed_s = await connect_to_armed_s(url, mission)
            times = await uploads(url, waypoints)
        rows.append((name, armed_s, times))
    return rows


@contextlib.asynccontextmanager
async def simulated() -> AsyncIterator[str]:
    """patrol's simulator at real time on free loopback ports, in this process."""
    ports = local_ports()
    async with anyio.create_task_group() as tg:
        await tg.start(Simulation(Scenario(speedup=1.0), ports).serve)
        yield f"udpin://127.0.0.1:{ports.api_remote_base}"
        tg.cancel_scope.cancel()


async def _main() -> None:
    planned = plan_file(EXAMPLES / "hotspots.toml")
    mission = planned.missions[0]
    report(await figures(mission, partial(waypoints, mission), simulated))


def main() -> None:
    """`python -m bench sitl`: only the real autopilots beside the simulator."""
    anyio.run(_main)


def waypoints(mission: Mission, count: int) -> tuple[MavItem, ...]:
    """Take-off, speed, `count` waypoints on a grid near home, and the mission's return."""
    home = mission.home
    items = [mission.items[0], mission.items[1]]
    for k in range(count):
        items.append(
            plain_waypoint(home.lat_deg + 1e-5 * (k % 50), home.lon_deg + 1e-5 * (k // 50), 40.0)
        )
    items.append(mission.items[-1])
    return tuple(items)


def report(rows: list[tuple[str, float, dict[int, float]]]) -> None:
    base = rows[0]
    print("real autopilots beside the simulator (real time, loopback):")
    for name, armed_s, times in rows:
        print(
            f"  {name}: connect to armed {armed_s:.1f} s ({armed_s / base[1]:.1f}x the "
            f"simulator); upload + read-back 1 / 50 / 500 waypoints "
            f"{times[1] * 1000:.0f} / {times[50] * 1000:.0f} / {times[500] * 1000:.0f} ms "
            f"(500: {times[500] / base[2][500]:.1f}x the simulator)"
        )
