"""The one module that imports mavsdk: a `Vehicle` over MAVSDK v4 (the native binding).

What it takes from MAVSDK: the link (heartbeats, the connection), the mission protocol for
mission, fence and rally points, parameters, and commands with their acknowledgements. What it
does itself, because the real autopilots need it: telemetry is asked for message by message at
run time and decoded by `patrol.telemetry` (modes by each autopilot's own numbers); mode
changes are confirmed from the mode the vehicle then reports, and sent again while the
autopilot is not yet ready for them; before arming the vehicle is put in a mode it can be armed
in (ArduPilot stays in RTL or AUTO after a landing and refuses to arm there).

Every wait is bounded and cancellable: transfers and commands go through MAVSDK's callback
calls, so a Ctrl-C leaves no thread inside MAVSDK (a transfer is cancelled on the vehicle's
side too); parameter calls, which MAVSDK offers only blocking, run in worker threads that
MAVSDK's own timeout ends. MAVSDK's errors are translated into patrol's here and nowhere else,
and so are its log lines (`mavsdk_log`), which MAVSDK would otherwise print itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import anyio
from mavsdk import Autopilot as MavsdkAutopilot
from mavsdk import (
    ComponentType,
    Configuration,
    LogLevel,
    MavsdkError,
    log_subscribe,
    log_unsubscribe,
)
from mavsdk.asyncio import Mavsdk
from mavsdk.plugins.mavlink_direct import MavlinkDirect, MavlinkDirectResult, MavlinkMessage
from mavsdk.plugins.mission_raw import MissionItem, MissionRaw, MissionRawResult
from mavsdk.plugins.param import Param, ParamResult

from geofence.frames import LatLon
from geofence.mavlink import MavItem
from patrol import telemetry
from patrol.autopilots import (
    ARDUPILOT,
    HOME_POSITION_ID,
    PX4,
    TELEMETRY,
    AutopilotProfile,
    ParamKind,
)
from patrol.errors import (
    CommandRejectedError,
    LinkError,
    OptionError,
    TransferError,
    VehicleTimeoutError,
)
from patrol.library_log import Level, LibraryLine, Source
from patrol.transfers import refusal
from patrol.vehicle import FlightMode, ItemKind, Live, Status

logger = logging.getLogger(__name__)

URL_SCHEMES = ("udpin://", "udpout://", "udp://", "tcpin://", "tcpout://", "tcp://", "serial://")
TRANSFER_BASE_S = 5.0
TRANSFER_PER_ITEM_S = 0.25
TRANSFER_ATTEMPTS = 3
COMMAND_TIMEOUT_S = 10.0
PARAM_TIMEOUT_S = 10.0
#: How long a commanded mode may take to show in the vehicle's heartbeat (at most two
#: heartbeats) before it is sent again, and how long the autopilot may stay not ready for it
#: (PX4 refuses a mission start for a few seconds after a new mission is uploaded, after first
#: accepting it).
MODE_CONFIRM_S = 2.0
MODE_READY_S = 20.0
ARM_READY_S = 30.0  # how long the autopilot's own arming checks may take to pass
ARM_RETRY_S = 1.0
#: How long a refused transfer waits for the autopilot's words on it (ArduPilot sends its
#: STATUSTEXT just after the MISSION_ACK).
REFUSAL_WORDS_S = 0.3
_MISSION_TYPE = {ItemKind.MISSION: 0, ItemKind.FENCE: 1, ItemKind.RALLY: 2}
_MAV_RESULT = {
    0: "accepted",
    1: "temporarily rejected",
    2: "denied",
    3: "unsupported",
    4: "failed",
    5: "in progress",
    6: "cancelled",
}
_CMD_ARM, _CMD_SET_MODE, _CMD_MISSION_START = 400, 176, 300
_CMD_SET_MESSAGE_INTERVAL, _CMD_REQUEST_MESSAGE = 511, 512


_LOG_LEVEL = {
    LogLevel.DEBUG: Level.DEBUG,
    LogLevel.INFO: Level.INFO,
    LogLevel.WARN: Level.WARNING,
    LogLevel.ERROR: Level.ERROR,
}


@contextmanager
def mavsdk_log(take: Callable[[LibraryLine], None]) -> Iterator[None]:
    """MAVSDK's log lines handed to `take` (on MAVSDK's threads) instead of printed by MAVSDK
    (in colour, with a 12-hour clock), until the end of the block. The callback is MAVSDK's
    one for the whole process, so lines are not told apart by vehicle."""

    def line(level: LogLevel, message: str, _file: str | None, _line: int) -> bool:
        take(LibraryLine(Source.MAVSDK, _LOG_LEVEL.get(level, Level.INFO), message))
        return True  # MAVSDK prints nothing itself

    log_subscribe(line)
    try:
        yield
    finally:
        log_unsubscribe()


URL_EXAMPLES = (
    "use e.g. udpin://0.0.0.0:14540, tcpout://192.168.1.10:5760 or serial:///dev/ttyUSB0:57600"
)


def check_url(url: str) -> None:
    """A connection URL MAVSDK can open, or a one-line error (exit 2) saying what is wrong
    with it and what one looks like: the scheme, the host (an IPv4 address must be one), the
    port (1 to 65535), a serial device that exists and its baud rate."""
    if not url.startswith(URL_SCHEMES):
        raise OptionError(
            f"--vehicle {url!r} is not a URL patrol can open; {URL_EXAMPLES}", option="--vehicle"
        )
    scheme, rest = url.split("://", 1)
    if scheme == "serial":
        _check_serial(url, rest)
        return
    if rest.startswith("["):
        _bad_url(url, "MAVSDK takes IPv4 addresses only (127.0.0.1, or 0.0.0.0 for any)")
    host, colon, port = rest.rpartition(":")
    if not colon:
        _bad_url(url, "it gives no port: add one, e.g. :14540")
    if not port.isdigit() or not 0 < int(port) < 65536:
        _bad_url(url, f"{port!r} is not a port (1 to 65535)")
    if not host:
        _bad_url(url, "it names no address (0.0.0.0 listens on every one)")
    if all(c.isdigit() or c == "." for c in host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            _bad_url(url, f"{host!r} is not an IPv4 address")
    elif scheme == "udpin":
        _bad_url(
            url,
            f"udpin listens on an address of this machine, given as numbers, not {host!r}: "
            "0.0.0.0 for any, 127.0.0.1 for this machine alone",
        )


def _check_serial(url: str, rest: str) -> None:
    device, _, baud = rest.partition(":")
    if baud and not (baud.isdigit() and int(baud) > 0):
        _bad_url(url, f"{baud!r} is not a baud rate (the radio's, e.g. 57600)")
    if not Path(device).exists():
        _bad_url(
            url, f"no device {device}: is the radio plugged in (ls /dev/ttyUSB* /dev/ttyACM*)?"
        )


def _bad_url(url: str, what: str) -> NoReturn:
    raise OptionError(f"--vehicle {url!r}: {what}; {URL_EXAMPLES}", option="--vehicle")


_NO_BIND = (
    "the port is taken (another ground station?), or the address is not one of this "
    "machine's: free the port, or listen on udpin://0.0.0.0:PORT"
)
#: Why MAVSDK could not open a connection, and what to do (all the pilot's to mend: exit 2).
_OPEN_FAILED = {
    "CONNECTION_URL_INVALID": "MAVSDK cannot read this URL",
    "SOCKET_ERROR": _NO_BIND,
    "BIND_ERROR": _NO_BIND,
    "SOCKET_CONNECTION_ERROR": "nothing accepts connections there: check the address and port",
    "CONNECTION_ERROR": "the device cannot be opened (busy, or no permission: add the user to "
    "the dialout group)",
    "BAUDRATE_UNKNOWN": "the baud rate is not one the serial port takes",
    "DESTINATION_IP_UNKNOWN": "the address cannot be resolved",
}


def _open_failed(url: str, exc: MavsdkError) -> OptionError:
    result = str(exc).rsplit(":", 1)[-1].strip()
    why = _OPEN_FAILED.get(result, f"MAVSDK says {result.lower().replace('_', ' ')}")
    return OptionError(f"--vehicle {url!r}: cannot open it: {why}", option="--vehicle")


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


async def _called_back(
    start: Callable[[Callable[..., None]], None], cancel: Callable[[], None]
) -> Any:
    """Start one of MAVSDK's callback calls and await its callback's arguments; cancelling the
    await cancels the call on MAVSDK's side too."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def settle(args: tuple[Any, ...]) -> None:
        if not done.done():
            done.set_result(args)

    def callback(*args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, args)

    start(callback)
    try:
        return await done
    except BaseException:
        cancel()
        raise


