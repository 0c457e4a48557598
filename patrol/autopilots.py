"""What differs between PX4 and ArduPilot, in one table per autopilot (not in scattered ifs).

Every table here was checked against the real autopilots (ArduCopter V4.8.0-dev and PX4 main of
2026-03, in SITL), not written from memory:

- parameters go by more than one name across versions (ArduPilot's `RTL_ALT` in centimetres
  became `RTL_ALT_M` in metres in 2026; `SYSID_MYGCS` became `MAV_GCS_SYSID`): each setting
  lists the names it may go by, newest first, and preflight uses the one the vehicle has;
- telemetry is asked for at run time, message by message (MAV_CMD_SET_MESSAGE_INTERVAL works on
  both; ArduPilot's stream-rate parameters are read only at boot), and HOME_POSITION is
  requested, since it is in no stream;
- modes are read from HEARTBEAT's custom_mode with each autopilot's own numbers;
- an autopilot stores some mission items differently from how they were sent (PX4 answers in
  the `_INT` frames; ArduPilot rewrites some params of DO_CHANGE_SPEED, RETURN_TO_LAUNCH and
  LOITER_TIME): read-back compares what the autopilot means, through a table of the rewrites
  it is known to make, and anything else is still a mismatch.

Failsafes are set so that every way of losing control ends in a return: fence breach, lost
ground-station link, critical battery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum

from geofence.capacity import CAPACITY, Autopilot, FenceCapacity
from geofence.mavlink import MavItem
from patrol.vehicle import FlightMode


class ParamKind(Enum):
    INT = "int"
    FLOAT = "float"


@dataclass(frozen=True, slots=True)
class ParamName:
    """One name a parameter may go by, and its unit per patrol's unit (centimetres per metre:
    100)."""

    name: str
    kind: ParamKind
    per_unit: float = 1.0


@dataclass(frozen=True, slots=True)
class Setting:
    """A parameter patrol sets before a flight (in patrol's unit), the names it may go by on
    the vehicle (newest first), and why."""

    names: tuple[ParamName, ...]
    value: float
    meaning: str
    absent: str = ""  # why a vehicle may lack it, and what to do
    #: a bitmask of which only these bits are cleared, and these set (`value` unused): the
    #: pilot's other choices in it are kept
    clear_bits: int = 0
    set_bits: int = 0
    #: set only for a fence of several inclusion areas (what it changes means nothing for one)
    several_inclusions: bool = False

    @property
    def is_bitmask(self) -> bool:
        return bool(self.clear_bits or self.set_bits)

    def on_vehicle(self, name: ParamName, current: float = 0.0) -> float:
        if self.is_bitmask:
            return float(int(current) & ~self.clear_bits | self.set_bits)
        value = self.value * name.per_unit
        return float(round(value)) if name.kind is ParamKind.INT else value


def _p(name: str, kind: ParamKind = ParamKind.INT, per_unit: float = 1.0) -> ParamName:
    return ParamName(name, kind, per_unit)


@dataclass(frozen=True, slots=True)
class Telemetry:
    """A MAVLink message patrol asks the autopilot to send, and how often."""

    msg_id: int
    name: str
    rate_hz: float


#: What the flight loop, the monitors and the log need, asked for on both autopilots.
TELEMETRY = (
    Telemetry(33, "GLOBAL_POSITION_INT", 10.0),
    Telemetry(30, "ATTITUDE", 10.0),
    Telemetry(24, "GPS_RAW_INT", 2.0),
    Telemetry(1, "SYS_STATUS", 2.0),
    Telemetry(147, "BATTERY_STATUS", 1.0),
    Telemetry(245, "EXTENDED_SYS_STATE", 2.0),
    Telemetry(42, "MISSION_CURRENT", 2.0),
    Telemetry(242, "HOME_POSITION", 0.5),
)
HOME_POSITION_ID = 242


@dataclass(frozen=True, slots=True)
class AutopilotProfile:
    name: str
    firmware: Autopilot
    mission_item0_is_home: bool
    unused_param: float | None  # what an unused param is sent as (None: NaN)
    #: custom_mode -> (what it means, the autopilot's own name)
    modes: Mapping[int, tuple[FlightMode, str]]
    #: the custom_mode that patrol commands for each mode it asks for
    commanded: Mapping[FlightMode, int]
    failsafes: tuple[Setting, ...]
    return_alt: Callable[[float], Setting]
    route: tuple[Setting, ...]  # how a return flies
    fence: Callable[[float], tuple[Setting, ...]]  # from the ceiling above home, metres
    gcs_sysid: tuple[ParamName, ...]  # the ground station whose heartbeat the link-loss
    # failsafe watches (empty: any ground station)
    expected_back: Callable[[MavItem, int], MavItem]  # (item sent, mission type) -> as stored
    #: DO_SET_MODE's params 1-3 for a custom_mode
    set_mode_params: Callable[[int], tuple[float, float, float]]
    #: start a mission with MAV_CMD_MISSION_START (ArduCopter: it also lets AUTO take off
    #: from the ground) rather than by switching to the mission mode
    mission_start_command: bool
    #: what its fence store holds (`geofence.capacity`, where the planner reads it too)
    fence_store: FenceCapacity
    #: parameters of which at least one must be above 0 for a failsafe to work, and why
    thresholds: tuple[tuple[tuple[str, ...], str], ...] = ()

    def mode(self, custom_mode: int) -> tuple[FlightMode, str]:
        return self.modes.get(custom_mode, (FlightMode.UNKNOWN, f"mode {custom_mode}"))

    def settings(
        self, alt_rel_m: float, ceiling_rel_m: float, gcs_sysid: int
    ) -> tuple[Setting, ...]:
        """Everything preflight sets and reads back, in order."""
        out = (
            *self.failsafes,
            self.return_alt(alt_rel_m),
            *self.route,
            *self.fence(ceiling_rel_m),
        )
        if self.gcs_sysid:
            out = (
                *out,
                Setting(
                    self.gcs_sysid, gcs_sysid, "the link-loss failsafe watches this controller"
                ),
            )
        return out


# PX4: custom_mode = main_mode << 16 | sub_mode << 24
def _px4(main: int, sub: int = 0) -> int:
    return (main << 16) | (sub << 24)


_PX4_MODES: dict[int, tuple[FlightMode, str]] = {
    _px4(1): (FlightMode.MANUAL, "Manual"),
    _px4(2): (FlightMode.MANUAL, "Altitude"),
    _px4(3): (FlightMode.MANUAL, "Position"),
    _px4(3, 1): (FlightMode.MANUAL, "Position"),
    _px4(4, 1): (FlightMode.READY, "Ready"),
    _px4(4, 2): (FlightMode.TAKEOFF, "Takeoff"),
    _px4(4, 3): (FlightMode.HOLD, "Hold"),
    _px4(4, 4): (FlightMode.MISSION, "Mission"),
    _px4(4, 5): (FlightMode.RETURN, "Return"),
    _px4(4, 6): (FlightMode.LAND, "Land"),
    _px4(4, 8): (FlightMode.GUIDED, "Follow"),
    _px4(4, 9): (FlightMode.LAND, "Precision land"),
    _px4(5): (FlightMode.MANUAL, "Acro"),
    _px4(6): (FlightMode.GUIDED, "Offboard"),
    _px4(7): (FlightMode.MANUAL, "Stabilized"),
}

# PX4 stores mission, fence and rally items in the _INT frames and answers with them
_INT_FRAME = {0: 5, 3: 6, 10: 11}
_LOITER_TIME = 19


def _px4_back(item: MavItem, mission_type: int) -> MavItem:
    out = replace(item, frame=_INT_FRAME.get(item.frame, item.frame))
    if item.command == _LOITER_TIME and item.param4 is None:
        out = replace(out, param4=0.0)  # a flag (exit heading): NaN is stored as 0
    return out


PX4 = AutopilotProfile(
    name="PX4",
    firmware=Autopilot.PX4,
    mission_item0_is_home=False,
    unused_param=None,
    modes=_PX4_MODES,
    commanded={
        FlightMode.READY: _px4(4, 3),  # Hold: PX4 arms in it and stays put
        FlightMode.MISSION: _px4(4, 4),
        FlightMode.HOLD: _px4(4, 3),
        FlightMode.RETURN: _px4(4, 5),
        FlightMode.LAND: _px4(4, 6),
    },
    failsafes=(
        Setting((_p("GF_ACTION"),), 3, "fence breach: return"),
        Setting((_p("NAV_DLL_ACT"),), 2, "ground-station link lost: return"),
        Setting(
            (_p("COM_DLL_EXCEPT"),),
            0,
            "no exemption for missions or hold from the link-loss failsafe",
            clear_bits=0b011,
        ),
        Setting((_p("COM_DL_LOSS_T"),), 10, "link-loss timeout, seconds"),
        Setting((_p("COM_LOW_BAT_ACT"),), 3, "critical battery: return, emergency: land"),
    ),
    return_alt=lambda alt_rel_m: Setting(
        (_p("RTL_RETURN_ALT", ParamKind.FLOAT),), alt_rel_m, "return altitude, m"
    ),
    # a return flies straight to the nearest of home and the rally points (what the planner
    # checked), not along the mission or to a mission landing
    route=(Setting((_p("RTL_TYPE"),), 0, "return straight to the nearest safe point"),),
    fence=lambda ceiling_m: (
        Setting((_p("GF_MAX_VER_DIST", ParamKind.FLOAT),), ceiling_m, "fence ceiling, m"),
    ),
    gcs_sysid=(),  # PX4's link-loss failsafe counts any ground station's heartbeat
    expected_back=_px4_back,
    set_mode_params=lambda custom: (1.0, float((custom >> 16) & 0xFF), float(custom >> 24)),
    mission_start_command=False,
    fence_store=CAPACITY[Autopilot.PX4],
)

_COPTER_MODES: dict[int, tuple[FlightMode, str]] = {
    0: (FlightMode.MANUAL, "STABILIZE"),
    1: (FlightMode.MANUAL, "ACRO"),
    2: (FlightMode.MANUAL, "ALT_HOLD"),
    3: (FlightMode.MISSION, "AUTO"),
    4: (FlightMode.GUIDED, "GUIDED"),
    5: (FlightMode.HOLD, "LOITER"),
    6: (FlightMode.RETURN, "RTL"),
    7: (FlightMode.GUIDED, "CIRCLE"),
    9: (FlightMode.LAND, "LAND"),
    11: (FlightMode.MANUAL, "DRIFT"),
    13: (FlightMode.MANUAL, "SPORT"),
    16: (FlightMode.MANUAL, "POSHOLD"),
    17: (FlightMode.HOLD, "BRAKE"),
    21: (FlightMode.RETURN, "SMART_RTL"),
    27: (FlightMode.RETURN, "AUTO_RTL"),
}
_DO_CHANGE_SPEED, _RETURN_TO_LAUNCH = 178, 20


def _ardupilot_back(item: MavItem, mission_type: int) -> MavItem:
    """ArduPilot keeps commands without a position in frame 0, and rewrites the params below."""
    if mission_type != 0:
        return item
    if item.command in (_DO_CHANGE_SPEED, _RETURN_TO_LAUNCH):
        return replace(item, frame=0)
    if item.command == _LOITER_TIME and not item.param3:
        return replace(item, param3=1.0)  # param3 0 -> 1 (exit without heading)
    return item


ARDUPILOT = AutopilotProfile(
    name="ArduPilot",
    firmware=Autopilot.ARDUPILOT,
    mission_item0_is_home=True,
    unused_param=0.0,
    modes=_COPTER_MODES,
    commanded={
        FlightMode.READY: 4,  # GUIDED: armable with a position, and a MISSION_START takes off
        FlightMode.MISSION: 3,
        FlightMode.HOLD: 5,
        FlightMode.RETURN: 6,
        FlightMode.LAND: 9,
    },
    failsafes=(
        Setting((_p("FENCE_ENABLE"),), 1, "fence on"),
        Setting((_p("FENCE_ACTION"),), 1, "fence breach: RTL"),
        # a return heads for the nearest of home and the rally points, however far (the
        # planner checked every such return against the exclusions)
        Setting((_p("RALLY_LIMIT_KM", ParamKind.FLOAT),), 0, "rally points at any distance"),
        Setting((_p("RALLY_INCL_HOME"),), 1, "home counts as a rally point"),
        Setting((_p("FS_GCS_ENABLE"),), 1, "ground-station link lost: RTL"),
        Setting(
            (_p("FS_OPTIONS"),),
            0,
            "no carrying on with the mission when the ground-station link is lost",
            clear_bits=0b10,
        ),
        Setting((_p("FS_GCS_TIMEOUT", ParamKind.FLOAT),), 10, "link-loss timeout, seconds"),
        Setting(
            (_p("BATT_FS_CRT_ACT"),),
            2,
            "critical battery: RTL",
            "ArduPilot has it only with a battery monitor: set BATT_MONITOR",
        ),
    ),
    return_alt=lambda alt_rel_m: Setting(
        (_p("RTL_ALT_M", ParamKind.FLOAT), _p("RTL_ALT", ParamKind.INT, 100.0)),
        alt_rel_m,
        "return altitude, m",
    ),
    route=(),
    thresholds=(
        (
            ("BATT_CRT_VOLT", "BATT_CRT_MAH"),
            "the critical-battery failsafe has no threshold, so it never fires: set "
            "BATT_CRT_VOLT or BATT_CRT_MAH for this battery",
        ),
    ),
    fence=lambda ceiling_m: (
        # altitude (1) and polygons (4); not the circle around home (2), which would cut a
        # patrol short at FENCE_RADIUS
        Setting((_p("FENCE_TYPE"),), 5, "fence kinds: ceiling and polygons"),
        Setting((_p("FENCE_ALT_MAX", ParamKind.FLOAT),), ceiling_m, "fence ceiling, m"),
        # by default ArduPilot keeps the vehicle inside every inclusion area at once, so two
        # zones apart allow nowhere; patrol means inside any one of them, as PX4 does
        Setting(
            (_p("FENCE_OPTIONS"),),
            0,
            "several inclusion areas: inside any one of them",
            "an ArduCopter without it keeps the vehicle inside every inclusion area at once: "
            "update its firmware, or fly the zones one at a time",
            set_bits=0b10,
            several_inclusions=True,
        ),
    ),
    gcs_sysid=(_p("MAV_GCS_SYSID"), _p("SYSID_MYGCS")),
    expected_back=_ardupilot_back,
    set_mode_params=lambda custom: (1.0, float(custom), 0.0),
    mission_start_command=True,
    fence_store=CAPACITY[Autopilot.ARDUPILOT],
)
