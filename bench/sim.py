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

from missions.camera import Camera
from sim.camera import CameraPose, SimCamera, View
from sim.mission_transfer import MissionType, WireItem
from sim.ports import free_port_block, free_tcp_port
from sim.scenario import CameraSpec, Scenario
from sim.server import Ports, Simulation
from sim.targets import Target, TargetClass

RUN_S = 4.0


def _baseline_s() -> float:
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    start = time.perf_counter()
    for _ in range(10_000):
        mav.global_position_int_encode(1, 2, 3, 4, 5, 6, 7, 8, 9).pack(mav)
    return time.perf_counter() - start


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


class _CameraSim(Simulation):
    """A simulation whose every vehicle renders a camera frame 10 times per simulated second."""

    period_s = 0.1
    _due_s = 0.0

    def step(self, dt_s: float = 1.0 / 50.0) -> None:
        super().step(dt_s)
        if self.sim_time_s >= self._due_s:
            self._due_s = self.sim_time_s + self.period_s
            for i in range(len(self.vehicles)):
                self.frame(i)


async def _measure(
    vehicles: int, cap_hz: float | None, camera: bool = False
) -> tuple[float, float, int]:
    base = free_port_block(4 * vehicles)
    ports = Ports(
        api_local_base=base,
        gcs_local_base=base + vehicles,
        api_remote_base=base + 2 * vehicles,
        gcs_remote=base + 3 * vehicles,
    )
    scenario = Scenario(speedup=0.0, camera=CameraSpec(enabled=camera, port=free_tcp_port()))
    kind = _CameraSim if camera else Simulation
    sim = kind(scenario.with_vehicles(vehicles), ports, max_stream_wall_hz=cap_hz)
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
    for vehicles, target in ((1, ">= 100x, camera off"), (10, ">= 20x each, camera off")):
        for cap, camera in ((50.0, False), (None, False), (None, True)):
            speed, cpu, _n = anyio.run(_measure, vehicles, cap, camera)
            label = ("capped 50/s wall" if cap else "PX4 rates, uncapped") + (
                " + camera 10 Hz" if camera else ""
            )
            print(
                f"{vehicles:8d} {label:>32s} {speed:14.1f}x {speed:7.1f}x "
                f"{cpu * 1000:21.2f} ms  {target}"
            )
    _camera_rates()


def _camera_rates() -> None:
    thermal = SimCamera(Camera(), View.THERMAL)
    colour = SimCamera(
        Camera(
            sensor_width_mm=6.17,
            sensor_height_mm=3.47,
            focal_length_mm=4.5,
            image_width_px=1280,
            image_height_px=720,
        ),
        View.COLOUR,
    )
    targets = [
        Target("p", TargetClass.PERSON, ((3.0, 2.0),)),
        Target("c", TargetClass.CAR, ((-8.0, 5.0),)),
    ]
    for name, cam, target in (
        ("thermal 640x512", thermal, ">= 100 frames/s"),
        ("colour 1280x720", colour, ""),
    ):
        n = 300
        start = time.perf_counter()
        for k in range(n):
            cam.render(CameraPose(k * 0.4, k * 0.2, 40.0, 0.3, -90.0), targets, k * 0.1)
        rate = n / (time.perf_counter() - start)
        print(f"camera {name}: {rate:.0f} frames/s rendered  {target}")
