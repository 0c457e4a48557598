"""What makes the simulator look like ArduCopter on the wire instead of PX4.

ArduCopter numbers its modes plainly in HEARTBEAT.custom_mode (AUTO 3, GUIDED 4, LOITER 5, RTL 6,
LAND 9, ...). It keeps mission item 0 as home, sends no telemetry until asked (stream groups
with REQUEST_DATA_STREAM or the SRn_* parameters, or SET_MESSAGE_INTERVAL), rejects return and
take-off items whose params are NaN, and names its parameters differently, in its own units
(centimetres, volts). The autopilot keeps one set of meanings; `PARAMS` maps ArduPilot's names
onto them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

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

#: ArduPilot sends MAV_PARAM_TYPE as the parameter's storage type but the value C-cast to float.
INT8, INT16, INT32, REAL32 = 2, 4, 6, 9

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

PARAMS: dict[str, Alias] = {
    "FENCE_ENABLE": Alias("FENCE_ENABLE", INT8, _same, _same),
    "FENCE_ACTION": Alias("GF_ACTION", INT8, *_FENCE_ACTION),
    "FENCE_ALT_MAX": Alias("GF_MAX_VER_DIST", REAL32, _same, _same),
    "FS_GCS_ENABLE": Alias("NAV_DLL_ACT", INT8, *_FS_GCS),
    "FS_GCS_TIMEOUT": Alias("COM_DL_LOSS_T", REAL32, _same, _same),
    "BATT_FS_CRT_ACT": Alias("COM_LOW_BAT_ACT", INT8, *_BATT_ACT),
    "BATT_LOW_VOLT": Alias("BAT_LOW_THR", REAL32, _volts_to_fraction, _fraction_to_volts),
    "BATT_CRT_VOLT": Alias("BAT_CRIT_THR", REAL32, _volts_to_fraction, _fraction_to_volts),
    "RTL_ALT": Alias("RTL_RETURN_ALT", INT32, lambda cm: cm / 100, lambda m: m * 100),
    "WPNAV_SPEED": Alias("MPC_XY_CRUISE", REAL32, lambda cm: cm / 100, lambda m: m * 100),
    "WPNAV_RADIUS": Alias("NAV_ACC_RAD", REAL32, lambda cm: cm / 100, lambda m: m * 100),
    "PILOT_TKOFF_ALT": Alias("MIS_TAKEOFF_ALT", REAL32, lambda cm: cm / 100, lambda m: m * 100),
    "DISARM_DELAY": Alias("COM_DISARM_LAND", INT8, _same, _same),
    "SYSID_THISMAV": Alias("MAV_SYS_ID", INT16, _same, _same),
}

#: MAV_DATA_STREAM groups (REQUEST_DATA_STREAM, SRn_* parameters) and what each carries.
STREAM_GROUPS: dict[int, tuple[str, ...]] = {
    2: ("SYS_STATUS", "GPS_RAW_INT", "MISSION_CURRENT"),  # EXTENDED_STATUS
    6: ("GLOBAL_POSITION_INT", "LOCAL_POSITION_NED"),  # POSITION
    10: ("ATTITUDE",),  # EXTRA1
    11: ("VFR_HUD",),  # EXTRA2
    12: ("BATTERY_STATUS", "EXTENDED_SYS_STATE", "HOME_POSITION"),  # EXTRA3
}
ALL_STREAMS = 0
#: SRn_* parameter per stream group (one set, for every link, as SITL's SR0_*).
STREAM_PARAMS = {
    "SR0_EXTRA1": 10,
    "SR0_EXTRA2": 11,
    "SR0_EXTRA3": 12,
    "SR0_POSITION": 6,
    "SR0_EXT_STAT": 2,
}

#: MAV_PROTOCOL_CAPABILITY: as PX4's set, but parameters C-cast instead of bytewise.
CAPABILITIES = 1 | 4 | 8 | 8192 | 16384 | 32768 | 131072
MAV_AUTOPILOT_ARDUPILOTMEGA = 3
