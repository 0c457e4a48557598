"""Simulator benchmark: simulated seconds per wall second, and CPU per vehicle.

Runs the simulation flat out (speed-up 0) on real UDP sockets with receivers draining every
link, for 1 and 10 vehicles, with the streams at PX4's default rates in sim time capped at 50
messages a second each in wall time (the default) and uncapped (every message PX4 SITL would
send at that speed-up). Each vehicle is flying a square mission so that every part works. The
baseline, measured in the same run, is the wall time of 10,000 MAVLink encodes.
"""

from __future__ import annotations

import socket
import time

import anyio
from pymavlink.dialects.v20 import common as mavlink

from sim.mission_transfer import MissionType, WireItem
from sim.scenario import Scenario
from sim.server import Ports, Simulation

RUN_S = 4.0


def _baseline_s() -> float:
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    start = time.perf_counter()
    for _ in range(10_000):
        mav.global_position_int_encode(1, 2, 3, 4, 5, 6, 7, 8, 9).pack(mav)
    return time.perf_counter() - start


def _free_base(count: int) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1]) % 20000 + 30000


def _fly(sim: Simulation) -> None:
    for v in sim.vehicles:
        ap = v.ap
        x0, y0 = round(ap.home.lat_deg * 1e7), round(ap.home.lon_deg * 1e7)
        square = [(x0 + 9000, y0), (x0 + 9000, y0 + 9000), (x0, y0 + 9000), (x0, y0)]
        items = [WireItem(0, 3, 22, 0, 1, 0, 0, 0, 0, x0, y0, 30.0, 0)]
        items += [
            WireItem(k + 1, 3, 16, 0, 1, 0, 0, 0, 0, x, y, 30.0, 0)
            for k, (x, y) in enumerate(square)
        ]
        items.append(WireItem(5, 2, 177, 0, 1, 1, 1000, 0, 0, 0, 0, 0.0, 0))
        ap.store.items[MissionType.MISSION] = tuple(items)
        ap.arm()
        ap.start_mission()


async def _drain(sock: socket.socket) -> None:
    while True:
        await anyio.wait_readable(sock)
        try:
            while True:
                sock.recv(65536)
        except BlockingIOError:
            continue


async def _measure(vehicles: int, cap_hz: float | None) -> tuple[float, float, int]:
    base = _free_base(4 * vehicles)
    ports = Ports(
        api_local_base=base,
        gcs_local_base=base + vehicles,
        api_remote_base=base + 2 * vehicles,
        gcs_remote=base + 3 * vehicles,
    )
    sim = Simulation(
        Scenario(speedup=0.0).with_vehicles(vehicles), ports, max_stream_wall_hz=cap_hz
    )
    sinks = []
    for port in [ports.api_remote_base + i for i in range(vehicles)] + [ports.gcs_remote]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        s.setblocking(False)
        sinks.append(s)
    _fly(sim)
    async with anyio.create_task_group() as tg:
        for s in sinks:
            tg.start_soon(_drain, s)
        await tg.start(sim.serve)
        sim0, wall0, cpu0 = sim.sim_time_s, time.perf_counter(), time.process_time()
        await anyio.sleep(RUN_S)
        sim1, wall1, cpu1 = sim.sim_time_s, time.perf_counter(), time.process_time()
        tg.cancel_scope.cancel()
    for s in sinks:
        s.close()
    sent = sum(len(v.proto.links) for v in sim.vehicles)
    return (sim1 - sim0) / (wall1 - wall0), (cpu1 - cpu0) / (sim1 - sim0) / vehicles, sent


def main() -> None:
    base = _baseline_s()
    print(f"baseline (10,000 MAVLink encodes): {base * 1000:.1f} ms")
    print(
        f"{'vehicles':>8s} {'streams':>18s} {'sim s / wall s':>15s} {'each':>8s} "
        f"{'CPU s per sim s/vehicle':>24s}  target"
    )
    for vehicles, target in ((1, ">= 100x"), (10, ">= 20x each")):
        for cap in (50.0, None):
            speed, cpu, _n = anyio.run(_measure, vehicles, cap)
            label = "capped 50/s wall" if cap else "PX4 rates, uncapped"
            print(
                f"{vehicles:8d} {label:>18s} {speed:14.1f}x {speed:7.1f}x "
                f"{cpu * 1000:21.2f} ms  {target}"
            )
    print("camera frames: the simulated camera is not built yet")
