"""What makes the simulator look like PX4 on the wire: mode encoding, parameters, stream rates.

PX4 packs its modes into HEARTBEAT.custom_mode as main_mode << 16 | sub_mode << 24 and takes them
back in MAV_CMD_DO_SET_MODE (param2 main, param3 sub). Parameter names, types and defaults are
those the real PX4 SITL (main of 2026-03, SIH quadrotor airframe 10040) lists, for the ones a
ground station or patrol's controller reads and sets. Stream rates are PX4's defaults for its
"onboard" link (the API port) and "normal" link (the ground-station port). Mission items come
back as the real one hands them back (`stored`): positions in the `_INT` frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum, IntEnum

from sim.mission_transfer import GLOBAL_FRAMES, Result, WireItem


class FlightMode(Enum):
    """The simulator's flight modes (what PX4 calls navigation states)."""

    MANUAL = "manual"
    POSITION = "position"
    HOLD = "hold"
    TAKEOFF = "takeoff"
    MISSION = "mission"
    RETURN = "return"
    LAND = "land"


class MainMode(IntEnum):
    MANUAL = 1
    ALTCTL = 2
    POSCTL = 3
    AUTO = 4


class AutoMode(IntEnum):
    READY = 1
    TAKEOFF = 2
    LOITER = 3
    MISSION = 4
    RTL = 5
    LAND = 6


_ENCODING: dict[FlightMode, tuple[int, int]] = {
    FlightMode.MANUAL: (MainMode.MANUAL, 0),
    FlightMode.POSITION: (MainMode.POSCTL, 0),
    FlightMode.HOLD: (MainMode.AUTO, AutoMode.LOITER),
    FlightMode.TAKEOFF: (MainMode.AUTO, AutoMode.TAKEOFF),
    FlightMode.MISSION: (MainMode.AUTO, AutoMode.MISSION),
    FlightMode.RETURN: (MainMode.AUTO, AutoMode.RTL),
    FlightMode.LAND: (MainMode.AUTO, AutoMode.LAND),
}


def custom_mode(mode: FlightMode) -> int:
    """HEARTBEAT.custom_mode for a flight mode."""
    main, sub = _ENCODING[mode]
    return (main << 16) | (sub << 24)


#: HEARTBEAT.base_mode as PX4 sends it (+128 when armed): custom mode, stabilise, and for the
#: auto modes auto and guided, for position control manual input.
BASE_MODE: dict[FlightMode, int] = {
    FlightMode.MANUAL: 1 | 16 | 64,
    FlightMode.POSITION: 1 | 16 | 64,
    **dict.fromkeys(
        (FlightMode.HOLD, FlightMode.TAKEOFF, FlightMode.MISSION),
        1 | 4 | 8 | 16,
    ),
    **dict.fromkeys((FlightMode.RETURN, FlightMode.LAND), 1 | 4 | 8 | 16),
}

#: The names PX4's "Switching to ... is currently not available" refusal uses.
MODE_NAMES: dict[FlightMode, str] = {
    FlightMode.MANUAL: "Manual",
    FlightMode.POSITION: "Position",
    FlightMode.HOLD: "Hold",
    FlightMode.TAKEOFF: "Takeoff",
    FlightMode.MISSION: "Mission",
    FlightMode.RETURN: "Return",
    FlightMode.LAND: "Land",
}
#: PX4 checks a newly uploaded mission or fence before it will fly it: a switch to mission mode
#: this soon after an upload (sim seconds) is acknowledged, then refused.
MISSION_CHECK_S = 2.0
#: Arming in these modes is refused with this text (PX4 sends it in two STATUSTEXT chunks).
NOT_ARMABLE = frozenset({FlightMode.RETURN, FlightMode.LAND})
ARMING_DENIED = "Arming denied: Resolve system health failures first"


def mode_from_px4(main: int, sub: int) -> FlightMode | None:
    """The flight mode PX4 means by (main, sub), or None when the simulator has no such mode."""
    for mode, (m, s) in _ENCODING.items():
        if m == main and (s == sub or (m != MainMode.AUTO and sub == 0)):
            return mode
    return None


def mode_from_custom(custom: int) -> FlightMode | None:
    return mode_from_px4((custom >> 16) & 0xFF, (custom >> 24) & 0xFF)


class ParamType(IntEnum):
    """MAV_PARAM_TYPE values PX4 uses."""

    INT32 = 6
    REAL32 = 9


@dataclass(frozen=True, slots=True)
class ParamSpec:
    default: float
    kind: ParamType