class MavsdkVehicle:
    """A vehicle reached through MAVSDK (use `connect`)."""

    def __init__(self, url: str, system: Any, profile: AutopilotProfile, sysid: int) -> None:
        self.url = url
        self.profile = profile
        self.sysid = sysid
        self.live = Live()  # the link's own view, kept current from connect to close
        self._sinks: list[Live] = [self.live]
        self._target = int(system._system.get_system_id())
        self._mission = MissionRaw(system._system)
        self._params = Param(system._system)
        self._direct = MavlinkDirect(system._system)
        self._subscriptions: list[Any] = []
        self._heartbeat = anyio.Event()  # set at each heartbeat, then replaced
        self._beats = 0  # heartbeats heard

    async def wait_until(self, ready: Callable[[], bool]) -> None:
        """Wait until `ready()` holds, looking again at each heartbeat."""
        while not ready():
            await self._heartbeat.wait()

    # -- telemetry -------------------------------------------------------------------------

    def _start_telemetry(self) -> None:
        loop = asyncio.get_running_loop()

        def folded(message: MavlinkMessage) -> None:
            if message.system_id != self._target:
                return
            try:
                fields = json.loads(message.fields_json)
            except ValueError:
                return
            now_s = time.monotonic()
            for live in self._sinks:
                telemetry.apply(live, self.profile, message.message_name, fields, now_s)
            del self.live.said[: -telemetry.SAID_KEPT]
            if message.message_name == "HEARTBEAT":
                self._beats += 1
                self._heartbeat.set()
                self._heartbeat = anyio.Event()

        def on_message(message: MavlinkMessage, _user: Any) -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(folded, message)

        for name in telemetry.MESSAGES:
            self._subscriptions.append(self._direct.subscribe_message(name, on_message))

    def _stop_telemetry(self) -> None:
        for handle in self._subscriptions:
            self._direct.unsubscribe_message(handle)
        self._subscriptions.clear()

    async def request_telemetry(self) -> None:
        """Ask for every message patrol reads at its rate, and for the home position (in no
        stream). Run-time requests are what both autopilots honour; ArduPilot reads its
        stream-rate parameters only at boot."""
        for wanted in TELEMETRY:
            interval_us = 1e6 / wanted.rate_hz
            try:
                await self._command(
                    f"asking for {wanted.name}",
                    _CMD_SET_MESSAGE_INTERVAL,
                    (wanted.msg_id, interval_us),
                )
            except CommandRejectedError as exc:
                # PX4 sends MISSION_CURRENT on its own and refuses an interval for it
                logger.info("%s", exc)
        await self._command(
            "asking for the home position", _CMD_REQUEST_MESSAGE, (HOME_POSITION_ID,)
        )

    async def watch(self, live: Live) -> None:
        """Keep `live` current until cancelled."""
        self._copy(live)
        self._sinks.append(live)
        try:
            await anyio.sleep_forever()
        finally:
            self._sinks.remove(live)

    def _copy(self, live: Live) -> None:
        for name in Live.__dataclass_fields__:
            if name != "said":
                setattr(live, name, getattr(self.live, name))

    async def status(self) -> Status:
        live = self.live
        if live.home is None:
            with contextlib.suppress(CommandRejectedError, VehicleTimeoutError):
                await self._command(
                    "asking for the home position", _CMD_REQUEST_MESSAGE, (HOME_POSITION_ID,)
                )
        return Status(
            gps_fix_3d=live.gps_fix_type >= 3,
            satellites=live.satellites,
            home=live.home,
            battery_pct=live.battery_pct,
            armed=live.armed,
            in_air=live.in_air,
            position=LatLon(live.lat_deg, live.lon_deg) if live.has_position else None,
        )

    # -- commands --------------------------------------------------------------------------

    async def _command(self, what: str, command: int, params: tuple[float, ...] = ()) -> None:
        """Send COMMAND_LONG and wait for its final acknowledgement; a refusal raises with the
        autopilot's own words when it said any."""
        padded = (*params, *(0.0,) * (7 - len(params)))
        fields: dict[str, float] = {
            "target_system": self._target,
            "target_component": 1,
            "command": command,
            "confirmation": 0,
        }
        fields |= {f"param{k + 1}": v for k, v in enumerate(padded)}
        message = MavlinkMessage(
            "COMMAND_LONG", 0, 0, self._target, 1, json.dumps(fields, allow_nan=False)
        )
        said_before = len(self.live.said)
        try:
            with anyio.fail_after(COMMAND_TIMEOUT_S):
                result, ack, _user = await _called_back(
                    lambda cb: self._direct.send_command_async(message, cb), lambda: None
                )
        except TimeoutError as exc:
            raise VehicleTimeoutError(what, COMMAND_TIMEOUT_S) from exc
        if result != MavlinkDirectResult.SUCCESS:
            raise VehicleTimeoutError(what, COMMAND_TIMEOUT_S)
        code = int(json.loads(ack.fields_json).get("result", 4))
        if code != 0:
            said = [m.text for m in self.live.said[said_before:]]
            words = _MAV_RESULT.get(code, f"result {code}")
            raise CommandRejectedError(what, words + (f" ({'; '.join(said)})" if said else ""))

    def _shown_or_passed(self, wanted: tuple[FlightMode, str], beats: int) -> bool:
        return (self.live.mode, self.live.mode_name) == wanted or self._beats >= beats

    async def _set_mode(self, what: str, mode: FlightMode) -> None:
        """Command `mode` and wait until the vehicle reports it, sending it again while the
        autopilot accepts it without taking it (not ready yet) or refuses it for now."""
        custom = self.profile.commanded[mode]
        wanted = self.profile.mode(custom)
        deadline = time.monotonic() + MODE_READY_S
        last = ""
        while True:
            if mode is FlightMode.MISSION and self.profile.mission_start_command:
                send = self._command(what, _CMD_MISSION_START, (0.0, 0.0))
            else:
                send = self._command(what, _CMD_SET_MODE, self.profile.set_mode_params(custom))
            try:
                await send
            except CommandRejectedError as exc:
                last = exc.result
            # two heartbeats on (the first may have left before the change), then again
            with anyio.move_on_after(MODE_CONFIRM_S):
                await self.wait_until(partial(self._shown_or_passed, wanted, self._beats + 2))
            if (self.live.mode, self.live.mode_name) == wanted:
                return
            if time.monotonic() >= deadline:
                said = "; ".join(m.text for m in self.live.said[-3:])
                raise CommandRejectedError(
                    what,
                    f"it stayed in {self.live.mode_name or 'an unknown mode'}"
                    + (f" ({last})" if last else "")
                    + (f"; it said: {said}" if said else ""),
                )

    async def arm(self) -> None:
        armable = self.profile.mode(self.profile.commanded[FlightMode.READY])
        if (self.live.mode, self.live.mode_name) != armable:
            await self._set_mode(f"switching to {armable[1]} to arm", FlightMode.READY)
        # the autopilot may have its fix and home and still be settling its estimator (PX4
        # does not say so in SYS_STATUS, and refuses for now): try again until it is ready
        deadline = time.monotonic() + ARM_READY_S
        with anyio.move_on_after(ARM_READY_S):
            await self.wait_until(lambda: self.live.prearm_ok is not False)
        while True:
            try:
                await self._command("arm", _CMD_ARM, (1.0,))
                return
            except CommandRejectedError:
                if time.monotonic() >= deadline:
                    raise
            await anyio.sleep(ARM_RETRY_S)

    async def disarm(self) -> None:
        """On the ground only: the autopilot refuses to disarm a flying vehicle."""
        await self._command("disarm", _CMD_ARM, (0.0,))

    async def start_mission(self) -> None:
        await self._set_mode("mission start", FlightMode.MISSION)

    async def hold(self) -> None:
        await self._set_mode("hold", FlightMode.HOLD)

    async def land(self) -> None:
        await self._set_mode("land", FlightMode.LAND)

    async def return_to_launch(self) -> None:
        await self._set_mode("return to launch", FlightMode.RETURN)

    # -- mission protocol ------------------------------------------------------------------

    def _home_item(self) -> MavItem:
        h = self.live.home
        lat, lon, alt = (h.lat_deg, h.lon_deg, h.alt_amsl_m) if h else (0.0, 0.0, 0.0)
        return MavItem(16, 0, 0.0, 0.0, 0.0, 0.0, lat, lon, alt)

    async def _transfer(
        self,
        what: str,
        kind: ItemKind,
        count: int,
        start: Callable[[Callable[..., None]], None],
        cancel: Callable[[], None],
    ) -> tuple[Any, ...]:
        """Run one of MAVSDK's transfers, again on a timeout; a refusal is a `TransferError` of
        one line naming the counts and what the autopilot said (`patrol.transfers`)."""
        timeout_s = TRANSFER_BASE_S + TRANSFER_PER_ITEM_S * count
        began_s = time.monotonic()
        for attempt in range(1, TRANSFER_ATTEMPTS + 1):
            try:
                with anyio.fail_after(timeout_s):
                    answer: tuple[Any, ...] = await _called_back(start, cancel)
            except TimeoutError:
                answer = (MissionRawResult.TIMEOUT,)
            except MavsdkError as exc:  # its text lists every item's repr: never shown
                result = getattr(exc, "result", None)
                if not isinstance(result, MissionRawResult):
                    raise TransferError(what, _result(exc)) from exc
                answer = (result,)
            result = MissionRawResult(answer[0])
            if result is MissionRawResult.SUCCESS:
                return answer
            if result is not MissionRawResult.TIMEOUT or attempt == TRANSFER_ATTEMPTS:
                raise TransferError(what, await self._refusal(kind, count, result, began_s))
            logger.warning("%s timed out (attempt %d), retrying", what, attempt)
            timeout_s *= 2
        raise AssertionError("unreachable")

    async def _refusal(
        self, kind: ItemKind, count: int, result: MissionRawResult, began_s: float
    ) -> str:
        """Why a transfer failed, with what the autopilot said about it (ArduPilot says it
        just after its MISSION_ACK: a moment is given for that)."""
        if not any(m.t_s >= began_s for m in self.live.said):
            await anyio.sleep(REFUSAL_WORDS_S)
        return refusal(
            kind,
            count,
            no_space=result is MissionRawResult.TOO_MANY_MISSION_ITEMS,
            result=result.name.lower().replace("_", " "),
            said=[m.text for m in self.live.said if m.t_s >= began_s],
            store=self.profile.fence_store,
        )

    async def upload(self, kind: ItemKind, items: tuple[MavItem, ...]) -> None:
        if kind is ItemKind.MISSION and self.profile.mission_item0_is_home:
            items = (self._home_item(), *items)
        raw = [_to_mavsdk(it, k, kind, self.profile.unused_param) for k, it in enumerate(items)]
        start = {
            ItemKind.MISSION: self._mission.upload_mission_async,
            ItemKind.FENCE: self._mission.upload_geofence_async,
            ItemKind.RALLY: self._mission.upload_rally_points_async,
        }[kind]
        await self._transfer(
            f"{kind.value} upload",
            kind,
            len(raw),
            lambda cb: start(raw, cb),
            self._mission.cancel_mission_upload,
        )
        if kind is ItemKind.MISSION:
            for live in self._sinks:
                live.mission_reached = -1
                live.mission_total = len(raw) - (1 if self.profile.mission_item0_is_home else 0)

    async def download(self, kind: ItemKind) -> tuple[MavItem, ...]:
        start = {
            ItemKind.MISSION: self._mission.download_mission_async,
            ItemKind.FENCE: self._mission.download_geofence_async,
            ItemKind.RALLY: self._mission.download_rallypoints_async,
        }[kind]
        answer = await self._transfer(
            f"{kind.value} download", kind, 50, start, self._mission.cancel_mission_download
        )
        raw = answer[1] if len(answer) > 2 else []
        items = tuple(_from_mavsdk(it) for it in (raw or []))
        if kind is ItemKind.MISSION and self.profile.mission_item0_is_home:
            items = items[1:]
        return items

    # -- parameters ------------------------------------------------------------------------

    async def _param_call(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            with anyio.fail_after(PARAM_TIMEOUT_S):
                return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        except TimeoutError as exc:
            raise VehicleTimeoutError(what, PARAM_TIMEOUT_S) from exc

    async def get_param(self, name: str) -> float | None:
        """By either type: ArduPilot answers every parameter as a float on the wire, so
        MAVSDK may take an integer parameter for a float one."""
        last: MavsdkError | None = None
        getters: list[Callable[[str], Any]] = [
            self._params.get_param_int,
            self._params.get_param_float,
        ]
        for getter in getters:
            try:
                value = await self._param_call(f"reading {name}", partial(getter, name))
                return float(value)
            except MavsdkError as exc:
                result = getattr(exc, "result", None)
                if result == ParamResult.DOES_NOT_EXIST:
                    return None
                if result == ParamResult.TIMEOUT:
                    raise VehicleTimeoutError(f"reading {name}", PARAM_TIMEOUT_S) from exc
                last = exc
        raise CommandRejectedError(f"reading {name}", _result(last))

    async def set_param(self, name: str, value: float, kind: ParamKind) -> None:
        """As `kind`, else as the other type (see `get_param`)."""
        setters: list[Callable[[], Any]] = [
            lambda: self._params.set_param_int(name, int(value)),
            lambda: self._params.set_param_float(name, float(value)),
        ]
        if kind is ParamKind.FLOAT:
            setters.reverse()
        last: MavsdkError | None = None
        for setter in setters:
            try:
                await self._param_call(f"setting {name}", setter)
                return
            except MavsdkError as exc:
                result = getattr(exc, "result", None)
                if result == ParamResult.TIMEOUT:
                    raise VehicleTimeoutError(f"setting {name}", PARAM_TIMEOUT_S) from exc
                if result != ParamResult.WRONG_TYPE:
                    raise CommandRejectedError(f"setting {name}", _result(exc)) from exc
                last = exc
        raise CommandRejectedError(f"setting {name}", _result(last))

    def close(self) -> None:
        self._stop_telemetry()


def _result(exc: MavsdkError | None) -> str:
    """MAVSDK's result code in words (never the call's arguments: a failed upload's text
    would list every item's repr)."""
    result = getattr(exc, "result", None)
    if result is None:
        return exc.__class__.__name__ if exc is not None else "no answer"
    name = getattr(result, "name", None)
    return str(name).lower().replace("_", " ") if name else str(result)


@asynccontextmanager
async def connect(url: str, *, timeout_s: float = 10.0) -> AsyncIterator[MavsdkVehicle]:
    """Open `url`, wait for an autopilot's heartbeat, ask for its telemetry, and yield it as a
    `Vehicle`."""
    check_url(url)
    config = Configuration.create_with_component_type(ComponentType.GROUND_STATION)
    sysid = int(config.system_id)
    async with Mavsdk(config) as mavsdk:
        try:
            await mavsdk.add_any_connection(url)
        except MavsdkError as exc:
            raise _open_failed(url, exc) from exc
        system = await mavsdk.first_autopilot(timeout_s=timeout_s)
        if system is None:
            raise LinkError(
                f"no autopilot heard on {url} within {timeout_s:g} s: is the vehicle "
                "on, and is this the port it sends to?",
                url=url,
            )
        kind = await system.autopilot_type()
        profile = ARDUPILOT if kind == MavsdkAutopilot.ARDUPILOT else PX4
        vehicle = MavsdkVehicle(url, system, profile, sysid)
        vehicle._start_telemetry()
        try:
            await vehicle.request_telemetry()
            # armed and mode come from the heartbeat: none decoded yet would read as disarmed
            try:
                with anyio.fail_after(timeout_s):
                    await vehicle.wait_until(lambda: vehicle._beats > 0)
            except TimeoutError as exc:
                raise LinkError(
                    f"the autopilot on {url} went silent after its first heartbeat", url=url
                ) from exc
            yield vehicle
        finally:
            vehicle.close()
