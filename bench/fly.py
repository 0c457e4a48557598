"""Controller benchmark: CPU per vehicle while flying, and mission upload and read-back time.

The simulator runs in its own process at real time (speed-up 1), so telemetry arrives at PX4's
default rates, with PX4 SITL's ports. This process is the controller: it connects to 1 and to 10
vehicles through MAVSDK, preflights each, and runs the flight loop (telemetry, the 10 Hz flight
log, the monitors) while they fly. CPU is this process's time on all its threads (MAVSDK's
included) over wall time, per vehicle. The baseline, measured in the same run, is the same
connections only listening to telemetry with no flight loop: the ratio is what patrol adds to
what MAVSDK costs anyway.

Upload: missions of 50 and 500 waypoints uploaded and read back item by item over loopback,
with the baseline a one-waypoint mission (the protocol's fixed round trips).

Last, the same figures and the time from connecting to armed on the real ArduCopter and PX4
SITL beside the simulator (`bench/sitl.py`).
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import anyio

from bench import sitl
from bench.supervise import fly_supervised, percentile
from geofence.mavlink import MavItem
from missions import plan_file
from missions.energy import VehicleModel
from missions.mission import Mission
from patrol.flight import Watch, fly
from patrol.flightlog import FlightLog
from patrol.mavsdk_vehicle import MavsdkVehicle, connect
from patrol.preflight import CheckResult, preflight
from patrol.vehicle import ItemKind, Live, item_difference

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"
WARMUP_S = 8.0  # arming, take-off: then measure
MEASURE_S = 15.0


@contextlib.contextmanager
def _simulator(vehicles: int) -> Iterator[None]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "--vehicles", str(vehicles), "--speedup", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield None
    finally:
        proc.terminate()
        proc.wait()


def _ignore(_result: CheckResult) -> None:
    """Preflight results go nowhere; a failing check raises."""


def _url(k: int) -> str:
    return f"udpin://0.0.0.0:{14540 + k}"


async def _cpu_share(seconds: float) -> float:
    """This process's CPU time over `seconds` of wall time, as a share of one core."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await anyio.sleep(seconds)
    return (time.process_time() - cpu0) / (time.perf_counter() - wall0)


async def _fly_quietly(
    vehicle: MavsdkVehicle, mission: Mission, model: VehicleModel, log: FlightLog
) -> None:
    await fly(vehicle, mission, model=model, margin_m=10.0, log=log, watch=Watch(_quiet))


def _quiet(_text: str) -> None:
    """Progress lines go nowhere: the benchmark prints figures only."""


async def _controller_cpu(count: int, mission: Mission, model: VehicleModel) -> tuple[float, float]:
    """(listening only, flying) CPU share per vehicle for `count` vehicles."""
    with _simulator(count), tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            vehicles: list[MavsdkVehicle] = [
                await stack.enter_async_context(connect(_url(k), timeout_s=30.0))
                for k in range(count)
            ]
            async with anyio.create_task_group() as tg:
                for v in vehicles:
                    tg.start_soon(v.watch, Live())
                await anyio.sleep(2.0)
                listening = await _cpu_share(MEASURE_S / 2) / count
                tg.cancel_scope.cancel()
            for v in vehicles:
                await preflight(
                    v, mission, battery_needed_pct=None, reserve_pct=25.0, report=_ignore
                )
            async with anyio.create_task_group() as tg:
                for k, v in enumerate(vehicles):
                    log = FlightLog(Path(tmp) / f"{k}.sqlite", {})
                    tg.start_soon(_fly_quietly, v, mission, model, log)
                await anyio.sleep(WARMUP_S)
                flying = await _cpu_share(MEASURE_S) / count
                tg.cancel_scope.cancel()  # the flights command a return as they stop
    return listening, flying


async def _upload_s(vehicle: MavsdkVehicle, items: tuple[MavItem, ...]) -> float:
    start = time.perf_counter()
    await vehicle.upload(ItemKind.MISSION, items)
    back = await vehicle.download(ItemKind.MISSION)
    elapsed = time.perf_counter() - start
    unused = vehicle.profile.unused_param
    assert len(back) == len(items)
    assert all(item_difference(a, b, unused) is None for a, b in zip(items, back, strict=True))
    return elapsed


