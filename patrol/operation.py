"""One flight operation: connect every vehicle, preflight them all, then fly them together.

Nothing is armed until every vehicle has passed preflight. On a terminal the operation draws
the dashboard and takes the pilot's keys; Ctrl-C asks whether to return (the default, also
after 10 s without an answer) or to leave the vehicles on their missions. SIGTERM, and Ctrl-C
without a terminal, return at once. Several vehicles are watched for separation: each pair
that comes closer than the spec's separation is logged and shown.
"""

from __future__ import annotations

import itertools
import math
import signal
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.live import Live as LiveDisplay

from geofence.areas import Shape
from geofence.frames import LatLon, LocalFrame
from missions.camera import Camera
from missions.energy import VehicleModel
from missions.mission import Mission
from missions.qgc import plan_document
from patrol import __version__
from patrol.dashboard import Dashboard
from patrol.errors import PreflightError
from patrol.flight import FlightOutcome, Watch, fly
from patrol.flightlog import FlightLog, new_flight_id
from patrol.keys import COMMAND_KEYS, QUESTION_TIMEOUT_S, Keys, leave_answer, terminal_keys
from patrol.mavsdk_vehicle import MavsdkVehicle, connect
from patrol.pilot import Pilot
from patrol.preflight import CheckResult, preflight
from patrol.station.outbox import Counts, logs_with_pending
from patrol.station.records import mission_geometry
from patrol.station.sender import Sender, StationLink
from patrol.traffic import Traffic
from patrol.vehicle import Live, Status
from patrol.vision.pipeline import VisionRun


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


class _Question:
    """The Ctrl-C question while it waits for its key."""

    def __init__(self) -> None:
        self.answered = anyio.Event()
        self.key: str | None = None

    def answer(self, key: str | None) -> None:
        self.key = key
        self.answered.set()


