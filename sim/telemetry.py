"""Telemetry: each message the simulated vehicle streams, built from its autopilot's state.

`BUILDERS` maps a message name to the function that packs it for a link; `MSG_NAMES` maps
MAVLink message ids back to names (for SET_MESSAGE_INTERVAL and REQUEST_MESSAGE). Positions are
converted to WGS84 once per sim step and shared by every message of that step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from pymavlink.dialects.v20 import common as mavlink

from sim import ardupilot as ardupilot_tables
from sim.autopilot import LandedState
from sim.px4 import BASE_MODE, FlightMode, custom_mode

if TYPE_CHECKING:
    from sim.protocol import Link, VehicleProtocol

MAV_TYPE_QUADROTOR = 2
MAV_AUTOPILOT_PX4 = 12
#: SYS_STATUS sensor bits: gyro, accel, mag, baro, GPS, rate/attitude/yaw/z/xy control, motors,
#: AHRS, battery, pre-arm check.
_SENSORS = 1 | 2 | 4 | 8 | 32 | 1024 | 2048 | 4096 | 8192 | 16384 | 32768 | 0x200000 | 0x2000000
_PREARM = 0x10000000
_GPS_BIT = 32
_GEOFENCE = 0x100000


def _boot_ms(v: VehicleProtocol) -> int:
    return int(v.ap.time_s * 1000) & 0xFFFFFFFF


def _latlon_alt(v: VehicleProtocol) -> tuple[int, int, float]:
    """The reported position as MAVLink integers, converted once per sim step (every position
    message of a step shares it; the conversion is the costly part of a message)."""
    cached = v.fix_cache
    if cached is not None and cached[0] == v.ap.time_s:
        return cached[1]
    e, n, up = v.ap.reported_position()
    where = v.ap.frame.enu2geodetic(e, n)
    fix = (round(where.lat_deg * 1e7), round(where.lon_deg * 1e7), v.ap.home.alt_amsl_m + up)
    v.fix_cache = (v.ap.time_s, fix)
    return fix


def _heartbeat(v: VehicleProtocol, link: Link) -> bytes:
    ap = v.ap
    ardupilot = ap.ardupilot
    base = ardupilot_tables.BASE_MODE if ardupilot else BASE_MODE[ap.mode]
    if ap.armed:
        base |= 128
    status = 4 if ap.armed else 3
    return v._pack(
        link,
        "HEARTBEAT",
        type=MAV_TYPE_QUADROTOR,
        autopilot=ardupilot_tables.MAV_AUTOPILOT_ARDUPILOTMEGA if ardupilot else MAV_AUTOPILOT_PX4,
        base_mode=base,
        custom_mode=ap.wire_copter_mode if ardupilot else custom_mode(ap.mode),
        system_status=status,
        mavlink_version=3,
    )


def _sys_status(v: VehicleProtocol, link: Link) -> bytes:
    ap = v.ap
    health = _SENSORS if ap.gps_ok else _SENSORS & ~_GPS_BIT
    if ap._prearm_failure() is None:
        health |= _PREARM
    # the fence: present once uploaded, enabled while enforced, healthy unless breached
    fence_present = _GEOFENCE if ap.fence is not None else 0
    fence_enabled = _GEOFENCE if ap.fence_active else 0
    if not ap.failsafes.fence:
        health |= _GEOFENCE
    bat = ap.battery
    return v._pack(
        link,
        "SYS_STATUS",
        onboard_control_sensors_present=_SENSORS | _PREARM | fence_present,
        onboard_control_sensors_enabled=_SENSORS | _PREARM | fence_enabled,
        onboard_control_sensors_health=health,
        load=300,
        voltage_battery=int(bat.voltage_v * 1000),
        current_battery=int(bat.current_a * 100),
        battery_remaining=int(bat.remaining * 100),
        drop_rate_comm=0,
        errors_comm=0,
        errors_count1=0,
        errors_count2=0,
        errors_count3=0,
        errors_count4=0,
    )


def _battery_status(v: VehicleProtocol, link: Link) -> bytes:
    bat = v.ap.battery
    cell_mv = int(bat.voltage_v / bat.cells * 1000)
    used = bat.capacity_wh - bat.energy_wh
    return v._pack(
        link,
        "BATTERY_STATUS",
        id=0,
        battery_function=0,
        type=3,
        temperature=32767,
        voltages=[cell_mv] * bat.cells + [65535] * (10 - bat.cells),
        current_battery=int(bat.current_a * 100),
        current_consumed=int(used / (bat.cells * 3.7) * 1000),
        energy_consumed=int(used * 36),
        battery_remaining=int(bat.remaining * 100),
    )


def _gps_raw_int(v: VehicleProtocol, link: Link) -> bytes:
    ap = v.ap
    lat, lon, alt = _latlon_alt(v)
    b = ap.body
    cog = int((math.degrees(math.atan2(b.vel_e_mps, b.vel_n_mps)) % 360) * 100)
    return v._pack(
        link,
        "GPS_RAW_INT",
        time_usec=int(ap.time_s * 1e6),
        fix_type=3 if ap.gps_ok else 0,
        lat=lat if ap.gps_ok else 0,
        lon=lon if ap.gps_ok else 0,
        alt=int(alt * 1000),
        eph=80,
        epv=120,
        vel=int(b.ground_speed_mps * 100),
        cog=cog,
        satellites_visible=12 if ap.gps_ok else 0,
    )


def _global_position_int(v: VehicleProtocol, link: Link) -> bytes:
    ap = v.ap
    b = ap.body
    lat, lon, alt = _latlon_alt(v)
    return v._pack(
        link,
        "GLOBAL_POSITION_INT",
        time_boot_ms=_boot_ms(v),
        lat=lat,
        lon=lon,
        alt=int(alt * 1000),
        relative_alt=int(b.up_m * 1000),
        vx=int(b.vel_n_mps * 100),
        vy=int(b.vel_e_mps * 100),
        vz=int(-b.vel_u_mps * 100),
        hdg=int(math.degrees(b.yaw_rad) % 360 * 100),
    )


def _local_position_ned(v: VehicleProtocol, link: Link) -> bytes:
    b = v.ap.body
    e, n, up = v.ap.reported_position()
    return v._pack(
        link,
        "LOCAL_POSITION_NED",
        time_boot_ms=_boot_ms(v),
        x=n,
        y=e,
        z=-up,
        vx=b.vel_n_mps,
        vy=b.vel_e_mps,
        vz=-b.vel_u_mps,
    )


def _attitude(v: VehicleProtocol, link: Link) -> bytes:
    b = v.ap.body
    yaw = (b.yaw_rad + math.pi) % (2 * math.pi) - math.pi
    return v._pack(
        link,
        "ATTITUDE",
        time_boot_ms=_boot_ms(v),
        roll=b.roll_rad,
        pitch=b.pitch_rad,
        yaw=yaw,
        rollspeed=0.0,
        pitchspeed=0.0,
        yawspeed=0.0,
    )


def home_position(v: VehicleProtocol, link: Link) -> bytes:
    """HOME_POSITION; ArduPilot leaves its attitude quaternion NaN."""
    h = v.ap.home
    nan = float("nan")
    return v._pack(
        link,
        "HOME_POSITION",
        latitude=round(h.lat_deg * 1e7),
        longitude=round(h.lon_deg * 1e7),
        altitude=int(h.alt_amsl_m * 1000),
        x=0.0,
        y=0.0,
        z=0.0,
        q=[nan] * 4 if v.ap.ardupilot else [1.0, 0.0, 0.0, 0.0],
        approach_x=0.0,
        approach_y=0.0,
        approach_z=0.0,
        time_usec=int(v.ap.time_s * 1e6),
    )


def _extended_sys_state(v: VehicleProtocol, link: Link) -> bytes:
    landed = v.ap.landed_state if v.ap.armed else LandedState.ON_GROUND
    return v._pack(link, "EXTENDED_SYS_STATE", vtol_state=0, landed_state=int(landed))


def _vfr_hud(v: VehicleProtocol, link: Link) -> bytes:
    b = v.ap.body
    _lat, _lon, alt = _latlon_alt(v)
    throttle = 50 if v.ap.armed and not b.on_ground else 0
    return v._pack(
        link,
        "VFR_HUD",
        airspeed=b.ground_speed_mps,
        groundspeed=b.ground_speed_mps,
        heading=int(math.degrees(b.yaw_rad) % 360),
        throttle=throttle,
        alt=alt,
        climb=b.vel_u_mps,
    )


def mission_current(v: VehicleProtocol, link: Link) -> bytes:
    """MISSION_CURRENT as each autopilot fills it: ArduPilot counts items without home (0 when
    there are none) and says 0 for "not in a mission mode"; PX4 counts them all (65535 when
    there are none) and says 2 ("suspended")."""
    ap = v.ap
    count = len(v.store.items[0])
    in_mission = ap.mode is FlightMode.MISSION
    if ap.ardupilot:
        total, mode = max(count - 1, 0), int(in_mission)
    else:
        total, mode = (count if count else 0xFFFF), (1 if in_mission else 2)
    return v._pack(
        link,
        "MISSION_CURRENT",
        seq=v.store.current_seq,
        total=total,
        mission_state=int(ap.mission_state),
        mission_mode=mode,
    )


def _timesync(v: VehicleProtocol, link: Link) -> bytes:
    return v._pack(link, "TIMESYNC", tc1=0, ts1=int(v.ap.time_s * 1e9))


BUILDERS: dict[str, Callable[[VehicleProtocol, Link], bytes]] = {
    "HEARTBEAT": _heartbeat,
    "SYS_STATUS": _sys_status,
    "BATTERY_STATUS": _battery_status,
    "GPS_RAW_INT": _gps_raw_int,
    "GLOBAL_POSITION_INT": _global_position_int,
    "LOCAL_POSITION_NED": _local_position_ned,
    "ATTITUDE": _attitude,
    "HOME_POSITION": home_position,
    "EXTENDED_SYS_STATE": _extended_sys_state,
    "VFR_HUD": _vfr_hud,
    "MISSION_CURRENT": mission_current,
    "TIMESYNC": _timesync,
}
MSG_NAMES: dict[int, str] = {getattr(mavlink, f"MAVLINK_MSG_ID_{name}"): name for name in BUILDERS}