async def _uploads(mission: Mission) -> dict[int, float]:
    out: dict[int, float] = {}
    with _simulator(1):
        async with connect(_url(0), timeout_s=30.0) as vehicle:
            for count in (1, 50, 500):
                times = [await _upload_s(vehicle, sitl.waypoints(mission, count)) for _ in range(3)]
                out[count] = min(times)
    return out


async def _main() -> None:
    planned = plan_file(EXAMPLES / "hotspots.toml")
    mission = replace(planned.missions[0], rally=())
    model = planned.spec.vehicle
    print("controller CPU per vehicle (simulator in its own process, real time):")
    for count in (1, 10):
        listening, flying = await _controller_cpu(count, mission, model)
        print(
            f"  {count:2d} vehicle(s): {flying * 100:.2f} % of a core each flying "
            f"(target <= 3 %); MAVSDK listening alone {listening * 100:.2f} %; "
            f"ratio {flying / max(listening, 1e-9):.2f}"
        )
    times = await _uploads(mission)
    base = times[1]
    print("mission upload + read-back, item by item, over loopback:")
    print(f"   1 waypoint (baseline): {base * 1000:.0f} ms")
    for count in (50, 500):
        print(
            f"  {count:3d} waypoints: {times[count] * 1000:.0f} ms "
            f"({times[count] / base:.1f}x baseline; target for 500: <= 2000 ms)"
        )
    await _supervisor_timing(mission, model)
    sitl.report(await sitl.figures(mission, partial(sitl.waypoints, mission), sitl.simulated))


async def _loop_ticks_s(mission: Mission, model: VehicleModel) -> list[float]:
    """The flight loop's whole tick (snapshot, supervisor, log events, display, commands): the
    time between the loop's sleeps, flying one vehicle of the simulator at real time."""
    ticks: list[float] = []
    woke: list[float] = []

    async def timed_sleep(seconds: float) -> None:
        if woke:
            ticks.append(time.perf_counter() - woke[-1])
        await anyio.sleep(seconds)
        woke.append(time.perf_counter())

    with _simulator(1), tempfile.TemporaryDirectory() as tmp:
        async with connect(_url(0), timeout_s=30.0) as vehicle:
            await preflight(
                vehicle, mission, battery_needed_pct=None, reserve_pct=25.0, report=_ignore
            )
            log = FlightLog(Path(tmp) / "ticks.sqlite", {})
            async with anyio.create_task_group() as tg:
                watch = Watch(_quiet, sleep=timed_sleep)
                tg.start_soon(
                    partial(fly, vehicle, mission, model=model, margin_m=10.0, log=log, watch=watch)
                )
                await anyio.sleep(WARMUP_S + MEASURE_S)
                tg.cancel_scope.cancel()
            log.close()
    return ticks


async def _supervisor_timing(mission: Mission, model: VehicleModel) -> None:
    """The supervisor's step alone (pure, a sample sweep flown in the sans-IO simulator with GPS
    noise and gusts) beside the flight loop's whole tick on a real MAVSDK link."""
    sweep = plan_file(EXAMPLES / "patrol.toml")
    run = fly_supervised(sweep.missions[0], sweep.spec.vehicle, sweep.spec.margin_m, seed=0)
    ticks = await _loop_ticks_s(mission, model)
    print("flight loop, per 5 Hz tick:")
    print(
        f"  supervisor step alone: median {statistics.median(run.step_s) * 1e6:.0f} us, "
        f"p99 {percentile(run.step_s, 0.99) * 1e6:.0f} us ({len(run.step_s)} steps of a sweep)"
    )
    print(
        f"  whole tick (snapshot, supervisor, log, commands): median "
        f"{statistics.median(ticks) * 1e6:.0f} us, p99 {percentile(ticks, 0.99) * 1e6:.0f} us "
        f"({len(ticks)} ticks over MAVSDK)"
    )


def main() -> None:
    anyio.run(_main)