async def operate(
    assignments: Sequence[Assignment],
    *,
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
    flights = [(a, new_flight_id()) for a in assignments]
    logs = [
        FlightLog(
            data_dir / f"{flight_id}.sqlite",
            {
                "flight_id": flight_id,
                "vehicle_url": a.url,
                "vehicle_label": a.label,
                "mission": plan_document(a.mission),
                "mission_name": a.mission.name,
                "software": f"patrol {__version__}",
            }
            | mission_geometry(a.mission)
            | a.meta,
        )
        for a, flight_id in flights
    ]
    dashboard = Dashboard()
    pilots = [Pilot() for _ in assignments]
    lives = [Live() for _ in assignments]
    outcomes: list[FlightOutcome | None] = [None] * len(assignments)
    interrupted = False

    def say(text: str) -> None:
        console.print(f"[{time.strftime('%H:%M:%S')}] {text}", highlight=False)

    traffic = Traffic(
        assignments[0].mission.home.latlon,
        lives,
        [a.mission.cruise_alt_rel_m for a in assignments],
        [a.label for a in assignments],
        logs,
        pilots,
        separation_m,
        say,
    )

    sender = Sender(station, say) if station is not None else None
    if sender is not None:
        for path in logs_with_pending(data_dir):  # what an earlier run left undelivered
            sender.watch(path)
    flying_logs: list[FlightLog] = []
    try:
        async with AsyncExitStack() as stack:
            vehicles: list[MavsdkVehicle] = []
            for a, log in zip(assignments, logs, strict=True):
                vehicle = await stack.enter_async_context(connect(a.url, timeout_s=timeout_s))
                log.event("connected", vehicle.profile.name)
                vehicles.append(vehicle)
            statuses = [
                await _preflight(v, a, log, say)
                for v, a, log in zip(vehicles, assignments, logs, strict=True)
            ]
            _check_pads(assignments, statuses, separation_m)
            keys = stack.enter_context(
                terminal_keys(terminal_fd) if terminal_fd is not None else nullcontext()
            )
            if keys is not None:
                stack.enter_context(LiveDisplay(dashboard, console=console, refresh_per_second=4))
            for log in logs:
                log.queue_flight(landed=False)
                flying_logs.append(log)
                if sender is not None:
                    sender.watch(log.path)
            question: list[_Question] = []
            async with anyio.create_task_group() as tg:
                if sender is not None:
                    tg.start_soon(sender.run)
                    tg.start_soon(_show_station, sender, dashboard)

                async def on_signal() -> None:
                    nonlocal interrupted
                    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                        async for signum in signals:
                            if question:  # a second Ctrl-C answers: return
                                question[0].answer("y")
                                continue
                            leave = False
                            if signum == signal.SIGINT and keys is not None:
                                question.append(_Question())
                                dashboard.queued_question = (
                                    "Ctrl-C: return to launch? [Y/n] (n leaves the vehicles on "
                                    f"their missions, which end with a return; Y in "
                                    f"{QUESTION_TIMEOUT_S:.0f} s)"
                                )
                                say(dashboard.queued_question)
                                with anyio.move_on_after(QUESTION_TIMEOUT_S):
                                    await question[0].answered.wait()
                                leave = leave_answer(question[0].key)
                            interrupted = True
                            for pilot, log in zip(pilots, logs, strict=True):
                                pilot.leave_on_interrupt = leave
                                log.event(
                                    "pilot",
                                    f"signal {signum}: "
                                    + ("leave on mission" if leave else "return to launch"),
                                )
                            tg.cancel_scope.cancel()
                            return

                tg.start_soon(on_signal)
                if keys is not None:
                    tg.start_soon(_read_keys, keys, pilots, dashboard, question, say)

                async def one(k: int) -> None:
                    a = assignments[k]
                    try:
                        outcomes[k] = await fly(
                            vehicles[k],
                            a.mission,
                            model=a.model,
                            margin_m=a.margin_m,
                            log=logs[k],
                            watch=Watch(
                                say,
                                dashboard.show if keys is not None else None,
                                pilots[k],
                                a.label,
                                traffic.clearance(k) if len(assignments) > 1 else None,
                                vision(k, a) if vision is not None else None,
                            ),
                            live=lives[k],
                        )
                    finally:
                        traffic.finished.add(k)  # no one waits for its launch
                    if all(o is not None for o in outcomes):
                        flying.cancel_scope.cancel()  # every vehicle down: stop watching

                async with anyio.create_task_group() as flying:
                    for k in range(len(assignments)):
                        flying.start_soon(one, k)
                    if len(assignments) > 1:
                        flying.start_soon(traffic.run)
                tg.cancel_scope.cancel()
        if sender is not None:
            for log in flying_logs:
                log.queue_flight(landed=True)
            flying_logs.clear()
            counts = await sender.drain(station_wait_s)
            say(
                f"station: {counts.delivered} hits delivered"
                + (
                    f", {counts.queued} still queued (they go with the next flight, "
                    f"or now with: patrol station push)"
                    if counts.queued
                    else ""
                )
            )
    finally:
        for log in flying_logs:
            log.queue_flight(landed=True)
        for log in logs:
            log.close()
        if sender is not None:
            sender.close()
    return Result(
        tuple(
            Flown(a, flight_id, log.path, outcome)
            for (a, flight_id), log, outcome in zip(flights, logs, outcomes, strict=True)
        ),
        interrupted,
        traffic.closest_m,
        sender.counts if sender is not None else None,
    )


async def _show_station(sender: Sender, dashboard: Dashboard) -> None:
    while True:
        dashboard.station = sender.status()
        await anyio.sleep(0.5)


async def _preflight(
    vehicle: MavsdkVehicle, a: Assignment, log: FlightLog, say: Callable[[str], None]
) -> Status:
    prefix = f"{a.label}: " if a.label else ""

    def report(result: CheckResult) -> None:
        mark = "ok" if result.ok else "FAIL"
        log.event("preflight", f"{mark} {result.name}: {result.detail}")
        say(f"{prefix}{mark} {result.name}: {result.detail}")

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


async def _read_keys(
    keys: Keys,
    pilots: Sequence[Pilot],
    dashboard: Dashboard,
    question: list[_Question],
    say: Callable[[str], None],
) -> None:
    selected: int | None = None
    while True:
        key = await keys.next()
        if key is None:
            continue
        if question:
            question[0].answer(key)
            continue
        if key.isdigit() and 1 <= int(key) <= len(pilots):
            selected = int(key) - 1
            dashboard.selected = f"vehicle {key}"
        elif key == "a":
            selected = None
            dashboard.selected = "all vehicles"
        elif key in COMMAND_KEYS:
            for k, pilot in enumerate(pilots):
                if selected is None or selected == k:
                    pilot.push(COMMAND_KEYS[key])
        elif key not in ("\n", "\r"):
            say(f"key {key!r} does nothing; {dashboard.selected} take p, c, r, l")
