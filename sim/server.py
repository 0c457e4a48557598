"""The simulator's I/O shell: UDP sockets per vehicle, the clock, faults, and the run loop.

Like PX4 SITL, vehicle i binds 127.0.0.1:14580+i for an API client and 18570+i for a ground
station, sends to 14540+i and 14550 until someone talks to it, then replies to whoever did.
Physics runs in fixed sim-time steps; the loop paces sim time to wall time times the speed-up
(0 runs as fast as the machine goes). Everything the vehicles decide happens in their sans-IO
parts; this module only moves bytes and time.
"""

from __future__ import annotations

import math
import random
import socket
import time
from dataclasses import dataclass, field
from functools import partial

import anyio
from anyio.abc import Listener, SocketStream, TaskStatus, UDPSocket

from geofence.errors import PatrolError
from geofence.frames import LocalFrame
from sim.autopilot import Autopilot, Firmware
from sim.battery import Battery
from sim.camera import CameraPose, Frame, SimCamera
from sim.mission_transfer import MissionStore
from sim.protocol import Link, VehicleProtocol
from sim.px4 import NORMAL_RATES_HZ, ONBOARD_RATES_HZ
from sim.scenario import Fault, FaultKind, Scenario
from sim.targets import Target
from sim.video import MjpegServer

PHYSICS_HZ = 50.0
#: The most sim time one loop turn may cover before the loop yields to the sockets.
MAX_SIM_PER_TURN_S = 0.5
TURN_S = 0.005
GUST_TAU_S = 3.0


class PortError(PatrolError):
    """A port the simulator must listen on cannot be bound: taken by another simulator, a SITL
    or anything else, or not ours to take. `port`, `what` listens there, and the OS's `reason`."""

    def __init__(self, port: int, what: str, reason: str) -> None:
        super().__init__(f"port {port} ({what}): {reason}")
        self.port = port
        self.what = what
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Ports:
    """Where vehicle i listens and sends (PX4 SITL's numbering by default)."""

    host: str = "127.0.0.1"
    api_local_base: int = 14580
    gcs_local_base: int = 18570
    api_remote_base: int = 14540
    gcs_remote: int = 14550

    def api_local(self, i: int) -> int:
        return self.api_local_base + i

    def gcs_local(self, i: int) -> int:
        return self.gcs_local_base + i


@dataclass
class SimVehicle:
    """One vehicle: its autopilot, its protocol, its sockets and its faults."""

    index: int
    ap: Autopilot
    proto: VehicleProtocol
    faults: list[Fault]
    targets: list[Target] = field(default_factory=list)
    camera: SimCamera | None = None
    video: MjpegServer | None = None
    sockets: dict[str, UDPSocket] = field(default_factory=dict)
    raw: dict[str, socket.socket] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    dropped: int = 0

    def send(self, link: str, payload: bytes, addr: tuple[str, int]) -> None:
        """Send now, without waiting: UDP may drop a datagram, and so may we when the socket
        buffer is full (counted), rather than stall the simulation."""
        try:
            self.raw[link].sendto(payload, addr)
        except OSError:  # buffer full, or nobody listening (ICMP port unreachable)
            self.dropped += 1

    @property
    def link_down(self) -> bool:
        return any(f.kind is FaultKind.LINK_DROP and f.active(self.ap.time_s) for f in self.faults)


