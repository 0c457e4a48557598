"""The one module that imports mavsdk: a `Vehicle` over MAVSDK v4 (the native binding).

Every wait is bounded and turns into a typed error. Uploads and downloads retry with a timeout
that grows with the number of items and doubles on each retry, so a slow serial radio gets
there. MAVSDK's errors are translated into patrol's here and nowhere else.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import anyio
from mavsdk import Autopilot as MavsdkAutopilot
from mavsdk import ComponentType, Configuration, MavsdkError
from mavsdk.asyncio import Mavsdk
from mavsdk.asyncio.plugins.action.action import ActionAsync
from mavsdk.asyncio.plugins.mission_raw.mission_raw import MissionRawAsync
from mavsdk.asyncio.plugins.param.param import ParamAsync
from mavsdk.asyncio.plugins.telemetry.telemetry import TelemetryAsync
from mavsdk.plugins.mission_raw import MissionItem

from geofence.errors import PatrolError
from geofence.frames import GeoPoint
from geofence.mavlink import MavItem
from patrol.autopilots import ARDUPILOT, PX4, AutopilotProfile, ParamKind, ParamSetting
from patrol.errors import CommandRejectedError, LinkError, TransferError, VehicleTimeoutError
from patrol.vehicle import FlightMode, ItemKind, Live, Status

logger = logging.getLogger(__name__)
T = TypeVar("T")

URL_SCHEMES = ("udpin://", "udpout://", "udp://", "tcpin://", "tcpout://", "tcp://", "serial://")
TRANSFER_BASE_S = 5.0
TRANSFER_PER_ITEM_S = 0.25
TRANSFER_ATTEMPTS = 3
STATUS_TIMEOUT_S = 10.0
#: MAVSDK's names for the modes it reports, as patrol's.
_MODES = {
    "READY": FlightMode.READY,
    "TAKEOFF": FlightMode.TAKEOFF,
    "MISSION": FlightMode.MISSION,
    "HOLD": FlightMode.HOLD,
    "RETURN_TO_LAUNCH": FlightMode.RETURN,
    "LAND": FlightMode.LAND,
    "OFFBOARD": FlightMode.GUIDED,
    "MANUAL": FlightMode.MANUAL,
    "ALTCTL": FlightMode.MANUAL,
    "POSCTL": FlightMode.MANUAL,
    "STABILIZED": FlightMode.MANUAL,
    "ACRO": FlightMode.MANUAL,
}
_MISSION_TYPE = {ItemKind.MISSION: 0, ItemKind.FENCE: 1, ItemKind.RALLY: 2}


def check_url(url: str) -> None:
    """A connection URL MAVSDK understands, or a one-line error saying what one looks like."""
    if not url.startswith(URL_SCHEMES):
        raise PatrolError(
            f"--vehicle {url!r} is not a URL patrol can open; use e.g. "
            "udpin://0.0.0.0:14540, tcpout://192.168.1.10:5760 or "
            "serial:///dev/ttyUSB0:57600"
        )


def _to_mavsdk(item: MavItem, seq: int, kind: ItemKind, unused: float | None) -> MissionItem:
    def p(v: float | None) -> float:
        return (math.nan if unused is None else unused) if v is None else v

    return MissionItem(
        seq,
        item.frame,
        item.command,
        1 if seq == 0 else 0,
        1 if item.autocontinue else 0,
        p(item.param1),
        p(item.param2),
        p(item.param3),
        p(item.param4),
        round(item.x_lat_deg * 1e7),
        round(item.y_lon_deg * 1e7),
        item.z_alt_m,
        _MISSION_TYPE[kind],
    )


def _from_mavsdk(item: Any) -> MavItem:
    def p(v: float) -> float | None:
        return None if math.isnan(v) else float(v)

    return MavItem(
        int(item.command),
        int(item.frame),
        p(item.param1),
        p(item.param2),
        p(item.param3),
        p(item.param4),
        item.x / 1e7,
        item.y / 1e7,
        float(item.z),
        bool(item.autocontinue),
    )


class MavsdkVehicle:
    """A vehicle reached through MAVSDK (use `connect`)."""

    def __init__(self, url: str, system: Any, profile: AutopilotProfile) -> None:
        self.url = url
        self.profile = profile
        self._mission = MissionRawAsync(system)
        self._telemetry = TelemetryAsync(system)
        self._params = ParamAsync(system)
        self._action = ActionAsync(system)
        self._home: GeoPoint | None = None

    async def _bounded(self, what: str, timeout_s: float, call: Callable[[], Awaitable[T]]) -> T:
        try:
            with anyio.fail_after(timeout_s):
                return await call()
        except TimeoutError as exc:
            raise VehicleTimeoutError(what, timeout_s) from exc

    async def _retrying(self, what: str, count: int, call: Callable[[], Awaitable[T]]) -> T:
        timeout_s = TRANSFER_BASE_S + TRANSFER_PER_ITEM_S * count
        for attempt in range(1, TRANSFER_ATTEMPTS + 1):
            try:
                return await self._bounded(what, timeout_s, call)
            except (VehicleTimeoutError, MavsdkError) as exc:
                timed_out = (
                    isinstance(exc, VehicleTimeoutError)
                    or "TIMEOUT" in str(getattr(exc, "result", "")).upper()
                )
                if not timed_out or attempt == TRANSFER_ATTEMPTS:
                    raise
                logger.warning(
                    "%s timed out (attempt %d), retrying with %.0f s", what, attempt, timeout_s * 2
                )
                timeout_s *= 2
        raise AssertionError("unreachable")

    async def _first(self, what: str, subscribe: Callable[[], AsyncIterator[T]]) -> T:
        """The next value a telemetry subscription delivers (the plain getters return defaults
        until the first message has arrived)."""

        async def first() -> T:
            async for value in subscribe():
                return value
            raise VehicleTimeoutError(what, 0.0)

        return await self._bounded(what, STATUS_TIMEOUT_S, first)

    async def status(self) -> Status:
        t = self._telemetry
        gps = await self._first("GPS status", t.subscribe_gps_info)
        battery = await self._first("battery", t.subscribe_battery)
        armed = await self._first("armed state", t.subscribe_armed)
        in_air = await self._first("in-air state", t.subscribe_in_air)
        home = await self._first("home position", t.subscribe_home)
        where = None
        if math.isfinite(home.latitude_deg) and math.isfinite(home.longitude_deg):
            where = GeoPoint(home.latitude_deg, home.longitude_deg, home.absolute_altitude_m)
        self._home = where
        return Status(
            gps_fix_3d=int(gps.fix_type) >= 3,
            satellites=int(gps.num_satellites),
            home=where,
            battery_pct=float(battery.remaining_percent),
            armed=bool(armed),
            in_air=bool(in_air),
        )

    def _home_item(self) -> MavItem:
        h = self._home or GeoPoint(0.0, 0.0, 0.0)
        return MavItem(16, 0, 0.0, 0.0, 0.0, 0.0, h.lat_deg, h.lon_deg, h.alt_amsl_m)

    async def upload(self, kind: ItemKind, items: tuple[MavItem, ...]) -> None:
        if kind is ItemKind.MISSION and self.profile.mission_item0_is_home:
            items = (self._home_item(), *items)
        raw = [_to_mavsdk(it, k, kind, self.profile.unused_param) for k, it in enumerate(items)]
        call = {
            ItemKind.MISSION: self._mission.upload_mission,
            ItemKind.FENCE: self._mission.upload_geofence,
            ItemKind.RALLY: self._mission.upload_rally_points,
        }[kind]
        try:
            await self._retrying(f"{kind.value} upload", len(raw), lambda: call(raw))
        except MavsdkError as exc:
            raise TransferError(kind.value, _result(exc)) from exc

    async def download(self, kind: ItemKind) -> tuple[MavItem, ...]:
        call = {
            ItemKind.MISSION: self._mission.download_mission,
            ItemKind.FENCE: self._mission.download_geofence,
            ItemKind.RALLY: self._mission.download_rallypoints,
        }[kind]
        try:
            raw = await self._retrying(f"{kind.value} download", 50, call)
        except MavsdkError as exc:
            raise TransferError(kind.value, _result(exc)) from exc
        items = tuple(_from_mavsdk(it) for it in raw)
        if kind is ItemKind.MISSION and self.profile.mission_item0_is_home:
            items = items[1:]
        return items

    async def set_param(self, setting: ParamSetting) -> None:
        call: Callable[[], Awaitable[Any]]
        if setting.kind is ParamKind.INT:
            call = partial(self._params.set_param_int, setting.name, int(setting.value))
        else:
            call = partial(self._params.set_param_float, setting.name, float(setting.value))
        try:
            await self._bounded(f"setting {setting.name}", 10.0, call)
        except MavsdkError as exc:
            raise CommandRejectedError(f"setting {setting.name}", _result(exc)) from exc

    async def get_param(self, name: str, kind: ParamKind) -> float:
        getter = (
            self._params.get_param_int if kind is ParamKind.INT else self._params.get_param_float
        )
        try:
            return float(await self._bounded(f"reading {name}", 10.0, lambda: getter(name)))
        except MavsdkError as exc:
            raise CommandRejectedError(f"reading {name}", _result(exc)) from exc

    async def watch(self, live: Live) -> None:
        """Keep `live` current from MAVSDK's subscriptions until cancelled."""

        def heard() -> None:
            live.heard_s = time.monotonic()

        async def position() -> None:
            async for p in self._telemetry.subscribe_position():
                live.lat_deg, live.lon_deg = p.latitude_deg, p.longitude_deg
                live.alt_rel_m, live.alt_amsl_m = p.relative_altitude_m, p.absolute_altitude_m
                heard()

        async def velocity() -> None:
            async for v in self._telemetry.subscribe_velocity_ned():
                live.vel_n_mps, live.vel_e_mps, live.vel_d_mps = v.north_m_s, v.east_m_s, v.down_m_s

        async def attitude() -> None:
            async for a in self._telemetry.subscribe_attitude_euler():
                live.roll_deg, live.pitch_deg, live.yaw_deg = a.roll_deg, a.pitch_deg, a.yaw_deg

        async def battery() -> None:
            async for b in self._telemetry.subscribe_battery():
                live.battery_pct, live.voltage_v = b.remaining_percent, b.voltage_v

        async def mode() -> None:
            async for m in self._telemetry.subscribe_flight_mode():
                live.mode = _MODES.get(m.name, FlightMode.UNKNOWN)
                live.mode_name = m.name.lower()

        async def armed() -> None:
            async for a in self._telemetry.subscribe_armed():
                live.armed = bool(a)

        async def in_air() -> None:
            async for a in self._telemetry.subscribe_in_air():
                live.in_air = bool(a)

        async def progress() -> None:
            async for m in self._mission.subscribe_mission_progress():
                live.mission_current, live.mission_total = int(m.current), int(m.total)

        async with anyio.create_task_group() as tg:
            for watcher in (position, velocity, attitude, battery, mode, armed, in_air, progress):
                tg.start_soon(watcher)

    async def _act(self, what: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            await self._bounded(what, 10.0, call)
        except MavsdkError as exc:
            raise CommandRejectedError(what, _result(exc)) from exc

    async def arm(self) -> None:
        await self._act("arm", self._action.arm)

    async def start_mission(self) -> None:
        await self._act("mission start", self._mission.start_mission)

    async def hold(self) -> None:
        await self._act("hold", self._action.hold)

    async def land(self) -> None:
        await self._act("land", self._action.land)

    async def return_to_launch(self) -> None:
        try:
            await self._bounded("return to launch", 10.0, self._action.return_to_launch)
        except MavsdkError as exc:
            raise CommandRejectedError("return to launch", _result(exc)) from exc


def _result(exc: MavsdkError) -> str:
    result = getattr(exc, "result", None)
    text = getattr(result, "result_str", None) or str(getattr(result, "result", "") or exc)
    return text or exc.__class__.__name__


@asynccontextmanager
async def connect(url: str, *, timeout_s: float = 10.0) -> AsyncIterator[MavsdkVehicle]:
    """Open `url`, wait for an autopilot's heartbeat, and yield it as a `Vehicle`."""
    check_url(url)
    config = Configuration.create_with_component_type(ComponentType.GROUND_STATION)
    async with Mavsdk(config) as mavsdk:
        try:
            await mavsdk.add_any_connection(url)
        except MavsdkError as exc:
            raise LinkError(f"cannot open {url}: {exc}", url=url) from exc
        system = await mavsdk.first_autopilot(timeout_s=timeout_s)
        if system is None:
            raise LinkError(
                f"no autopilot heard on {url} within {timeout_s:g} s: is the vehicle "
                "on, and is this the port it sends to?",
                url=url,
            )
        kind = await system.autopilot_type()
        profile = ARDUPILOT if kind == MavsdkAutopilot.ARDUPILOT else PX4
        vehicle = MavsdkVehicle(url, system, profile)
        for setting in profile.telemetry:  # ArduPilot says nothing until asked
            await vehicle.set_param(setting)
        yield vehicle
