"""MAVLink telemetry into `Live`: a pure decoder of the messages patrol asks for (sans-IO).

The vehicle link hands each message over as its name and fields (MAVLink's own field names and
units); this module turns them into `Live`'s SI units and patrol's meanings. Modes come from
HEARTBEAT's custom_mode through the autopilot's own table, so ArduPilot's BRAKE or PX4's Ready
are named as the autopilot names them. Mission item numbers are shifted to patrol's numbering
(ArduPilot counts its home as item 0). A position is taken only with a fix: ArduPilot streams
0, 0 until its estimator has an origin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from geofence.frames import GeoPoint
from patrol.autopilots import AutopilotProfile
from patrol.vehicle import AutopilotMessage, Live, Severity

#: Messages kept for the arm refusal's reason and such, on the link's own `Live`.
SAID_KEPT = 50
_MAV_MODE_FLAG_SAFETY_ARMED = 128
_LANDED_STATES_IN_AIR = (2, 3, 4)  # in air, taking off, landing
_MAV_STATE_ACTIVE = 4
_PREARM_CHECK = 0x10000000  # MAV_SYS_STATUS_PREARM_CHECK: the autopilot's arming checks pass


def severity(mav_severity: int) -> Severity:
    if mav_severity <= 2:
        return Severity.CRITICAL
    if mav_severity == 3:
        return Severity.ERROR
    if mav_severity == 4:
        return Severity.WARNING
    return Severity.INFO


def apply(
    live: Live, profile: AutopilotProfile, name: str, f: Mapping[str, Any], now_s: float
) -> None:
    """Fold one message into `live`."""
    handler = _HANDLERS.get(name)
    if handler is not None:
        live.heard_s = now_s
        handler(live, profile, f, now_s)


def _heartbeat(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    live.mode, live.mode_name = profile.mode(int(f["custom_mode"]))
    live.armed = bool(int(f["base_mode"]) & _MAV_MODE_FLAG_SAFETY_ARMED)
    if not live.landed_state_known:
        # no EXTENDED_SYS_STATE (yet): an armed vehicle is taken to be flying
        live.in_air = live.armed and int(f.get("system_status", 0)) == _MAV_STATE_ACTIVE


def _position(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    lat, lon = int(f["lat"]) / 1e7, int(f["lon"]) / 1e7
    if lat == 0 and lon == 0:
        return  # no origin yet
    live.lat_deg, live.lon_deg = lat, lon
    live.alt_amsl_m = int(f["alt"]) / 1000
    live.alt_rel_m = int(f["relative_alt"]) / 1000
    live.vel_n_mps, live.vel_e_mps, live.vel_d_mps = (
        int(f["vx"]) / 100,
        int(f["vy"]) / 100,
        int(f["vz"]) / 100,
    )


def _attitude(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    live.roll_deg = math.degrees(float(f["roll"]))
    live.pitch_deg = math.degrees(float(f["pitch"]))
    live.yaw_deg = math.degrees(float(f["yaw"])) % 360.0


def _gps(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    live.gps_fix_type = int(f["fix_type"])
    satellites = int(f["satellites_visible"])
    live.satellites = 0 if satellites == 255 else satellites
    h_acc_mm = int(f.get("h_acc", 0) or 0)
    live.h_acc_m = h_acc_mm / 1000 if h_acc_mm > 0 else math.nan


def _sys_status(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    if int(f["onboard_control_sensors_present"]) & _PREARM_CHECK:
        live.prearm_ok = bool(int(f["onboard_control_sensors_health"]) & _PREARM_CHECK)
    remaining = int(f["battery_remaining"])
    if remaining >= 0:
        live.battery_pct = float(remaining)
    voltage_mv = int(f["voltage_battery"])
    if 0 < voltage_mv < 65535:
        live.voltage_v = voltage_mv / 1000


def _battery(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    remaining = int(f["battery_remaining"])
    if remaining >= 0 and not math.isfinite(live.battery_pct):
        live.battery_pct = float(remaining)


def _extended(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    state = int(f["landed_state"])
    if state:
        live.landed_state_known = True
        live.in_air = state in _LANDED_STATES_IN_AIR


def _offset(profile: AutopilotProfile) -> int:
    return 1 if profile.mission_item0_is_home else 0


def _current(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    live.mission_current = max(int(f["seq"]) - _offset(profile), 0)
    total = int(f.get("total", 0) or 0)
    if 0 < total < 65535:
        live.mission_total = max(total - _offset(profile), 0)


def _reached(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    item = int(f["seq"]) - _offset(profile)
    if item > live.mission_reached:
        live.mission_reached = item


def _home(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    lat, lon = int(f["latitude"]) / 1e7, int(f["longitude"]) / 1e7
    if lat == 0 and lon == 0:
        return
    live.home = GeoPoint(lat, lon, int(f["altitude"]) / 1000)


def _statustext(live: Live, profile: AutopilotProfile, f: Mapping[str, Any], now_s: float) -> None:
    text = str(f["text"]).rstrip("\x00").strip()
    if text:
        _say(live, now_s, severity(int(f["severity"])), text)


def _say(live: Live, now_s: float, level: Severity, text: str) -> None:
    live.said.append(AutopilotMessage(now_s, level, text))


_HANDLERS = {
    "HEARTBEAT": _heartbeat,
    "GLOBAL_POSITION_INT": _position,
    "ATTITUDE": _attitude,
    "GPS_RAW_INT": _gps,
    "SYS_STATUS": _sys_status,
    "BATTERY_STATUS": _battery,
    "EXTENDED_SYS_STATE": _extended,
    "MISSION_CURRENT": _current,
    "MISSION_ITEM_REACHED": _reached,
    "HOME_POSITION": _home,
    "STATUSTEXT": _statustext,
}
#: Every message the decoder reads (what the link subscribes to).
MESSAGES = tuple(_HANDLERS)
