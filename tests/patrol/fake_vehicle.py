"""A scripted vehicle in-process: the `FlyingVehicle` protocol with no network, on a virtual clock.

`FakeVehicle` flies a mission's positioned items as a point moving at `speed_mps` in the
mission's local frame, switches modes as the commands ask (as PX4 does: hold where it is, return
home and land, land in place, loiter after a mission's last item), and records every command in
`calls`. Faults are fields a test sets, or a `script` run every step can set: `stalled` (it stops
moving on its mission), `drift_e_mps`/`drift_n_mps` (a fly-away: its position estimate walks
off at that rate, so it steers the true position away whatever its mode, as `sim/` does),
`ignore` (commands it acknowledges and does not carry out), `jump_to` (where it suddenly is).

`FakeClock` is what `Watch.clock`/`Watch.sleep` take: each sleep advances virtual time and steps
the vehicle by that much, so the real `fly()` loop runs minutes of flight in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from geofence.frames import LocalFrame
from geofence.mavlink import MavCmd, MavItem
from missions.mission import Mission
from patrol.autopilots import PX4, AutopilotProfile
from patrol.vehicle import (
    AutopilotMessage,
    FlightMode,
    ItemKind,
    Live,
    Severity,
    Status,
)

_NAMES = {
    FlightMode.READY: "ready",
    FlightMode.MISSION: "mission",
    FlightMode.HOLD: "hold",
    FlightMode.RETURN: "return",
    FlightMode.LAND: "land",
}


@dataclass
class FakeVehicle:
    mission: Mission
    speed_mps: float = 10.0
    climb_mps: float = 5.0
    url: str = "fake://vehicle"
    profile: AutopilotProfile = PX4
    t_s: float = 0.0
    east_m: float = 0.0
    north_m: float = 0.0
    up_m: float = 0.0
    vel_e_mps: float = 0.0
    vel_n_mps: float = 0.0
    mode: FlightMode = FlightMode.READY
    armed: bool = False
    current: int = 0
    reached: int = -1
    battery_pct: float = 100.0
    stalled: bool = False
    drift_e_mps: float = 0.0
    drift_n_mps: float = 0.0
    nav_error_e_m: float = 0.0
    nav_error_n_m: float = 0.0
    ignore: set[str] = field(default_factory=set)
    jump_to: tuple[float, float] | None = None
    script: Callable[[FakeVehicle], None] | None = None
    calls: list[str] = field(default_factory=list)
    live: Live | None = None

    def __post_init__(self) -> None:
        self.frame = LocalFrame(self.mission.home.latlon)

    # ---- the protocol ----------------------------------------------------------------------

    async def status(self) -> Status:
        return Status(True, 12, self.mission.home, self.battery_pct, self.armed, self.in_air)

    async def upload(self, kind: ItemKind, items: tuple[MavItem, ...]) -> None:
        self.calls.append(f"upload {kind.value}")

    async def download(self, kind: ItemKind) -> tuple[MavItem, ...]:
        return self.mission.items if kind is ItemKind.MISSION else ()

    async def set_param(self, setting: object) -> None:
        self.calls.append("set_param")

    async def get_param(self, name: str, kind: object) -> float:
        return 0.0

    async def watch(self, live: Live) -> None:
        self.live = live
        self.publish()
        await anyio.sleep_forever()

    async def arm(self) -> None:
        self._command("arm")

    async def start_mission(self) -> None:
        self._command("start_mission")

    async def hold(self) -> None:
        self._command("hold")

    async def land(self) -> None:
        self._command("land")

    async def return_to_launch(self) -> None:
        self._command("return_to_launch")

    async def disarm(self) -> None:
        self._command("disarm")

    # ---- the world -------------------------------------------------------------------------

    @property
    def in_air(self) -> bool:
        return self.up_m > 0.1

    def _command(self, name: str) -> None:
        self.calls.append(name)
        if name in self.ignore:
            return
        if name == "arm":
            self.armed = True
        elif name == "start_mission":
            self.set_mode(FlightMode.MISSION)
        elif name == "hold":
            self.set_mode(FlightMode.HOLD)
        elif name == "land":
            self.set_mode(FlightMode.LAND)
        elif name == "disarm":
            self.armed = self.in_air  # refused in the air, as an autopilot does
        else:
            self.set_mode(FlightMode.RETURN)

    def set_mode(self, mode: FlightMode) -> None:
        if mode is not self.mode:
            self.mode = mode
            self.publish()

    def say(self, text: str, severity: Severity = Severity.INFO) -> None:
        if self.live is not None:
            self.live.said.append(AutopilotMessage(self.t_s, severity, text))

    def step(self, dt_s: float) -> None:
        self.t_s += dt_s
        if self.script is not None:
            self.script(self)
        # the vehicle steers its estimate (true position less the error) onto the target
        self.east_m -= self.nav_error_e_m
        self.north_m -= self.nav_error_n_m
        if self.in_air:
            self.nav_error_e_m += self.drift_e_mps * dt_s
            self.nav_error_n_m += self.drift_n_mps * dt_s
        want_e, want_n, want_up = self._target()
        self._move(want_e, want_n, want_up, dt_s)
        self.east_m += self.nav_error_e_m
        self.north_m += self.nav_error_n_m
        if self.jump_to is not None:
            self.east_m, self.north_m = self.jump_to
            self.jump_to = None
        if self.armed and self.up_m <= 0.0 and self.mode in (FlightMode.LAND, FlightMode.RETURN):
            self.armed = False
            self.say("Disarmed by landing")
        self.battery_pct -= 0.01 * dt_s if self.armed else 0.0
        self.publish()

    def _target(self) -> tuple[float, float, float]:
        here = (self.east_m, self.north_m, self.up_m)
        if not self.armed:
            return here
        if self.mode is FlightMode.MISSION:
            return self._mission_target()
        if self.mode is FlightMode.RETURN:
            if math.hypot(self.east_m, self.north_m) > 1.0:
                return 0.0, 0.0, max(self.up_m, 1.0)
            return 0.0, 0.0, -1.0
        if self.mode is FlightMode.LAND:
            return self.east_m, self.north_m, -1.0
        return here

    def _mission_target(self) -> tuple[float, float, float]:
        items = self.mission.items
        while self.current < len(items):
            item = items[self.current]
            if item.command == MavCmd.NAV_RETURN_TO_LAUNCH:
                self.reached = self.current
                self.set_mode(FlightMode.RETURN)
                return self._target()
            if item.command in (MavCmd.NAV_TAKEOFF, MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME):
                e, n = self.frame.geodetic2enu(item.x_lat_deg, item.y_lon_deg)
                if item.command == MavCmd.NAV_TAKEOFF:
                    e, n = self.east_m, self.north_m
                if self.stalled:
                    return self.east_m, self.north_m, self.up_m
                close = math.hypot(e - self.east_m, n - self.north_m) < 1.0
                if close and abs(self.up_m - item.z_alt_m) < 0.5:
                    self.reached = self.current
                    self.current += 1
                    continue
                return e, n, item.z_alt_m
            self.current += 1  # do-items take no time
        self.say("Mission finished, loitering")
        self.set_mode(FlightMode.HOLD)  # PX4 loiters after a mission's last item
        return self.east_m, self.north_m, self.up_m

    def _move(self, e: float, n: float, up: float, dt_s: float) -> None:
        de, dn = e - self.east_m, n - self.north_m
        dist = math.hypot(de, dn)
        step = min(dist, self.speed_mps * dt_s)
        self.vel_e_mps = de / dist * step / dt_s if dist > 1e-9 else 0.0
        self.vel_n_mps = dn / dist * step / dt_s if dist > 1e-9 else 0.0
        self.east_m += self.vel_e_mps * dt_s
        self.north_m += self.vel_n_mps * dt_s
        if self.in_air:  # what the estimate does not see, the velocity (as GPS has it) shows
            self.vel_e_mps += self.drift_e_mps
            self.vel_n_mps += self.drift_n_mps
        dz = up - self.up_m
        self.up_m = max(0.0, self.up_m + math.copysign(min(abs(dz), self.climb_mps * dt_s), dz))

    def publish(self) -> None:
        live = self.live
        if live is None:
            return
        where = self.frame.enu2geodetic(self.east_m, self.north_m)
        live.heard_s = self.t_s
        live.lat_deg, live.lon_deg = where.lat_deg, where.lon_deg
        live.alt_rel_m = self.up_m
        live.alt_amsl_m = self.mission.home.alt_amsl_m + self.up_m
        live.vel_e_mps, live.vel_n_mps = self.vel_e_mps, self.vel_n_mps
        live.battery_pct = self.battery_pct
        live.mode, live.mode_name = self.mode, _NAMES.get(self.mode, self.mode.value)
        live.armed, live.in_air = self.armed, self.in_air
        live.mission_current = self.current
        live.mission_total = len(self.mission.items)
        live.mission_reached = self.reached
        live.h_acc_m = 0.8


@dataclass
class FakeClock:
    """Virtual time for the flight loop: each sleep steps `vehicle` by its duration."""

    vehicle: FakeVehicle

    def now(self) -> float:
        return self.vehicle.t_s

    async def sleep(self, seconds: float) -> None:
        self.vehicle.step(seconds)
        await anyio.lowlevel.checkpoint()
