"""What makes the simulator look like ArduCopter on the wire instead of PX4.

Each rule here was measured on the real ArduCopter SITL (ArduPilot master of 2026-03, V4.8.0-dev,
`../shared/ardupilot/`), and `tests/sim/test_real_agree.py` checks them against it:

- modes are plain numbers in HEARTBEAT.custom_mode (STABILIZE 0 at boot, AUTO 3, GUIDED 4, ...);
  arming is refused in AUTO, RTL, LAND and BRAKE with "Arm: ... mode not armable";
- parameters have today's names (`RTL_ALT_M` in metres, `WP_SPD`, `MAV_GCS_SYSID`, the `MAVn_*`
  stream rates), each reported with its storage type and the value as a plain float;
- nothing but HEARTBEAT is streamed until asked: the `MAVn_*` rates are read at boot only, and at
  run time a client asks with REQUEST_DATA_STREAM or SET_MESSAGE_INTERVAL;
- mission item 0 is home, and items come back as ArduPilot stores them (`stored`): non-INT frames,
  a DO item's frame 0, unused params 0, LOITER_TIME's param3 a direction (+1 or -1).
The autopilot keeps one set of meanings; `PARAMS` maps ArduPilot's names onto them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum

from sim.mission_transfer import Result, WireItem
from sim.px4 import FlightMode


class CopterMode(IntEnum):
    STABILIZE = 0
    ALT_HOLD = 2
    AUTO = 3
    GUIDED = 4
    LOITER = 5
    RTL = 6
    LAND = 9
    POSHOLD = 16
    BRAKE = 17


#: The mode each flight mode is reported as when no client chose a copter mode for it.
ENCODE: dict[FlightMode, CopterMode] = {
    FlightMode.MANUAL: CopterMode.STABILIZE,
    FlightMode.POSITION: CopterMode.POSHOLD,
    FlightMode.HOLD: CopterMode.GUIDED,
    FlightMode.TAKEOFF: CopterMode.GUIDED,
    FlightMode.MISSION: CopterMode.AUTO,
    FlightMode.RETURN: CopterMode.RTL,
    FlightMode.LAND: CopterMode.LAND,
}
DECODE: dict[int, FlightMode] = {
    CopterMode.STABILIZE: FlightMode.MANUAL,
    CopterMode.ALT_HOLD: FlightMode.MANUAL,
    CopterMode.POSHOLD: FlightMode.POSITION,
    CopterMode.GUIDED: FlightMode.HOLD,
    CopterMode.LOITER: FlightMode.HOLD,
    CopterMode.BRAKE: FlightMode.HOLD,
    CopterMode.AUTO: FlightMode.MISSION,
    CopterMode.RTL: FlightMode.RETURN,
    CopterMode.LAND: FlightMode.LAND,
}
#: Modes ArduCopter will not arm in (COMMAND_ACK MAV_RESULT_FAILED and this STATUSTEXT).
NOT_ARMABLE: dict[int, str] = {
    CopterMode.AUTO: "Arm: Auto mode not armable",
    CopterMode.RTL: "Arm: RTL mode not armable",
    CopterMode.LAND: "Arm: Land mode not armable",
    CopterMode.BRAKE: "Arm: Brake mode not armable",
}
#: AUTO with no mission says this instead.
AUTO_WITHOUT_MISSION = "Arm: Mode requires mission"
#: HEARTBEAT.base_mode: custom mode, stabilise, guided, manual input (+128 when armed).
BASE_MODE = 1 | 8 | 16 | 64

#: MAV_PARAM_TYPE: ArduPilot reports each parameter's storage type, the value a plain float.
INT8, INT16, INT32, REAL32 = 2, 4, 6, 9
#: PARAM_VALUE.param_index in the echo of a PARAM_SET, as ArduPilot sends it.
SET_ECHO_INDEX = 65535

_CELLS = 4


def _volts_to_fraction(volts: float) -> float:
    return (volts / _CELLS - 3.5) / 0.7


def _fraction_to_volts(fraction: float) -> float:
    return _CELLS * (3.5 + 0.7 * fraction)


@dataclass(frozen=True, slots=True)
class Alias:
    """An ArduPilot parameter stored as one of the autopilot's own (PX4-named) ones."""

    internal: str
    kind: int
    to_internal: Callable[[float], float]
    to_wire: Callable[[float], float]


def _same(v: float) -> float:
    return v


def _table(pairs: dict[float, float]) -> tuple[Callable[[float], float], Callable[[float], float]]:
    back = {b: a for a, b in pairs.items()}
    return (lambda v: pairs.get(round(v), 0.0)), (lambda v: back.get(round(v), 0.0))


_FENCE_ACTION = _table({0: 1, 1: 3, 2: 5, 4: 2})  # report, RTL, land, brake -> GF_ACTION
_FS_GCS = _table({0: 0, 1: 2, 5: 3})  # disabled, RTL, land -> NAV_DLL_ACT
_BATT_ACT = _table({0: 0, 1: 2, 2: 3})  # none, land, RTL -> COM_LOW_BAT_ACT