class Simulation:
    """Several simulated vehicles on UDP, stepped together."""

    def __init__(
        self,
        scenario: Scenario,
        ports: Ports | None = None,
        *,
        max_stream_wall_hz: float | None = 50.0,
    ) -> None:
        self.scenario = scenario
        self.ports = ports or Ports()
        self.rng = random.Random(scenario.seed)
        self.vehicles: list[SimVehicle] = []
        for i, spec in enumerate(scenario.vehicles):
            ap = Autopilot(
                home=spec.home,
                store=MissionStore(),
                rng=random.Random(scenario.seed * 1000 + i),
                battery=Battery(capacity_wh=spec.battery_wh, energy_wh=spec.battery_wh),
                gps_sigma_m=spec.gps_sigma_m,
                firmware=scenario.autopilot,
            )
            ap.params["MAV_SYS_ID"] = 1 + i
            ap.wind_e_mps, ap.wind_n_mps = scenario.wind_e_mps, scenario.wind_n_mps
            ardupilot = scenario.autopilot is Firmware.ARDUPILOT
            quiet = {"HEARTBEAT": 1.0}  # ArduPilot streams nothing else until asked
            links = [
                Link(
                    "api",
                    (self.ports.host, self.ports.api_remote_base + i),
                    dict(quiet if ardupilot else ONBOARD_RATES_HZ),
                ),
                Link(
                    "gcs",
                    (self.ports.host, self.ports.gcs_remote),
                    dict(quiet if ardupilot else NORMAL_RATES_HZ),
                    number=2,
                ),
            ]
            proto = VehicleProtocol(ap, 1 + i, links, max_stream_wall_hz=max_stream_wall_hz)
            vehicle = SimVehicle(i, ap, proto, [f for f in scenario.faults if f.vehicle == i])
            vehicle.targets = self._targets_for(ap.frame)
            if scenario.camera.enabled:
                vehicle.camera = SimCamera(
                    scenario.camera.camera, scenario.camera.view, seed=scenario.seed * 1000 + i
                )
                vehicle.video = MjpegServer(partial(self.frame, i), scenario.camera.fps)
            self.vehicles.append(vehicle)
        self.sim_time_s = 0.0
        self.wall_start_s = 0.0
        self.steps = 0
        self._listeners: dict[int, Listener[SocketStream]] | None = None

    def _targets_for(self, frame: LocalFrame) -> list[Target]:
        out = []
        for t in self.scenario.targets:
            path = tuple(frame.geodetic2enu(p.lat_deg, p.lon_deg) for p in t.path)
            out.append(Target(t.name, t.kind, path, t.speed_mps, t.heat))
        return out

    # ---- ground truth --------------------------------------------------------------------------

    def camera_pose(self, index: int) -> CameraPose:
        """Vehicle `index`'s camera: its true position and heading, the gimbal's pitch."""
        v = self.vehicles[index]
        b = v.ap.body
        return CameraPose(
            b.east_m, b.north_m, b.up_m, b.yaw_rad, self.scenario.camera.camera.gimbal_pitch_deg
        )

    def frame(self, index: int) -> Frame:
        """What vehicle `index`'s camera sees now (the scenario must enable the camera)."""
        v = self.vehicles[index]
        if v.camera is None:
            raise RuntimeError("the scenario has no [camera] enabled")
        return v.camera.render(self.camera_pose(index), v.targets, v.ap.time_s)

    def truth(self) -> dict[str, object]:
        """Ground truth now: each vehicle's true position and each target's (WGS84)."""
        vehicles = []
        for v in self.vehicles:
            b = v.ap.body
            where = v.ap.frame.enu2geodetic(b.east_m, b.north_m)
            vehicles.append(
                {
                    "system_id": v.index + 1,
                    "lat_deg": where.lat_deg,
                    "lon_deg": where.lon_deg,
                    "alt_rel_m": b.up_m,
                    "yaw_deg": math.degrees(b.yaw_rad) % 360,
                    "armed": v.ap.armed,
                    "mode": v.ap.mode.value,
                }
            )
        targets = []
        if self.vehicles:
            first = self.vehicles[0]
            for t in first.targets:
                e, n, heading = t.pose_at(first.ap.time_s)
                where = first.ap.frame.enu2geodetic(e, n)
                targets.append(
                    {
                        "name": t.name,
                        "class": t.kind.value,
                        "lat_deg": where.lat_deg,
                        "lon_deg": where.lon_deg,
                        "heading_deg": math.degrees(heading) % 360,
                    }
                )
        return {"time_s": round(self.sim_time_s, 3), "vehicles": vehicles, "targets": targets}

    # ---- stepping (no I/O) ---------------------------------------------------------------------

    def step(self, dt_s: float = 1.0 / PHYSICS_HZ) -> None:
        """Advance every vehicle by one physics step, applying faults as they start and end."""
        for v in self.vehicles:
            self._faults(v)
            self._gusts(v, dt_s)
            v.ap.step(dt_s)
        self.sim_time_s += dt_s
        self.steps += 1

    def _faults(self, v: SimVehicle) -> None:
        t = v.ap.time_s
        for k, f in enumerate(v.faults):
            starting = k not in v.started and t >= f.at_s
            ending = (
                k in v.started
                and f.duration_s > 0
                and t >= f.at_s + f.duration_s
                and -k - 1 not in v.started
            )
            if starting:
                v.started.add(k)
                self._fault_starts(v, f)
            elif ending:
                v.started.add(-k - 1)
                self._fault_ends(v, f)

    def _fault_starts(self, v: SimVehicle, f: Fault) -> None:
        ap = v.ap
        if f.kind is FaultKind.GPS_LOSS:
            ap.lose_gps()
        elif f.kind is FaultKind.GUST:
            ap.gust_e_mps = f.value
        elif f.kind is FaultKind.BATTERY_SAG:
            ap.battery.sag(f.value)
        elif f.kind is FaultKind.DRIFT:
            ap.body.drift_e_mps = f.value
        elif f.kind is FaultKind.REJECT_UPLOAD:
            ap.store.reject_next_upload = True
        elif f.kind is FaultKind.CORRUPT_READBACK:
            ap.store.corrupt_next_download = True

    def _fault_ends(self, v: SimVehicle, f: Fault) -> None:
        ap = v.ap
        if f.kind is FaultKind.GPS_LOSS:
            ap.regain_gps()
        elif f.kind is FaultKind.GUST:
            ap.gust_e_mps = 0.0
        elif f.kind is FaultKind.DRIFT:
            ap.body.drift_e_mps = 0.0

    def _gusts(self, v: SimVehicle, dt_s: float) -> None:
        sigma = self.scenario.gust_mps
        if sigma <= 0:
            return
        a = math.exp(-dt_s / GUST_TAU_S)
        k = sigma * math.sqrt(1 - a * a)
        v.ap.gust_e_mps = a * v.ap.gust_e_mps + k * self.rng.gauss(0.0, 1.0)
        v.ap.gust_n_mps = a * v.ap.gust_n_mps + k * self.rng.gauss(0.0, 1.0)

    # ---- serving ---------------------------------------------------------------------------------

    async def bind(self) -> None:
        """Bind every port the vehicles listen on, or raise PortError naming the first that
        cannot be (nothing stays bound then). `serve` binds too; call this first to see a
        taken port before starting anything else."""
        if self._listeners is not None:
            return
        listeners: dict[int, Listener[SocketStream]] = {}
        try:
            for v in self.vehicles:
                for link, port, name in (
                    ("api", self.ports.api_local(v.index), "API client"),
                    ("gcs", self.ports.gcs_local(v.index), "ground station"),
                ):
                    what = f"UDP, vehicle {v.index + 1}'s {name} link"
                    v.raw[link] = self._udp(port, what)
                    v.sockets[link] = await UDPSocket.from_socket(v.raw[link])
            for v in self.vehicles:
                if v.video is not None:
                    port = self.scenario.camera.port + v.index
                    try:
                        listeners[v.index] = await anyio.create_tcp_listener(
                            local_host=self.ports.host, local_port=port
                        )
                    except OSError as exc:
                        what = f"TCP, vehicle {v.index + 1}'s camera video"
                        raise PortError(port, what, exc.strerror or str(exc)) from exc
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._close(listeners)
            raise
        self._listeners = listeners

    def _udp(self, port: int, what: str) -> socket.socket:
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw.setblocking(False)
        try:
            raw.bind((self.ports.host, port))
        except OSError as exc:
            raw.close()
            raise PortError(port, what, exc.strerror or str(exc)) from exc
        return raw

    async def _close(self, listeners: dict[int, Listener[SocketStream]]) -> None:
        for listener in listeners.values():
            await listener.aclose()
        for v in self.vehicles:
            for sock in v.sockets.values():
                await sock.aclose()
            for raw in v.raw.values():
                raw.close()
            v.sockets.clear()
            v.raw.clear()

    async def serve(
        self, *, task_status: TaskStatus[Simulation] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Bind every vehicle's sockets, report started, and run until cancelled."""
        await self.bind()
        listeners = self._listeners or {}
        try:
            async with anyio.create_task_group() as tg:
                for v in self.vehicles:
                    for link, sock in v.sockets.items():
                        tg.start_soon(self._receive, v, link, sock)
                    if v.video is not None:
                        tg.start_soon(v.video.serve, listeners[v.index])
                self.wall_start_s = time.monotonic()
                task_status.started(self)
                await self._run()
        finally:
            with anyio.CancelScope(shield=True):
                await self._close(listeners)
                self._listeners = None

    async def _receive(self, v: SimVehicle, link: str, sock: UDPSocket) -> None:
        try:
            async for data, (host, port) in sock:
                if v.link_down:
                    continue
                for reply in v.proto.receive(link, (host, port), data, time.monotonic()):
                    v.send(link, reply, (host, port))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return

    async def _run(self) -> None:
        dt = 1.0 / PHYSICS_HZ
        speedup = self.scenario.speedup
        while True:
            wall = time.monotonic()
            if speedup > 0:
                target = (wall - self.wall_start_s) * speedup
                budget = min(target - self.sim_time_s, MAX_SIM_PER_TURN_S)
            else:
                budget = MAX_SIM_PER_TURN_S
            for _ in range(int(budget / dt)):
                self.step(dt)
                self._flush(wall)
            self._flush(time.monotonic())
            await anyio.sleep(TURN_S if speedup > 0 else 0)

    def _flush(self, wall_s: float) -> None:
        for v in self.vehicles:
            out = v.proto.tick(wall_s)
            if v.link_down:
                continue
            for link_name, payload in out:
                v.send(link_name, payload, v.proto.links[link_name].remote)
