"""The simulated autopilot: modes, mission execution, commands, arming checks and failsafes.

It behaves as PX4 does where a ground station can tell: take-off climbs to its altitude then
holds; a mission flies its items in order (take-off, waypoints with acceptance radius and hold
time, loiters, speed changes, jumps, return, land) and holds when it ends; return climbs to
RTL_RETURN_ALT, flies home and lands; landing disarms after COM_DISARM_LAND, and PX4 then holds.
Armed and idle on the ground it disarms after COM_DISARM_PRFLT. Failsafes it enforces itself:
leaving the uploaded fence (GF_ACTION), losing the ground station (NAV_DLL_ACT after
COM_DL_LOSS_T), battery (COM_LOW_BAT_ACT at BAT_CRIT_THR / BAT_EMERGEN_THR), GPS loss.

As ArduCopter (measured on the real one): it boots in STABILIZE; it refuses to arm in AUTO, RTL,
LAND and BRAKE; in AUTO on the ground it waits for MAV_CMD_MISSION_START; a mission's return item
flies in AUTO and the vehicle stays in its mode after landing; disarming sets the current item
back to 0; the fence (FENCE_TYPE: ceiling, circle round home, polygons) acts once FENCE_ENABLE
is 1. Pure: time is passed in (sim seconds); the protocol layer turns its state into messages.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import Enum, IntEnum

from geofence import capacity
from geofence.edges import EdgeModel
from geofence.fence import LocalFence
from geofence.frames import GeoPoint, LocalFrame
from geofence.mavlink import MavItem, fence_from_items
from sim import ardupilot as ardupilot_tables
from sim import physics
from sim import px4 as px4_tables
from sim.battery import Battery
from sim.mission_transfer import MissionStore, MissionType, WireItem
from sim.physics import Body, Limits, Setpoint
from sim.px4 import PARAMS, FlightMode

RELATIVE_FRAMES = {3, 6, 10, 11}
TAKEOFF_REACHED_M = 0.5
ALT_REACHED_M = 1.0
GPS_TAU_S = 5.0


class Firmware(Enum):
    """Which autopilot the simulator imitates on the wire."""

    PX4 = "px4"
    ARDUPILOT = "ardupilot"


class Severity(IntEnum):
    """MAV_SEVERITY."""

    EMERGENCY = 0
    ALERT = 1
    CRITICAL = 2
    ERROR = 3
    WARNING = 4
    NOTICE = 5
    INFO = 6


class LandedState(IntEnum):
    """MAV_LANDED_STATE."""

    ON_GROUND = 1
    IN_AIR = 2
    TAKEOFF = 3
    LANDING = 4


class MissionState(IntEnum):
    """MISSION_STATE (MISSION_CURRENT.mission_state)."""

    NO_MISSION = 1
    NOT_STARTED = 2
    ACTIVE = 3
    COMPLETE = 5


class ReturnPhase(Enum):
    CLIMB = "climb"
    CRUISE = "cruise"
    LAND = "land"


@dataclass
class Failsafes:
    """Which failsafes have fired (each acts once until cleared)."""

    fence: bool = False
    link: bool = False
    battery_low: bool = False
    battery_critical: bool = False
    battery_emergency: bool = False
    gps: bool = False


@dataclass
class Autopilot:
    """One simulated vehicle's flight controller and its true state."""

    home: GeoPoint
    store: MissionStore
    rng: random.Random
    firmware: Firmware = Firmware.PX4
    battery: Battery = field(default_factory=Battery)
    gps_sigma_m: float = 0.0
    params: dict[str, float] = field(
        default_factory=lambda: {k: v.default for k, v in PARAMS.items()}
    )
    body: Body = field(default_factory=Body)
    armed: bool = False
    mode: FlightMode = FlightMode.HOLD
    time_s: float = 0.0
    gps_ok: bool = True
    wind_e_mps: float = 0.0
    wind_n_mps: float = 0.0
    gust_e_mps: float = 0.0
    gust_n_mps: float = 0.0
    failsafes: Failsafes = field(default_factory=Failsafes)
    texts: list[tuple[Severity, str]] = field(default_factory=list)
    reached: list[int] = field(default_factory=list)
    #: ArduPilot: the copter mode number a client chose (several map onto one flight mode).
    copter_mode: int | None = None
    #: Set when home (re)sets, as ArduPilot announces HOME_POSITION then (boot, arming).
    home_changed: bool = True

    def __post_init__(self) -> None:
        self.frame = LocalFrame(self.home.latlon)
        ardupilot = self.ardupilot
        # PX4 enforces any uploaded fence; ArduPilot only once FENCE_ENABLE is set
        self.params.setdefault("FENCE_ENABLE", 1.0)
        self.params.setdefault("FENCE_TYPE", 7.0)
        if ardupilot:
            self.params.update(ardupilot_tables.DEFAULTS)
            self.mode = FlightMode.MANUAL  # ArduCopter boots in STABILIZE
            self.store.home_first = True
            self.store.extra_check = ardupilot_tables.check_item
            self.store.stored = ardupilot_tables.stored
            self.store.current_flag = ardupilot_tables.current_flag
            self.store.home_item = ardupilot_tables.home_item(
                self.home.lat_deg, self.home.lon_deg, self.home.alt_amsl_m
            )
            # MissionItemProtocol::handle_mission_count, after its MISSION_ACK
            self.store.on_no_space = lambda limit: self.say(
                Severity.WARNING, f"Only {limit} items are supported"
            )
        else:
            self.store.stored = px4_tables.stored
            self.store.extra_check = px4_tables.check_item
        # the fence items the real autopilot holds (its byte store, ArduPilot's, is not modelled)
        firmware = capacity.Autopilot.ARDUPILOT if ardupilot else capacity.Autopilot.PX4
        self.store.max_items[MissionType.FENCE] = capacity.CAPACITY[firmware].max_items
        self.fence: LocalFence | None = None
        #: ArduPilot without FENCE_OPTIONS' union bit: inside every inclusion area at once
        self.fence_every: LocalFence | None = None
        self.hold_xyz = (0.0, 0.0, 0.0)
        self.takeoff_alt_m = 0.0
        self.cruise_mps = self.params["MPC_XY_CRUISE"]
        self.item_arrived_s: float | None = None
        self.jumps_done: dict[int, int] = {}
        self.return_phase = ReturnPhase.CLIMB
        self.return_to = (0.0, 0.0)  # home, or the nearest rally point once a return starts
        self.landed_since_s: float | None = None
        self.idle_since_s: float | None = None
        self.gps_noise = [0.0, 0.0]
        self.auto_armed = False  # ArduPilot: AUTO flies once MISSION_START says go
        self.mission_return = False  # ArduPilot: a return item flown inside AUTO
        self.mission_complete = False
        self.plan_ready_s = 0.0  # PX4: sim time its check of a new mission or fence ends

    @property
    def ardupilot(self) -> bool:
        return self.firmware is Firmware.ARDUPILOT

    # ---- what the vehicle reports -------------------------------------------------------------

    @property
    def landed_state(self) -> LandedState:
        if self.body.on_ground:
            return LandedState.ON_GROUND
        if self.mode is FlightMode.TAKEOFF:
            return LandedState.TAKEOFF
        if self._landing:
            return LandedState.LANDING
        return LandedState.IN_AIR

    @property
    def _landing(self) -> bool:
        returning = self.mode is FlightMode.RETURN or (
            self.mode is FlightMode.MISSION and self.mission_return
        )
        return self.mode is FlightMode.LAND or (returning and self.return_phase is ReturnPhase.LAND)

    @property
    def mission_state(self) -> MissionState:
        if not self.store.items[MissionType.MISSION]:
            return MissionState.NO_MISSION
        if self.mission_complete:
            return MissionState.COMPLETE
        if self.mode is FlightMode.MISSION and self.armed:
            return MissionState.ACTIVE
        return MissionState.NOT_STARTED

    def reported_position(self) -> tuple[float, float, float]:
        """East, north, up as the GPS reports them (true position plus correlated noise)."""
        return (
            self.body.east_m + self.gps_noise[0],
            self.body.north_m + self.gps_noise[1],
            self.body.up_m,
        )

    def say(self, severity: Severity, text: str) -> None:
        self.texts.append((severity, text))

    # ---- commands ------------------------------------------------------------------------------

    def arm(self, *, force: bool = False) -> str | None:
        """Arm; returns the reason it refused, or None."""
        if self.armed:
            return None
        if not force:
            refusal = self._mode_not_armable()
            if refusal is not None:
                self.say(Severity.CRITICAL, refusal)
                return refusal
            reason = self._prearm_failure()
            if reason is not None:
                prefix = "PreArm" if self.ardupilot else "Preflight Fail"
                self.say(Severity.CRITICAL, f"{prefix}: {reason}")
                return reason
        self.armed = True
        self.landed_since_s = None
        self.idle_since_s = None
        self.mission_complete = False
        if self.ardupilot:
            self.home_changed = True  # ArduPilot sets home again on arming
            self.say(Severity.INFO, "Arming motors")
        else:
            self.say(Severity.INFO, "Armed by external command")
        return None

    def _mode_not_armable(self) -> str | None:
        """The text the real autopilot gives when its mode forbids arming, or None."""
        has_mission = bool(self.store.items[MissionType.MISSION])
        if self.ardupilot:
            number = self.wire_copter_mode
            if number == ardupilot_tables.CopterMode.AUTO and not has_mission:
                return ardupilot_tables.AUTO_WITHOUT_MISSION
            return ardupilot_tables.NOT_ARMABLE.get(number)
        if self.mode in px4_tables.NOT_ARMABLE or (
            self.mode is FlightMode.MISSION and not has_mission
        ):
            return px4_tables.ARMING_DENIED
        return None

    @property
    def wire_copter_mode(self) -> int:
        """ArduPilot: the mode number HEARTBEAT reports."""
        chosen = self.copter_mode
        if chosen is not None and ardupilot_tables.DECODE.get(chosen) is self.mode:
            return chosen
        return int(ardupilot_tables.ENCODE[self.mode])

    def _prearm_failure(self) -> str | None:
        if not self.gps_ok:
            return "GPS fix too low"
        if self.battery.remaining <= self.params["BAT_LOW_THR"]:
            return "low battery"
        fence = self.active_fence
        if fence is not None and not fence.contains(0.0, 0.0):
            return "Vehicle outside geofence"
        return None

    def disarm(self, *, force: bool = False) -> str | None:
        if not self.body.on_ground and not force:
            return "vehicle is in the air"
        self._disarmed("Disarmed by external command")
        return None

    def _disarmed(self, px4_text: str) -> None:
        """Disarm and say so; ArduPilot then sets its current mission item back to 0."""
        self.armed = False
        self.idle_since_s = None
        self.landed_since_s = None
        if self.ardupilot:
            self.say(Severity.INFO, "Disarming motors")
            if self.auto_armed or self.mode is not FlightMode.MISSION:
                self.store.current_seq = 0
            self.auto_armed = False
        else:
            self.say(Severity.INFO, px4_text)

    def set_mode(self, mode: FlightMode, *, plan_check: bool = False) -> str | None:
        """Switch mode as a ground station asks; returns why it refused, or None. With
        `plan_check` (PX4's DO_SET_MODE) mission mode waits for the check of a new plan."""
        if (
            mode
            in (
                FlightMode.MISSION,
                FlightMode.RETURN,
                FlightMode.HOLD,
                FlightMode.TAKEOFF,
                FlightMode.POSITION,
            )
            and not self.gps_ok
        ):
            return "no position estimate"
        if (
            mode is FlightMode.MISSION
            and not self.store.items[MissionType.MISSION]
            and not self.body.on_ground
        ):
            return "no mission uploaded"
        if mode is FlightMode.MISSION and plan_check and not self.plan_checked:
            return "new plan still being checked"
        if mode is FlightMode.TAKEOFF:
            return self.takeoff(None)
        self._enter(mode)
        return None

    @property
    def plan_checked(self) -> bool:
        """PX4: whether it has finished checking the last mission or fence uploaded."""
        pending = {MissionType.MISSION, MissionType.FENCE} & self.store.changed
        return not pending and self.time_s >= self.plan_ready_s

    def takeoff(self, alt_amsl_m: float | None) -> str | None:
        if not self.armed:
            return "not armed"
        rel = (
            (alt_amsl_m - self.home.alt_amsl_m)
            if alt_amsl_m is not None and math.isfinite(alt_amsl_m)
            else self.params["MIS_TAKEOFF_ALT"]
        )
        self.takeoff_alt_m = max(rel, 1.0)
        self._enter(FlightMode.TAKEOFF)
        return None

    def reposition(self, lat_deg: float, lon_deg: float, alt_amsl_m: float) -> str | None:
        if not self.armed or self.body.on_ground:
            return "not flying"
        e, n = self.frame.geodetic2enu(lat_deg, lon_deg)
        up = alt_amsl_m - self.home.alt_amsl_m if math.isfinite(alt_amsl_m) else self.body.up_m
        self.mode = FlightMode.HOLD
        self.hold_xyz = (e, n, up)
        return None

    def start_mission(self, first: int = 0) -> str | None:
        """MAV_CMD_MISSION_START (ArduPilot: also the go an armed AUTO waits for)."""
        if not self.store.items[MissionType.MISSION]:
            return "no mission uploaded"
        if first > 0:
            self.store.current_seq = first
        if self.ardupilot:
            self.auto_armed = self.armed
            self.copter_mode = None
            if self.mode is FlightMode.MISSION:
                self._mission_started()
                return None
        return self.set_mode(FlightMode.MISSION)

    def _enter(self, mode: FlightMode) -> None:
        b = self.body
        was = self.mode
        self.mode = mode
        if mode is not FlightMode.MISSION:
            self.mission_return = False
        if mode is FlightMode.HOLD:
            self.hold_xyz = (b.east_m, b.north_m, b.up_m)
        elif mode is FlightMode.RETURN:
            self.return_phase = ReturnPhase.CLIMB
            if not self.ardupilot:
                self.say(Severity.INFO, "Returning to launch")
        elif mode is FlightMode.MISSION and was is not FlightMode.MISSION:
            self._mission_started()

    def _mission_started(self) -> None:
        self.item_arrived_s = None
        self.mission_complete = False
        self.mission_return = False
        if self.store.home_first and self.store.current_seq == 0:
            self.store.current_seq = 1  # ArduPilot: item 0 is home, not flown
        if self.ardupilot:
            self._announce_item()
        else:
            self.say(Severity.INFO, "Executing Mission")

    def _announce_item(self) -> None:
        items = self.store.items[MissionType.MISSION]
        seq = self.store.current_seq
        if self.ardupilot and seq < len(items):
            text = ardupilot_tables.mission_text(seq, items[seq].command)
            if text is not None:
                self.say(Severity.INFO, text)

    # ---- the step ------------------------------------------------------------------------------

    def step(self, dt_s: float) -> None:
        """Advance the vehicle by dt sim seconds."""
        self._sync_fence()
        target = self._setpoint() if self.armed else None
        b = self.body
        if target is not None:
            limits = self._limits()
            physics.step(
                b,
                target,
                dt_s,
                limits,
                self.wind_e_mps + self.gust_e_mps,
                self.wind_n_mps + self.gust_n_mps,
            )
            b.on_ground = b.up_m <= 0.05 and b.vel_u_mps <= 0.0
        self.battery.drain(
            dt_s,
            flying=self.armed and not b.on_ground,
            speed_mps=b.ground_speed_mps,
            climb_mps=b.vel_u_mps,
        )
        self._gps(dt_s)
        self.time_s += dt_s
        self._check_plan()
        if self.armed:
            self._auto_disarm()
            self._idle_disarm(target)
        if self.armed:
            self._check_battery()
            self._check_fence()

    def _check_plan(self) -> None:
        if MissionType.MISSION in self.store.changed:
            self.store.changed.discard(MissionType.MISSION)
            self.plan_ready_s = self.time_s + px4_tables.MISSION_CHECK_S
            self.mission_complete = False
            if self.ardupilot:
                self.say(Severity.INFO, "Flight plan received")

    def _idle_disarm(self, target: Setpoint | None) -> None:
        """Armed on the ground and asked for nothing: disarm after COM_DISARM_PRFLT."""
        b = self.body
        idle = b.on_ground and (target is None or target.up_m <= 0.05)
        if not idle or self._landing:
            self.idle_since_s = None
            return
        if self.idle_since_s is None:
            self.idle_since_s = self.time_s
        elif self.time_s - self.idle_since_s >= self.params["COM_DISARM_PRFLT"]:
            self._disarmed("Disarmed by auto preflight disarming")

    def _limits(self) -> Limits:
        p = self.params
        return Limits(
            speed_mps=p["MPC_XY_VEL_MAX"],
            accel_mps2=p["MPC_ACC_HOR"],
            climb_mps=p["MPC_Z_VEL_MAX_UP"],
            descent_mps=p["MPC_Z_VEL_MAX_DN"],
            yaw_rate_dps=p["MPC_YAWRAUTO_MAX"],
        )

    def _gps(self, dt_s: float) -> None:
        if self.gps_sigma_m <= 0:
            return
        a = math.exp(-dt_s / GPS_TAU_S)
        k = self.gps_sigma_m * math.sqrt(1 - a * a)
        self.gps_noise = [a * n + k * self.rng.gauss(0.0, 1.0) for n in self.gps_noise]

    def _setpoint(self) -> Setpoint | None:
        b = self.body
        if self.mode is FlightMode.TAKEOFF:
            if b.up_m >= self.takeoff_alt_m - TAKEOFF_REACHED_M:
                self._enter(FlightMode.HOLD)
                self.hold_xyz = (b.east_m, b.north_m, self.takeoff_alt_m)
            return (
                Setpoint(
                    b.east_m if b.on_ground else self.hold_xyz[0],
                    b.north_m if b.on_ground else self.hold_xyz[1],
                    self.takeoff_alt_m,
                    self.cruise_mps,
                )
                if self.mode is FlightMode.TAKEOFF
                else self._hold()
            )
        if self.mode is FlightMode.MISSION:
            if self.ardupilot and b.on_ground and not self.auto_armed:
                return None  # AUTO waits for MISSION_START
            if self.mission_return:
                return self._return()
            return self._mission()
        if self.mode is FlightMode.RETURN:
            return self._return()
        if self.mode is FlightMode.LAND:
            return self._land_here()
        if b.on_ground:
            return None
        return self._hold()

    def _hold(self) -> Setpoint:
        e, n, u = self.hold_xyz
        return Setpoint(e, n, u, self.cruise_mps)

    def _land_here(self) -> Setpoint:
        b = self.body
        rate = -self.params["MPC_Z_VEL_MAX_DN"] if b.up_m > 5.0 else -self.params["MPC_LAND_SPEED"]
        return Setpoint(b.east_m, b.north_m, 0.0, self.cruise_mps, vertical_mps=rate)

    def _return(self) -> Setpoint:
        b = self.body
        cruise_alt = (
            max(b.up_m, self.params["RTL_RETURN_ALT"])
            if self.return_phase is ReturnPhase.CLIMB
            else self.hold_xyz[2]
        )
        if self.return_phase is ReturnPhase.CLIMB:
            self.return_to = self._nearest_safe_point()
            self.hold_xyz = (b.east_m, b.north_m, cruise_alt)
            if b.up_m >= cruise_alt - ALT_REACHED_M:
                self.return_phase = ReturnPhase.CRUISE
            return Setpoint(b.east_m, b.north_m, cruise_alt, self.cruise_mps)
        to_e, to_n = self.return_to
        if self.return_phase is ReturnPhase.CRUISE:
            if (
                math.hypot(b.east_m - to_e, b.north_m - to_n) < self.params["NAV_ACC_RAD"]
                and b.ground_speed_mps < 1.0
            ):
                self.return_phase = ReturnPhase.LAND
            return Setpoint(to_e, to_n, self.hold_xyz[2], self.params["MPC_XY_CRUISE"])
        land = self._land_here()
        return Setpoint(to_e, to_n, 0.0, 2.0, vertical_mps=land.vertical_mps)

    def _nearest_safe_point(self) -> tuple[float, float]:
        """Where a return goes, as both real autopilots choose: straight to the nearest of home
        and the rally points."""
        b = self.body
        points = [(0.0, 0.0)] + [
            self.frame.geodetic2enu(it.lat_deg, it.lon_deg)
            for it in self.store.items[MissionType.RALLY]
        ]
        return min(points, key=lambda p: math.hypot(p[0] - b.east_m, p[1] - b.north_m))

    def _auto_disarm(self) -> None:
        if not (self.body.on_ground and self._landing):
            self.landed_since_s = None
            return
        if self.landed_since_s is None:
            self.landed_since_s = self.time_s
            if not self.ardupilot:
                self.say(Severity.INFO, "Landing detected")
        elif self.time_s - self.landed_since_s >= self.params["COM_DISARM_LAND"]:
            if self.mission_return:  # ArduPilot: the return item is reached on landing
                self.reached.append(self.store.current_seq)
                self.mission_complete = True
            self._disarmed("Disarmed by landing")
            if not self.ardupilot:
                self._enter(FlightMode.HOLD)  # PX4 holds after landing

    # ---- mission -------------------------------------------------------------------------------

    def _item_xyz(self, it: WireItem) -> tuple[float, float, float]:
        e, n = (
            self.frame.geodetic2enu(it.lat_deg, it.lon_deg)
            if (it.x or it.y)
            else (self.body.east_m, self.body.north_m)
        )
        up = it.z if it.frame in RELATIVE_FRAMES else it.z - self.home.alt_amsl_m
        return e, n, up

    def _advance(self, seq: int, reached: bool = True) -> None:
        if reached:
            self.reached.append(seq)
            if self.ardupilot and seq > 1:
                self.say(Severity.INFO, f"Reached command #{seq}")
        self.store.current_seq = seq + 1
        self.item_arrived_s = None
        self._announce_item()

    def _mission(self) -> Setpoint | None:
        items = self.store.items[MissionType.MISSION]
        b = self.body
        for _ in range(len(items) + 1):  # do-items take no time: run through them
            seq = self.store.current_seq
            if seq >= len(items):
                self.mission_complete = True
                if not self.ardupilot:
                    self.say(Severity.INFO, "Mission finished, loitering")
                self._enter(FlightMode.HOLD)
                return self._hold() if not b.on_ground else None
            it = items[seq]
            if it.command == 178:  # DO_CHANGE_SPEED
                if it.param2 > 0:
                    self.cruise_mps = it.param2
                self._advance(seq, reached=False)
            elif it.command == 177:  # DO_JUMP
                done = self.jumps_done.get(seq, 0)
                if done < int(it.param2):
                    self.jumps_done[seq] = done + 1
                    self.store.current_seq = int(it.param1)
                else:
                    self._advance(seq, reached=False)
            elif it.command == 20:  # RETURN_TO_LAUNCH
                if self.ardupilot:  # flown inside AUTO; reached on landing
                    self.mission_return = True
                    self.return_phase = ReturnPhase.CLIMB
                    return self._return()
                self._advance(seq)
                self.mission_complete = True
                self.say(Severity.INFO, "Mission finished, loitering")
                self._enter(FlightMode.RETURN)
                return self._return()
            elif it.command == 21:  # LAND
                e, n, _u = self._item_xyz(it)
                if math.hypot(b.east_m - e, b.north_m - n) > self.params["NAV_ACC_RAD"]:
                    return Setpoint(e, n, b.up_m, self.cruise_mps)
                self._advance(seq)
                self._enter(FlightMode.LAND)
                return self._land_here()
            elif it.command in (16, 17, 19, 22, 31, 82, 93):
                return self._nav_item(seq, it)
            else:
                self._advance(seq, reached=False)
        return self._hold()

    def _nav_item(self, seq: int, it: WireItem) -> Setpoint:
        b = self.body
        e, n, up = self._item_xyz(it)
        if it.command == 22:
            e, n = (b.east_m, b.north_m) if self.item_arrived_s is None else (e, n)
            if b.up_m >= up - TAKEOFF_REACHED_M:
                self._advance(seq)
                self.hold_xyz = (b.east_m, b.north_m, b.up_m)
            return Setpoint(b.east_m, b.north_m, up, self.cruise_mps)
        if it.command == 93:  # NAV_DELAY: hold here
            e, n, up = b.east_m, b.north_m, b.up_m
        radius = it.param2 if it.command == 16 and it.param2 > 0 else self.params["NAV_ACC_RAD"]
        arrived = (
            math.hypot(b.east_m - e, b.north_m - n) <= radius and abs(b.up_m - up) <= ALT_REACHED_M
        )
        if arrived and self.item_arrived_s is None:
            self.item_arrived_s = self.time_s
        # a spline waypoint is flown straight (a multicopter's curve stays near the chord); a
        # loiter to altitude goes on once there
        hold_s = {16: it.param1, 19: it.param1, 93: it.param1, 17: math.inf}.get(it.command, 0.0)
        if self.item_arrived_s is not None and self.time_s - self.item_arrived_s >= hold_s:
            self._advance(seq)
            self.hold_xyz = (e, n, up)
        return Setpoint(e, n, up, self.cruise_mps)

    # ---- failsafes -----------------------------------------------------------------------------

    @property
    def active_fence(self) -> LocalFence | None:
        """The uploaded fence, when it is enforced (ArduPilot: only with FENCE_ENABLE, and
        polygons only with FENCE_TYPE's polygon bit)."""
        if self.params["FENCE_ENABLE"] < 1:
            return None
        if self.ardupilot and not self._fence_type(ardupilot_tables.FENCE_POLYGON):
            return None
        union = int(self.params.get("FENCE_OPTIONS", 0.0)) & ardupilot_tables.FENCE_INCLUSION_UNION
        if self.ardupilot and not union and self.fence_every is not None:
            return self.fence_every
        return self.fence

    def _fence_type(self, bit: int) -> bool:
        """Whether a kind of fence is on: ArduPilot by FENCE_TYPE, PX4 by its limit being set."""
        return not self.ardupilot or bool(int(self.params["FENCE_TYPE"]) & bit)

    @property
    def fence_active(self) -> bool:
        return self.active_fence is not None

    def _sync_fence(self) -> None:
        if MissionType.FENCE not in self.store.changed:
            return
        self.store.changed.discard(MissionType.FENCE)
        self.plan_ready_s = self.time_s + px4_tables.MISSION_CHECK_S  # PX4 checks it first
        items = self.store.items[MissionType.FENCE]
        if not items:
            self.fence = self.fence_every = None
            return
        mav = tuple(
            MavItem(
                i.command,
                i.frame,
                _used(i.param1),
                _used(i.param2),
                _used(i.param3),
                _used(i.param4),
                i.lat_deg,
                i.lon_deg,
                i.z,
            )
            for i in items
        )
        # the autopilots test polygon edges straight in latitude/longitude (geofence.edges)
        uploaded = fence_from_items(mav)
        self.fence = uploaded.in_frame(self.frame, EdgeModel.LATLON)
        self.fence_every = (
            uploaded.in_frame(self.frame, EdgeModel.LATLON, every_inclusion=True)
            if uploaded.inclusion_count > 1
            else None
        )

    def _act(self, action: int, why: str, severity: Severity = Severity.WARNING) -> None:
        """Apply a PX4 failsafe action code: 1 warn, 2 hold, 3 return, 5 land (GF_ACTION).
        ArduPilot says only why, and its new mode shows on the heartbeat."""
        if self.ardupilot:
            self.say(severity, why)
            mode = {2: FlightMode.HOLD, 3: FlightMode.RETURN, 5: FlightMode.LAND}.get(action)
            if mode is not None:
                self.copter_mode = None
                self._enter(mode)
            return
        if action == 2:
            self._enter(FlightMode.HOLD)
            self.say(Severity.CRITICAL, f"{why}, holding")
        elif action == 3:
            self._enter(FlightMode.RETURN)
            self.say(Severity.CRITICAL, f"{why}, returning to launch")
        elif action == 5:
            self._enter(FlightMode.LAND)
            self.say(Severity.CRITICAL, f"{why}, landing")
        else:
            self.say(Severity.WARNING, why)

    def _breach(self) -> str | None:
        """Which fence the vehicle is outside (ArduPilot's name for it), or None."""
        b = self.body
        p = self.params
        if p["FENCE_ENABLE"] < 1:
            return None
        ceiling, radius = p["GF_MAX_VER_DIST"], p["GF_MAX_HOR_DIST"]
        if self._fence_type(ardupilot_tables.FENCE_ALT_MAX) and ceiling > 0 and b.up_m > ceiling:
            return "Max Alt"
        circle = self._fence_type(ardupilot_tables.FENCE_CIRCLE) and radius > 0
        if circle and math.hypot(b.east_m, b.north_m) > radius:
            return "Circle"
        fence = self.active_fence
        if fence is not None and not fence.contains(b.east_m, b.north_m):
            return "Polygon"
        return None

    def _check_fence(self) -> None:
        if self.body.on_ground:
            return
        breach = self._breach()
        if breach is not None and not self.failsafes.fence:
            self.failsafes.fence = True
            why = f"{breach} fence breached" if self.ardupilot else "Geofence violation"
            self._act(int(self.params["GF_ACTION"]), why, Severity.NOTICE)
        elif breach is None and self.failsafes.fence:
            self.failsafes.fence = False
            if self.ardupilot:
                self.say(Severity.NOTICE, "Fence breach cleared")

    def link_lost(self) -> None:
        """The ground station has been silent for COM_DL_LOSS_T (wall seconds, see protocol)."""
        if self.failsafes.link:
            return
        self.failsafes.link = True
        action = {1: 2, 2: 3, 3: 5}.get(int(self.params["NAV_DLL_ACT"]), 0)
        flying = self.armed and not self.body.on_ground
        if self.ardupilot:
            if action:  # FS_GCS_ENABLE off: ArduPilot says nothing
                self._act(action if flying else 0, "GCS Failsafe")
            return
        self.say(Severity.CRITICAL, "Connection to ground station lost")
        if flying and action:
            self._act(action, "Failsafe: data link lost")

    def link_regained(self) -> None:
        if self.failsafes.link:
            self.failsafes.link = False
            if self.ardupilot:
                if self.params["NAV_DLL_ACT"]:
                    self.say(Severity.WARNING, "GCS Failsafe Cleared")
            else:
                self.say(Severity.INFO, "Data link regained")

    def _check_battery(self) -> None:
        r = self.battery.remaining
        p = self.params
        f = self.failsafes
        action = int(p["COM_LOW_BAT_ACT"])
        if r <= p["BAT_LOW_THR"] and not f.battery_low:
            f.battery_low = True
            self.say(Severity.WARNING, "Low battery level! Return advised")
        if r <= p["BAT_CRIT_THR"] and not f.battery_critical:
            f.battery_critical = True
            if action == 3 and not self.body.on_ground:
                self._act(3, "Critical battery level!")
            elif action == 2 and not self.body.on_ground:
                self._act(5, "Critical battery level!")
            else:
                self.say(Severity.CRITICAL, "Critical battery level!")
        if r <= p["BAT_EMERGEN_THR"] and not f.battery_emergency:
            f.battery_emergency = True
            if action in (2, 3) and not self.body.on_ground:
                self._act(5, "Dangerous battery level!")
            else:
                self.say(Severity.EMERGENCY, "Dangerous battery level!")

    def lose_gps(self) -> None:
        """GPS fix lost: no position, so PX4 descends where it is."""
        self.gps_ok = False
        self.failsafes.gps = True
        if self.armed and not self.body.on_ground:
            self._act(5, "Failsafe: GPS lost")
        else:
            self.say(Severity.CRITICAL, "GPS fix lost")

    def regain_gps(self) -> None:
        self.gps_ok = True
        self.failsafes.gps = False
        self.say(Severity.INFO, "GPS fix regained")


def _used(value: float) -> float | None:
    """A wire param as MavItem keeps it: NaN means unused."""
    return value if math.isfinite(value) else None
