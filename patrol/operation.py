"""One flight operation, in uvicorn's shape: start-up, the main loop, shutdown.

Start-up: the flight logs and the sender, the start-up checks (each vehicle's video gives a
frame and its detector runs on it; the station knows the token as a vehicle's), a connection
to every vehicle (through the `Connect` the caller passes), preflight of them all and the
launch pads' separation, then the terminal. Nothing is armed until all of it has passed, and
a refusal names what to mend. The main loop flies every vehicle (`patrol.flight`) beside the
sender, the traffic monitor, the pilot's keys (r and l confirmed by a second press) and signal
capture (`patrol.interrupts`: on a terminal Ctrl-C asks whether to return or leave the vehicles
on their missions; a return is watched to the landing, until a further Ctrl-C; SIGTERM returns
and stops at once). Shutdown marks the flights landed, gives the
sender a bounded wait for what is queued and then cancels it (the rest stays queued in the
logs), and closes the logs. Several vehicles are watched for separation: each pair that comes
closer than the spec's separation is logged and shown.
"""

from __future__ import annotations

import itertools
import math
import signal
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.live import Live as LiveDisplay
from rich.markup import escape

from geofence.areas import Shape
from geofence.frames import LatLon, LocalFrame
from missions.camera import Camera
from missions.energy import VehicleModel
from missions.mission import Mission
from missions.qgc import plan_document
from patrol import __version__
from patrol.dashboard import Dashboard
from patrol.errors import PreflightError, RefusedError
from patrol.flight import FlightOutcome, Watch, fly
from patrol.flightlog import FlightLog, new_flight_id
from patrol.interrupts import Asking, next_stop, watches_the_return
from patrol.keys import COMMAND_KEYS, CONFIRM_S, Confirming, Keys, terminal_keys
from patrol.pilot import Pilot, PilotCommand
from patrol.preflight import CheckResult, preflight
from patrol.station.outbox import Counts, logs_with_pending
from patrol.station.records import mission_geometry
from patrol.station.sender import Sender, StationLink, check_vehicle_token
from patrol.traffic import Traffic
from patrol.vehicle import Connect, FlyingVehicle, Live, Status, Vehicle
from patrol.vision.pipeline import VisionRun
from patrol.vision.probe import probe
from patrol.words import plural


@dataclass(frozen=True, slots=True)
class Assignment:
    """What one vehicle flies in this operation, and the figures to watch it by."""

    url: str
    mission: Mission
    needed_pct: float | None
    model: VehicleModel
    margin_m: float
    meta: dict[str, Any] = field(default_factory=dict)  # more for the flight log's meta
    label: str = ""
    camera: Camera = field(default_factory=Camera)
    zones: tuple[Shape, ...] = ()  # the named zones patrolled, for naming where a hit is
    name: str = ""  # the pilot's name for the vehicle (--name), in the log and at the station

    @property
    def who(self) -> str:
        """The vehicle as messages name it: its number in a fleet and its name."""
        return " ".join(part for part in (self.label, self.name) if part)

    def headline(self) -> str:
        """What this vehicle is about to fly, said before anything is armed."""
        sortie, sorties = self.meta.get("sortie", 1), self.meta.get("sorties", 1)
        items = len(self.mission.items)
        text = f"{self.mission.name}, sortie {sortie} of {sorties}, {plural(items, 'item')}"
        if "sector" in self.meta and int(str(self.meta.get("sectors", 1))) > 1:
            text += f", sector {int(str(self.meta['sector'])) + 1} of {self.meta['sectors']}"
        if "resumed_from" in self.meta:
            text += f"; resumed from flight {self.meta['resumed_from']}"
            if "resumed_at_item" in self.meta:
                text += f" at its item {self.meta['resumed_at_item']}"
        return f"{self.who or 'vehicle'} on {self.url}: {text}"


@dataclass(frozen=True, slots=True)
class Flown:
    assignment: Assignment
    flight_id: str
    log_path: Path
    outcome: FlightOutcome | None  # None: interrupted before it ended


@dataclass(frozen=True, slots=True)
class Result:
    flights: tuple[Flown, ...]
    interrupted: bool
    closest_m: float  # the closest two airborne vehicles came (inf with one vehicle)
    station: Counts | None = None  # hits delivered and still queued, when forwarding


@dataclass(frozen=True, slots=True)
class Settings:
    """How an operation reaches its vehicles, where it logs, and what it runs beside them."""

    connect: Connect
    data_dir: Path
    terminal_fd: int | None = None  # a terminal: the dashboard, the keys, the Ctrl-C question
    timeout_s: float = 10.0  # for each vehicle's heartbeat
    separation_m: float = 0.0
    vision: Callable[[int, Assignment], VisionRun] | None = None
    station: StationLink | None = None
    station_wait_s: float = 10.0  # shutdown's wait for the hits still queued