def _alias(internal: str, kind: int = REAL32) -> Alias:
    return Alias(internal, kind, _same, _same)


#: ArduPilot's names (as the real one lists them), storage types and units.
PARAMS: dict[str, Alias] = {
    "FENCE_ENABLE": _alias("FENCE_ENABLE", INT8),
    "FENCE_TYPE": _alias("FENCE_TYPE", INT8),  # 1 max altitude, 2 circle, 4 polygons, 8 min alt
    "FENCE_ACTION": Alias("GF_ACTION", INT8, *_FENCE_ACTION),
    "FENCE_ALT_MAX": _alias("GF_MAX_VER_DIST"),
    "FENCE_RADIUS": _alias("GF_MAX_HOR_DIST"),
    "FENCE_MARGIN": _alias("FENCE_MARGIN"),
    "FENCE_OPTIONS": _alias("FENCE_OPTIONS", INT16),  # bit 1: inside any inclusion area
    "FS_GCS_ENABLE": Alias("NAV_DLL_ACT", INT8, *_FS_GCS),
    "FS_GCS_TIMEOUT": _alias("COM_DL_LOSS_T"),
    "BATT_FS_LOW_ACT": _alias("BATT_FS_LOW_ACT", INT8),
    "BATT_FS_CRT_ACT": Alias("COM_LOW_BAT_ACT", INT8, *_BATT_ACT),
    "BATT_LOW_VOLT": Alias("BAT_LOW_THR", REAL32, _volts_to_fraction, _fraction_to_volts),
    "BATT_CRT_VOLT": Alias("BAT_CRIT_THR", REAL32, _volts_to_fraction, _fraction_to_volts),
    "RTL_ALT_M": _alias("RTL_RETURN_ALT"),
    "WP_SPD": _alias("MPC_XY_CRUISE"),
    "WP_SPD_UP": _alias("MPC_Z_VEL_MAX_UP"),
    "WP_SPD_DN": _alias("MPC_Z_VEL_MAX_DN"),
    "WP_RADIUS_M": _alias("NAV_ACC_RAD"),
    "LAND_SPD_MS": _alias("MPC_LAND_SPEED"),
    "DISARM_DELAY": _alias("COM_DISARM_PRFLT", INT8),
    "MAV_SYSID": _alias("MAV_SYS_ID", INT16),
    "MAV_GCS_SYSID": _alias("MAV_GCS_SYSID", INT16),
    "RALLY_LIMIT_KM": _alias("RALLY_LIMIT_KM"),
    "FS_OPTIONS": _alias("FS_OPTIONS", INT32),
    "BATT_CRT_MAH": _alias("BATT_CRT_MAH"),
    "RALLY_INCL_HOME": _alias("RALLY_INCL_HOME", INT8),
}

#: The autopilot's parameters as the real ArduCopter's defaults (and copter.parm) set them.
DEFAULTS: dict[str, float] = {
    "FENCE_ENABLE": 0.0,
    "FENCE_TYPE": 7.0,
    "GF_ACTION": 3.0,  # FENCE_ACTION 1: RTL
    "GF_MAX_VER_DIST": 100.0,
    "GF_MAX_HOR_DIST": 150.0,  # FENCE_RADIUS from copter.parm
    "FENCE_MARGIN": 2.0,
    "FENCE_OPTIONS": 0.0,  # inside every inclusion area at once
    "NAV_DLL_ACT": 0.0,
    "COM_DL_LOSS_T": 5.0,
    "BATT_FS_LOW_ACT": 0.0,
    "COM_LOW_BAT_ACT": 0.0,
    "RTL_RETURN_ALT": 15.0,
    "MPC_XY_CRUISE": 10.0,
    "MPC_Z_VEL_MAX_UP": 2.5,
    "MPC_Z_VEL_MAX_DN": 1.5,
    "NAV_ACC_RAD": 2.0,
    "MPC_LAND_SPEED": 0.5,
    "COM_DISARM_PRFLT": 10.0,
    "MAV_GCS_SYSID": 255.0,
    "RALLY_LIMIT_KM": 0.3,
    "FS_OPTIONS": 16.0,
    "BATT_CRT_MAH": 0.0,  # continue in pilot-flown modes on a GCS failsafe
    "RALLY_INCL_HOME": 1.0,
}

#: FENCE_TYPE bits.
FENCE_ALT_MAX, FENCE_CIRCLE, FENCE_POLYGON = 1, 2, 4
#: FENCE_OPTIONS bit: several inclusion areas allow what is inside any one of them.
FENCE_INCLUSION_UNION = 2

#: MAV_DATA_STREAM groups (REQUEST_DATA_STREAM, MAVn_* parameters) and what each carries of the
#: messages the simulator has (the real groups carry more: MEMINFO, AHRS, WIND, ...). HOME_POSITION
#: and EXTENDED_SYS_STATE are in no group.
STREAM_GROUPS: dict[int, tuple[str, ...]] = {
    2: ("SYS_STATUS", "GPS_RAW_INT", "MISSION_CURRENT"),  # EXTENDED_STATUS
    6: ("GLOBAL_POSITION_INT",),  # POSITION
    10: ("ATTITUDE",),  # EXTRA1
    11: ("VFR_HUD",),  # EXTRA2
    12: ("BATTERY_STATUS",),  # EXTRA3
}
ALL_STREAMS = 0
#: The MAVn_* stream-rate parameter suffixes and their groups (n = 1 for the first link).
STREAM_SUFFIXES: dict[str, int] = {
    "EXT_STAT": 2,
    "POSITION": 6,
    "EXTRA1": 10,
    "EXTRA2": 11,
    "EXTRA3": 12,
}


