"""The vehicle seam: what patrol asks of a vehicle, whatever library talks to it.

One implementation (`patrol.mavsdk_vehicle`) speaks MAVLink through MAVSDK; nothing else in
patrol imports mavsdk. Items are `geofence.MavItem`s in degrees with None for unused params;
the implementation turns them into what its autopilot wants (NaN for PX4, 0 for ArduPilot,
home as mission item 0 for ArduPilot) and back, so callers compare like with like.
"""

from __future__ import annotations

import math
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from geofence.frames import GeoPoint, LatLon
from geofence.mavlink import MavItem

if TYPE_CHECKING:
    from patrol.autopilots import AutopilotProfile, ParamKind


class FlightMode(Enum):
    """What the vehicle is doing, whichever autopilot flies it (the autopilot's own name for
    its mode is kept beside it in `Live.mode_name`, for the log and the pilot)."""

    UNKNOWN = "unknown"
    READY = "ready"  # on the ground in a mode it can be armed in
    TAKEOFF = "takeoff"
    MISSION = "mission"
    HOLD = "hold"  # PX4 Hold, ArduPilot Loiter or Brake
    RETURN = "return"  # PX4 Return, ArduPilot RTL or Smart RTL
    LAND = "land"
    GUIDED = "guided"  # PX4 Offboard, ArduPilot Guided
    MANUAL = "manual"  # a mode a pilot's sticks fly (stabilised, altitude, position)

    @property
    def coming_home(self) -> bool:
        return self in (FlightMode.RETURN, FlightMode.LAND)


class ItemKind(Enum):
    MISSION = "mission"
    FENCE = "fence"
    RALLY = "rally points"


@dataclass(frozen=True, slots=True)
class Status:
    """What preflight reads: position fix, home, battery, and whether it is armed or flying."""

    gps_fix_3d: bool
    satellites: int
    home: GeoPoint | None
    battery_pct: float
    armed: bool
    in_air: bool
    position: LatLon | None = None  # where it stands (its home moves there when it arms)


class Vehicle(Protocol):
    """A connected vehicle (see `patrol.mavsdk_vehicle.connect`)."""

    url: str
    profile: AutopilotProfile
    sysid: int  # the controller's own MAVLink system id on this link

    async def status(self) -> Status: ...

    async def upload(self, kind: ItemKind, items: tuple[MavItem, ...]) -> None: ...

    async def download(self, kind: ItemKind) -> tuple[MavItem, ...]: ...

    async def set_param(self, name: str, value: float, kind: ParamKind) -> None: ...

    async def get_param(self, name: str) -> float | None:
        """The parameter's value, or None when the vehicle has no parameter of that name."""
        ...

    async def return_to_launch(self) -> None: ...


def _on_wire(value: float | None, unused: float | None) -> float:
    """A param as it travels: an unused one (None) goes as `unused`, or NaN when that is None."""
    if value is None:
        value = unused
    return math.nan if value is None else value


def _same_param(a: float | None, b: float | None, unused: float | None) -> bool:
    x, y = _on_wire(a, unused), _on_wire(b, unused)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-6)


def item_difference(sent: MavItem, got: MavItem, unused: float | None) -> str | None:
    """How `got` differs from `sent` as the vehicle stores it (float32 params, 1e-7 degree
    positions), or None when they are the same item."""
    if (sent.command, sent.frame) != (got.command, got.frame):
        return f"command/frame {sent.command}/{sent.frame} came back as {got.command}/{got.frame}"
    if round(sent.x_lat_deg * 1e7) != round(got.x_lat_deg * 1e7) or round(
        sent.y_lon_deg * 1e7
    ) != round(got.y_lon_deg * 1e7):
        return (
            f"position {sent.x_lat_deg:.7f}, {sent.y_lon_deg:.7f} came back as "
            f"{got.x_lat_deg:.7f}, {got.y_lon_deg:.7f}"
        )
    if not math.isclose(sent.z_alt_m, got.z_alt_m, rel_tol=1e-6, abs_tol=1e-3):
        return f"altitude {sent.z_alt_m:g} came back as {got.z_alt_m:g}"
    for k, (a, b) in enumerate(zip(sent.params, got.params, strict=True), start=1):
        if not _same_param(a, b, unused):
            return f"param{k} {a} came back as {b}"
    return None


class Severity(Enum):
    """MAV_SEVERITY, folded to what a pilot acts on."""

    CRITICAL = "critical"  # emergency, alert, critical
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # notice, info, debug


@dataclass(frozen=True, slots=True)
class AutopilotMessage:
    """Something the autopilot said or did on its own, in its own words."""

    t_s: float  # monotonic time it was heard
    severity: Severity
    text: str


@dataclass
class Live:
    """The vehicle's latest state, kept current by `Vehicle.watch` (mutable: one writer)."""

    heard_s: float = 0.0  # monotonic time of the last telemetry of any kind
    lat_deg: float = math.nan
    lon_deg: float = math.nan
    alt_rel_m: float = math.nan
    alt_amsl_m: float = math.nan
    vel_n_mps: float = 0.0
    vel_e_mps: float = 0.0
    vel_d_mps: float = 0.0
    battery_pct: float = math.nan
    voltage_v: float = math.nan
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    yaw_deg: float = 0.0
    mode: FlightMode = FlightMode.UNKNOWN
    mode_name: str = ""  # the autopilot's own name for its mode ("AUTO", "Hold", "BRAKE")
    armed: bool = False
    in_air: bool = False
    # mission items in patrol's numbering (0 is the first item patrol uploaded, on either
    # autopilot: ArduPilot's home item 0 is taken off by the vehicle implementation)
    mission_current: int = 0
    mission_total: int = 0
    mission_reached: int = -1  # the highest item the autopilot reported reached, -1: none
    h_acc_m: float = math.nan  # the autopilot's horizontal position accuracy (1 sigma), metres
    gps_fix_type: int = 0  # GPS_FIX_TYPE: 3 is a 3D fix
    satellites: int = 0
    home: GeoPoint | None = None
    #: the autopilot's own arming checks pass (None: it does not say)
    prearm_ok: bool | None = None
    landed_state_known: bool = False  # the autopilot reports landed/in air (EXTENDED_SYS_STATE)
    #: What the autopilot said (STATUSTEXT, mode changes, failsafes) not yet taken by the
    #: flight loop, oldest first; the loop drains it into the flight log.
    said: list[AutopilotMessage] = field(default_factory=list)

    @property
    def ground_speed_mps(self) -> float:
        return math.hypot(self.vel_n_mps, self.vel_e_mps)

    @property
    def has_position(self) -> bool:
        return math.isfinite(self.lat_deg) and math.isfinite(self.lon_deg)


class FlyingVehicle(Vehicle, Protocol):
    """A vehicle that can also be flown and watched."""

    async def watch(self, live: Live) -> None: ...

    async def arm(self) -> None: ...

    async def start_mission(self) -> None: ...

    async def hold(self) -> None: ...

    async def land(self) -> None: ...

    async def disarm(self) -> None:
        """On the ground only (an autopilot refuses to disarm a flying vehicle)."""
        ...


class Connect(Protocol):
    """How to reach a vehicle: open `url`, wait up to `timeout_s` for it, and hold the link for
    the life of the block (`patrol.mavsdk_vehicle.connect`; tests may pass their own)."""

    def __call__(
        self, url: str, *, timeout_s: float
    ) -> AbstractAsyncContextManager[FlyingVehicle]: ...