async def operate(
    assignments: Sequence[Assignment],
    *,
    connect: Connect,
    data_dir: Path,
    console: Console,
    terminal_fd: int | None,
    timeout_s: float = 10.0,
    separation_m: float = 0.0,
    vision: Callable[[int, Assignment], VisionRun] | None = None,
    station: StationLink | None = None,
    station_wait_s: float = 10.0,
) -> Result:
    """Fly every assignment to its landing (see the module's docstring). With a station,
    hits are forwarded as they are confirmed; after landing the sender waits up to
    `station_wait_s` for what is still queued (the rest stays queued in the logs)."""
    settings = Settings(
        connect, data_dir, terminal_fd, timeout_s, separation_m, vision, station, station_wait_s
    )
    return await Operation(assignments, settings, console).run()


class Operation:
    """The state of one operation across its start-up, main loop and shutdown."""

    def __init__(
        self, assignments: Sequence[Assignment], settings: Settings, console: Console
    ) -> None:
        self.assignments = tuple(assignments)
        self.settings = settings
        self.console = console
        self.flight_ids = [new_flight_id() for _ in assignments]
        self.logs = [_open_log(a, flight_id, settings.data_dir) for a, flight_id in self.flights]
        self.dashboard = Dashboard()
        self.pilots = [Pilot() for _ in assignments]
        self.lives = [Live() for _ in assignments]
        self.runs: list[VisionRun | None] = [None] * len(assignments)
        self.outcomes: list[FlightOutcome | None] = [None] * len(assignments)
        self.scopes = [anyio.CancelScope() for _ in assignments]  # one per flight
        self.done: set[int] = set()  # flights over: landed, or stopped before take-off
        self.interrupted = False
        self.traffic = Traffic(
            assignments[0].mission.home.latlon,
            self.lives,
            [a.mission.cruise_alt_rel_m for a in assignments],
            [a.label for a in assignments],
            self.logs,
            self.pilots,
            settings.separation_m,
            self.say,
        )
        self.sender = Sender(settings.station, self.say) if settings.station else None
        self.flying_logs: list[FlightLog] = []  # queued as flying at the station
        self.keys: Keys | None = None
        self.asking: Asking | None = None

    @property
    def flights(self) -> list[tuple[Assignment, str]]:
        return list(zip(self.assignments, self.flight_ids, strict=True))

    def say(self, text: str) -> None:
        """A line for the pilot: plain text (a `[patrol] autopilot` in it is not markup)."""
        line = f"[{time.strftime('%H:%M:%S')}] {escape(text)}"
        self.console.print(line, highlight=False, soft_wrap=True)

    async def run(self) -> Result:
        """Start-up, main loop, shutdown; the logs are closed whatever happens."""
        try:
            async with AsyncExitStack() as stack:
                vehicles = await self.startup(stack)
                await self.main_loop(vehicles)
            await self.shutdown()
        finally:
            self.close()
        return self.result()

    # --- start-up -----------------------------------------------------------------------

    async def startup(self, stack: AsyncExitStack) -> list[FlyingVehicle]:
        """Everything before the first arming; the vehicles, connected and preflighted."""
        if self.sender is not None:
            for path in logs_with_pending(self.settings.data_dir):  # an earlier run's
                self.sender.watch(path)
        for a in self.assignments:
            self.say(f"flying {a.headline()}")
        try:
            await self.check()
        except RefusedError as exc:
            for log in self.logs:
                log.event("refused", str(exc))
            raise
        vehicles = [await self._connect(stack, a, log) for a, log in self._with_logs()]
        statuses = [
            await _preflight(v, a, log, self.say)
            for v, (a, log) in zip(vehicles, self._with_logs(), strict=True)
        ]
        _check_pads(self.assignments, statuses, self.settings.separation_m)
        if self.settings.terminal_fd is not None:
            self.keys = stack.enter_context(terminal_keys(self.settings.terminal_fd))
            self.asking = Asking()
            stack.enter_context(
                LiveDisplay(self.dashboard, console=self.console, refresh_per_second=4)
            )
        return vehicles

    def _with_logs(self) -> list[tuple[Assignment, FlightLog]]:
        return list(zip(self.assignments, self.logs, strict=True))

    async def check(self) -> None:
        """What the flights need besides their vehicles, tried before any vehicle is touched:
        each video and detector (`patrol.vision.probe`), and the station's token."""
        if self.settings.vision is not None:
            for k, a in enumerate(self.assignments):
                run = self.runs[k] = self.settings.vision(k, a)
                found = await anyio.to_thread.run_sync(probe, run)
                self.say(f"{a.label}: {found}" if a.label else found)
        if self.settings.station is not None:
            self.say(await check_vehicle_token(self.settings.station))

    async def _connect(self, stack: AsyncExitStack, a: Assignment, log: FlightLog) -> FlyingVehicle:
        link = self.settings.connect(a.url, timeout_s=self.settings.timeout_s)
        vehicle = await stack.enter_async_context(link)
        log.event("connected", vehicle.profile.name)
        return vehicle

    # --- main loop ------------------------------------------------------------------------

    async def main_loop(self, vehicles: Sequence[FlyingVehicle]) -> None:
        """Fly them all, beside the sender, the keys and signal capture, until every vehicle
        is down or a signal stops the operation."""
        for log in self.logs:
            log.queue_flight(landed=False)
            self.flying_logs.append(log)
            if self.sender is not None:
                self.sender.watch(log.path)
        async with anyio.create_task_group() as tg:
            if self.sender is not None:
                tg.start_soon(self.sender.run)
                tg.start_soon(_show_station, self.sender, self.dashboard)
            tg.start_soon(self._on_signal, tg.cancel_scope)
            if self.keys is not None:
                tg.start_soon(self._read_keys, self.keys)
            async with anyio.create_task_group() as flying:
                for k, vehicle in enumerate(vehicles):
                    flying.start_soon(self._fly_one, k, vehicle, flying.cancel_scope)
                if len(vehicles) > 1:
                    flying.start_soon(self.traffic.run)
            tg.cancel_scope.cancel()

    async def _fly_one(self, k: int, vehicle: FlyingVehicle, flying: anyio.CancelScope) -> None:
        a = self.assignments[k]
        watch = Watch(
            self.say,
            self.dashboard.show if self.keys is not None else None,
            self.pilots[k],
            a.label,
            a.name,
            self.traffic.clearance(k) if len(self.assignments) > 1 else None,
            self.runs[k],
        )
        with self.scopes[k]:
            try:
                self.outcomes[k] = await fly(
                    vehicle,
                    a.mission,
                    model=a.model,
                    margin_m=a.margin_m,
                    log=self.logs[k],
                    watch=watch,
                    live=self.lives[k],
                )
            finally:
                self.traffic.finished.add(k)  # no one waits for its launch
        self.done.add(k)
        if len(self.done) == len(self.assignments):
            flying.cancel()  # every vehicle down (or stopped before take-off): stop watching

    async def _on_signal(self, scope: anyio.CancelScope) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            stop = await next_stop(signals, self.asking, self._show_question)
            self.dashboard.queued_question = ""
            self.interrupted = True
            for pilot, log in zip(self.pilots, self.logs, strict=True):
                pilot.leave_on_interrupt = stop.leave
                log.event("pilot", stop.describe())
            if not watches_the_return(stop):
                scope.cancel()
                return
            self._return_and_watch()
            async for signum in signals:  # the pilot stops watching; the autopilot returns
                for pilot, log in zip(self.pilots, self.logs, strict=True):
                    pilot.leave_on_interrupt = True
                    log.event("pilot", f"signal {signum}: stop watching the return")
                self.say("controller stops watching: the autopilot's return continues alone")
                scope.cancel()
                return

    def _return_and_watch(self) -> None:
        """Ctrl-C chose the return: each airborne vehicle is commanded home through its
        supervisor, which watches it to the landing; one not yet in the air stops there
        (its flight is cancelled, which disarms it)."""
        for k, pilot in enumerate(self.pilots):
            if self.lives[k].in_air:
                pilot.push(PilotCommand.RETURN, by="Ctrl-C")
                pilot.returning = True
            else:
                self.scopes[k].cancel()
        self.say(
            "Ctrl-C: returning to launch; watching to the landing "
            "(Ctrl-C again leaves the return to the autopilot)"
        )

    def _show_question(self, text: str) -> None:
        self.dashboard.queued_question = text
        self.say(text)

    async def _read_keys(self, keys: Keys) -> None:
        selected: int | None = None
        confirming = Confirming()
        while True:
            key = await keys.next(timeout_s=0.5)
            if confirming.expired(time.monotonic()):
                self.dashboard.pending = ""
                self.say(f"not confirmed in {CONFIRM_S:.0f} s: nothing sent")
            if key is None:
                continue
            if self.asking is not None and self.asking.open:
                self.asking.answer(key)
                continue
            was_waiting = confirming.waiting
            act = confirming.press(key, time.monotonic())
            if was_waiting is not None and key != was_waiting:
                self.dashboard.pending = ""
                self.say(f"{COMMAND_KEYS[was_waiting].value} cancelled: nothing sent")
                if key not in COMMAND_KEYS and not key.isdigit() and key != "a":
                    continue  # the key that cancels does nothing more
            if not act:
                what = COMMAND_KEYS[key].value
                self.dashboard.pending = (
                    f"press {key} again to {what} {self.dashboard.selected}; any other key cancels"
                )
                continue
            self.dashboard.pending = ""
            if key.isdigit() and 1 <= int(key) <= len(self.pilots):
                selected = int(key) - 1
                self.dashboard.selected = f"vehicle {key}"
            elif key == "a":
                selected = None
                self.dashboard.selected = "all vehicles"
            elif key in COMMAND_KEYS:
                for k, pilot in enumerate(self.pilots):
                    if selected is None or selected == k:
                        pilot.push(COMMAND_KEYS[key])
            elif key not in ("\n", "\r"):
                self.say(f"key {key!r} does nothing; {self.dashboard.selected} take p, c, r r, l l")

    # --- shutdown -------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """The vehicles are down (or left on their missions): the sender gets a bounded wait
        for what is queued, then is cancelled; what is left stays queued in the logs."""
        if self.sender is None:
            return
        self._mark_landed()
        counts = await self.sender.drain(self.settings.station_wait_s)
        self.say(
            f"station: {counts.delivered} hits delivered"
            + (
                f", {counts.queued} still queued (they go with the next flight, "
                f"or now with: patrol station push)"
                if counts.queued
                else ""
            )
        )

    def _mark_landed(self) -> None:
        for log in self.flying_logs:
            log.queue_flight(landed=True)
        self.flying_logs.clear()

    def close(self) -> None:
        self._mark_landed()
        for log in self.logs:
            log.close()
        if self.sender is not None:
            self.sender.close()

    def result(self) -> Result:
        return Result(
            tuple(
                Flown(a, flight_id, log.path, outcome)
                for (a, flight_id), log, outcome in zip(
                    self.flights, self.logs, self.outcomes, strict=True
                )
            ),
            self.interrupted,
            self.traffic.closest_m,
            self.sender.counts if self.sender is not None else None,
        )


def _open_log(a: Assignment, flight_id: str, data_dir: Path) -> FlightLog:
    return FlightLog(
        data_dir / f"{flight_id}.sqlite",
        {
            "flight_id": flight_id,
            "vehicle_url": a.url,
            "vehicle_label": a.label,
            "vehicle_name": a.name,
            "mission": plan_document(a.mission),
            "mission_name": a.mission.name,
            "software": f"patrol {__version__}",
        }
        | mission_geometry(a.mission)
        | a.meta,
    )


async def _show_station(sender: Sender, dashboard: Dashboard) -> None:
    while True:
        dashboard.station = sender.status()
        await anyio.sleep(0.5)


async def _preflight(
    vehicle: Vehicle, a: Assignment, log: FlightLog, say: Callable[[str], None]
) -> Status:
    prefix = f"{a.who}: " if a.who else ""

    def report(result: CheckResult) -> None:
        log.event("preflight", f"{result.mark} {result.name}: {result.detail}")
        say(f"{prefix}{result.mark} {result.name}: {result.detail}")

    return await preflight(
        vehicle,
        a.mission,
        battery_needed_pct=a.needed_pct,
        reserve_pct=a.model.reserve_pct,
        report=report,
    )


def _check_pads(
    assignments: Sequence[Assignment], statuses: Sequence[Status], separation_m: float
) -> None:
    """Vehicles take off and land straight up and down over their homes: those must be the
    separation apart, or the columns they climb in come too close."""
    for (a, sa), (b, sb) in itertools.combinations(zip(assignments, statuses, strict=True), 2):
        if sa.home is None or sb.home is None:
            continue
        frame = LocalFrame(LatLon(sa.home.lat_deg, sa.home.lon_deg))
        e, n = frame.geodetic2enu(sb.home.lat_deg, sb.home.lon_deg)
        if math.hypot(e, n) < separation_m:
            raise PreflightError(
                "separation",
                f"vehicles {a.label} and {b.label} stand {math.hypot(e, n):.1f} m apart; "
                f"launch them at least {separation_m:g} m apart ([patrol] separation_m)",
            )
