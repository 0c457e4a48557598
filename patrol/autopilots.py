"""What differs between PX4 and ArduPilot, in one table per autopilot (not in scattered ifs).

Failsafes are set so that every way of losing control ends in a return: fence breach, lost
ground-station link, critical battery. ArduPilot also needs its fence switched on, and its
telemetry asked for (it streams nothing until then); it keeps mission item 0 as home and
rejects NaN in unused params, where PX4 reads NaN as "keep the current value".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ParamKind(Enum):
    INT = "int"
    FLOAT = "float"


@dataclass(frozen=True, slots=True)
class ParamSetting:
    """A parameter patrol sets before a flight, and why."""

    name: str
    value: float
    kind: ParamKind
    meaning: str


@dataclass(frozen=True, slots=True)
class AutopilotProfile:
    name: str
    mission_item0_is_home: bool
    unused_param: float | None  # what an unused param is sent as (None: NaN)
    failsafes: tuple[ParamSetting, ...]
    return_alt_param: str  # the altitude a return flies home at
    return_alt_per_m: float  # its unit per metre (ArduPilot counts centimetres)
    return_alt_kind: ParamKind
    telemetry: tuple[ParamSetting, ...] = ()

    def return_alt(self, alt_rel_m: float) -> ParamSetting:
        """Return at the patrol's own altitude: checked by the planner against the fence
        ceiling, and the altitude that keeps several vehicles apart on the way home."""
        value = alt_rel_m * self.return_alt_per_m
        if self.return_alt_kind is ParamKind.INT:
            value = float(round(value))
        return ParamSetting(self.return_alt_param, value, self.return_alt_kind, "return altitude")


PX4 = AutopilotProfile(
    name="PX4",
    mission_item0_is_home=False,
    unused_param=None,
    failsafes=(
        ParamSetting("GF_ACTION", 3, ParamKind.INT, "fence breach: return"),
        ParamSetting("NAV_DLL_ACT", 2, ParamKind.INT, "ground-station link lost: return"),
        ParamSetting("COM_DL_LOSS_T", 10, ParamKind.INT, "link-loss timeout, seconds"),
        ParamSetting(
            "COM_LOW_BAT_ACT", 3, ParamKind.INT, "critical battery: return, emergency: land"
        ),
    ),
    return_alt_param="RTL_RETURN_ALT",
    return_alt_per_m=1.0,
    return_alt_kind=ParamKind.FLOAT,
)

ARDUPILOT = AutopilotProfile(
    name="ArduPilot",
    mission_item0_is_home=True,
    unused_param=0.0,
    failsafes=(
        ParamSetting("FENCE_ENABLE", 1, ParamKind.INT, "fence on"),
        ParamSetting("FENCE_ACTION", 1, ParamKind.INT, "fence breach: RTL"),
        ParamSetting("FS_GCS_ENABLE", 1, ParamKind.INT, "ground-station link lost: RTL"),
        ParamSetting("FS_GCS_TIMEOUT", 10, ParamKind.FLOAT, "link-loss timeout, seconds"),
        ParamSetting("BATT_FS_CRT_ACT", 2, ParamKind.INT, "critical battery: RTL"),
    ),
    return_alt_param="RTL_ALT",
    return_alt_per_m=100.0,
    return_alt_kind=ParamKind.INT,
    telemetry=(
        ParamSetting("SR0_EXT_STAT", 2, ParamKind.INT, "status stream, Hz"),
        ParamSetting("SR0_POSITION", 10, ParamKind.INT, "position stream, Hz"),
        ParamSetting("SR0_EXTRA1", 10, ParamKind.INT, "attitude stream, Hz"),
        ParamSetting("SR0_EXTRA3", 2, ParamKind.INT, "battery and home stream, Hz"),
    ),
)