#: The PX4 parameters the simulator keeps (defaults as PX4 ships them, or as a patrol airframe
#: sets them where noted).
PARAMS: dict[str, ParamSpec] = {
    "GF_ACTION": ParamSpec(2, ParamType.INT32),  # 0 none, 1 warn, 2 hold, 3 return, 5 land
    "GF_MAX_HOR_DIST": ParamSpec(0.0, ParamType.REAL32),  # 0: no circle around home
    "GF_MAX_VER_DIST": ParamSpec(0.0, ParamType.REAL32),  # 0: no ceiling
    "NAV_DLL_ACT": ParamSpec(0, ParamType.INT32),  # 0 off, 1 hold, 2 return, 3 land
    "COM_DL_LOSS_T": ParamSpec(10, ParamType.INT32),  # s without a GCS (SITL scales it by speed)
    "COM_LOW_BAT_ACT": ParamSpec(3, ParamType.INT32),  # 0 warn, 2 land, 3 return then land
    "BAT_LOW_THR": ParamSpec(0.15, ParamType.REAL32),
    "BAT_CRIT_THR": ParamSpec(0.07, ParamType.REAL32),
    "BAT_EMERGEN_THR": ParamSpec(0.05, ParamType.REAL32),
    "RTL_RETURN_ALT": ParamSpec(30.0, ParamType.REAL32),
    "RTL_DESCEND_ALT": ParamSpec(10.0, ParamType.REAL32),
    "MIS_TAKEOFF_ALT": ParamSpec(2.5, ParamType.REAL32),
    "MPC_XY_CRUISE": ParamSpec(5.0, ParamType.REAL32),
    "MPC_XY_VEL_MAX": ParamSpec(12.0, ParamType.REAL32),
    "MPC_Z_VEL_MAX_UP": ParamSpec(3.0, ParamType.REAL32),
    "MPC_Z_VEL_MAX_DN": ParamSpec(1.5, ParamType.REAL32),
    "MPC_LAND_SPEED": ParamSpec(0.7, ParamType.REAL32),
    "MPC_ACC_HOR": ParamSpec(3.0, ParamType.REAL32),
    "MPC_YAWRAUTO_MAX": ParamSpec(60.0, ParamType.REAL32),
    "NAV_ACC_RAD": ParamSpec(2.0, ParamType.REAL32),
    "COM_DISARM_LAND": ParamSpec(2.0, ParamType.REAL32),
    "COM_DISARM_PRFLT": ParamSpec(10.0, ParamType.REAL32),  # armed and idle on the ground
    "SYS_AUTOSTART": ParamSpec(10040, ParamType.INT32),  # SIH quadrotor X
    "MAV_SYS_ID": ParamSpec(1, ParamType.INT32),
    "RTL_TYPE": ParamSpec(0, ParamType.INT32),  # 0: straight to the nearest of home and rally
    "COM_DLL_EXCEPT": ParamSpec(0, ParamType.INT32),  # modes exempt from the link-loss failsafe
}

#: Messages per second on the API link (PX4 "onboard" mode) for the streams the simulator sends.
ONBOARD_RATES_HZ: dict[str, float] = {
    "ATTITUDE": 100.0,
    "GLOBAL_POSITION_INT": 50.0,
    "LOCAL_POSITION_NED": 30.0,
    "TIMESYNC": 10.0,
    "VFR_HUD": 10.0,
    "EXTENDED_SYS_STATE": 5.0,
    "GPS_RAW_INT": 5.0,
    "SYS_STATUS": 5.0,
    "HEARTBEAT": 1.0,
    "MISSION_CURRENT": 1.0,
    "HOME_POSITION": 0.5,
    "BATTERY_STATUS": 0.5,
}

#: Messages per second on the ground-station link (PX4 "normal" mode).
NORMAL_RATES_HZ: dict[str, float] = {
    "ATTITUDE": 15.0,
    "GLOBAL_POSITION_INT": 5.0,
    "VFR_HUD": 4.0,
    "LOCAL_POSITION_NED": 1.0,
    "EXTENDED_SYS_STATE": 1.0,
    "GPS_RAW_INT": 1.0,
    "SYS_STATUS": 1.0,
    "HEARTBEAT": 1.0,
    "MISSION_CURRENT": 1.0,
    "HOME_POSITION": 0.5,
    "BATTERY_STATUS": 0.5,
}


# ---- mission items as PX4 keeps them -------------------------------------------------------------

_TO_INT = {0: 5, 3: 6, 10: 11}


def stored(item: WireItem) -> WireItem:
    """An uploaded item as PX4 stores it, so as a download returns it: positions in the `_INT`
    frames; fence items in MAV_FRAME_GLOBAL_INT with only their count or radius; rally points
    with no params; LOITER_TIME's param4 a flag, so NaN comes back 0. Other NaNs are kept."""
    if item.mission_type == 1:
        return replace(item, frame=5, param2=0.0, param3=0.0, param4=0.0, autocontinue=0)
    frame = _TO_INT.get(item.frame, item.frame)
    if item.mission_type == 2:
        return replace(item, frame=frame, param1=0.0, param2=0.0, param3=0.0, param4=0.0)
    if item.command == 19 and math.isnan(item.param4):
        item = replace(item, param4=0.0)
    has_position = item.command in (16, 17, 18, 19, 21, 22, 93)
    return replace(item, frame=frame) if has_position else item


#: DO items PX4 takes in a global frame: those with a position.
_DO_WITH_POSITION = {179, 195, 201}


#: Mission commands PX4 refuses on upload, as the real one does (spline waypoints, DO_REPOSITION,
#: DO_DIGICAM_CONFIGURE, SET_CAMERA_ZOOM).
REFUSED = {82, 192, 202, 531}


def check_item(item: WireItem) -> Result:
    """PX4 takes a DO item only in MAV_FRAME_MISSION, unless the item has a position."""
    if item.mission_type == 0 and item.command in REFUSED:
        return Result.UNSUPPORTED
    do_item = item.command >= 176 and item.command not in _DO_WITH_POSITION
    if item.mission_type == 0 and do_item and item.frame in GLOBAL_FRAMES:
        return Result.UNSUPPORTED
    return Result.ACCEPTED