def stream_param(link_number: int, suffix: str) -> str:
    return f"MAV{link_number}_{suffix}"


#: MAV_PROTOCOL_CAPABILITY: of the real one's bits (64495), those the simulator honours.
CAPABILITIES = 1 | 2 | 4 | 8 | 8192 | 16384 | 32768
MAV_AUTOPILOT_ARDUPILOTMEGA = 3
#: AUTOPILOT_VERSION.flight_sw_version: 4.8.0, dev.
FLIGHT_SW_VERSION = (4 << 24) | (8 << 16)

# ---- mission items as ArduPilot keeps them -------------------------------------------------------

#: Commands whose param4 may be NaN (ArduPilot's sanity check); any other NaN param is refused.
_NAN_P4_OK = {16, 21, 22, 84, 85}
_INT_TO_PLAIN = {5: 0, 6: 3, 11: 10}
_DO_FRAME = 0


#: Mission commands ArduCopter refuses on upload, as the real one does (DO_REPOSITION,
#: DO_MOUNT_CONFIGURE, DO_SET_CAM_TRIGG_INTERVAL, SET_CAMERA_MODE).
REFUSED = {192, 204, 214, 530}


def check_item(item: WireItem) -> Result:
    """ArduPilot refuses NaN in any param but param4 of waypoint, land and take-off items."""
    if item.mission_type != 0:
        return Result.ACCEPTED
    params = (item.param1, item.param2, item.param3, item.param4)
    for k, value in enumerate(params):
        if math.isnan(value) and not (k == 3 and item.command in _NAN_P4_OK):
            return Result(Result.INVALID_PARAM1 + k)
    if item.command in REFUSED:  # after the NaN check, as the real one answers
        return Result.UNSUPPORTED
    return Result.ACCEPTED


def stored(item: WireItem) -> WireItem:
    """An uploaded item as ArduPilot stores it, so as a download returns it."""
    if item.mission_type == 1:  # fence: global frame, only the count or radius kept
        return replace(
            item, frame=0, param2=0.0, param3=0.0, param4=0.0, z=0.0, autocontinue=0, current=0
        )
    if item.mission_type == 2:  # rally: position and frame kept
        return replace(
            item, param1=0.0, param2=0.0, param3=0.0, param4=0.0, autocontinue=0, current=0
        )
    frame = _INT_TO_PLAIN.get(item.frame, item.frame)
    p1, p2, p3, p4 = (_zero_nan(p) for p in (item.param1, item.param2, item.param3, item.param4))
    command = item.command
    if command == 16:  # waypoint: only the hold time is kept
        p2 = p3 = p4 = 0.0
    elif command == 19:  # loiter time: param3 is the direction, param4 the cross-track flag
        p2, p3, p4 = 0.0, (-1.0 if p3 < 0 else 1.0), (1.0 if p4 > 0 else 0.0)
    elif command == 17:  # loiter unlimited: param3 the signed radius
        p1 = p2 = p4 = 0.0
    elif command == 22:  # take-off: altitude only
        p1 = p2 = p3 = p4 = 0.0
    elif command == 21:  # land: as the real one hands it back
        p1, p2, p3, p4 = 0.0, 0.0, 0.0, 1.0
    elif command == 20:  # return: nothing but the command
        frame, p1, p2, p3, p4 = _DO_FRAME, 0.0, 0.0, 0.0, 0.0
    elif command == 178:  # change speed: type, speed, throttle kept
        frame, p4 = _DO_FRAME, 0.0
    elif command >= 176:  # DO items: frame 0
        frame = _DO_FRAME
    return replace(
        item, frame=frame, param1=p1, param2=p2, param3=p3, param4=p4, current=0, autocontinue=1
    )


def current_flag(mission_type: int, seq: int, current_seq: int) -> int:
    """MISSION_ITEM_INT.current: ArduPilot leaves it 0 on every item it hands back."""
    return 0


def _zero_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def home_item(lat_deg: float, lon_deg: float, alt_amsl_m: float) -> WireItem:
    """Mission item 0: home, as ArduPilot hands it back."""
    x, y = round(lat_deg * 1e7), round(lon_deg * 1e7)
    return WireItem(0, 0, 16, 0, 1, 0.0, 0.0, 0.0, 0.0, x, y, alt_amsl_m, 0)


def mission_text(seq: int, command: int) -> str | None:
    """What ArduCopter says when a mission item starts."""
    name = {16: "WP", 19: "LoitTime", 17: "LoitUnlim", 20: "RTL", 21: "Land", 22: "Takeoff"}.get(
        command
    )
    return f"Mission: {seq} {name}" if name else None
