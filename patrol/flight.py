"""Flying one sortie: arm, start the mission, then feed the supervisor to the landing.

This loop is thin on purpose: each tick it takes a snapshot of the vehicle's state, the pilot's
commands and the traffic monitor's hold, hands them to `patrol.supervisor.step` (pure), and
carries out what comes back: commands to the vehicle, events to the flight log and the terminal,
the dashboard row or progress line. It also writes what the autopilot said (`Live.said`) into
the log in the autopilot's own words, and ticks onboard detection.

The loop never leaves the vehicle without a return plan: a cancellation (Ctrl-C, a crash of the
caller) commands return to launch shielded from that cancellation, then lets it through, unless
the pilot chose to leave the vehicle on its mission (which ends with a return). The autopilot's
own failsafes were set to return in preflight, so a lost link is only noted and watched until
the link comes back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from geofence.frames import LocalFrame
from geofence.words import plural
from missions.energy import VehicleModel
from missions.mission import Mission
from patrol import supervisor
from patrol.ending import Ending
from patrol.errors import VehicleError, VehicleTimeoutError
from patrol.flightlog import FlightLog
from patrol.monitors import Decision
from patrol.pilot import FlightView, Pilot, PilotCommand
from patrol.supervisor import Command, Observation, Setup, Telemetry
from patrol.vehicle import FlightMode, FlyingVehicle, Live
from patrol.vision.onboard import Onboard
from patrol.vision.pipeline import VisionRun

TICK_S = 0.2  # 5 Hz: the loop and the monitors
RECORD_S = 0.1  # 10 Hz telemetry in the flight log (it promises at least 5)
PROGRESS_EVERY_S = 5.0
POSITION_TIMEOUT_S = 15.0
LANDED_TIMEOUT_S = 24 * 3600.0


class FlightAbortedError(VehicleError):
    """The flight ended, safely, but not as planned (a monitor brought the vehicle back)."""


@dataclass(frozen=True, slots=True)
class FlightOutcome:
    landed: bool
    decisions: tuple[Decision, ...]
    finished: bool = True
    pilot: tuple[PilotCommand, ...] = ()
    next_item: int = 0  # the first mission item not yet reached when it landed
    ended: Ending = Ending.COMPLETED  # how it ended, decided from what happened


@dataclass(frozen=True, slots=True)
class Watch:
    """How one flight is watched: by whom, shown where, and under what name."""

    say: Callable[[str], None]
    show: Callable[[FlightView], None] | None = None  # a dashboard; None prints progress lines
    pilot: Pilot | None = None
    label: str = ""
    name: str = ""  # the pilot's name for the vehicle (--name)
    #: Awaited before arming: several vehicles launch one after another.
    cleared: Callable[[], Awaitable[None]] | None = None
    vision: VisionRun | None = None  # detection beside the flight
    #: The loop's clock and sleep: monotonic time by default; tests pass a virtual clock that
    #: steps a fake vehicle, so minutes of flight take milliseconds.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep


async def fly(
    vehicle: FlyingVehicle,
    mission: Mission,
    *,
    model: VehicleModel,
    margin_m: float,
    log: FlightLog,
    watch: Watch,
    live: Live | None = None,
) -> FlightOutcome:
    """Fly `mission` (already loaded by preflight) to the landing. `live` is kept current for
    callers that watch several vehicles at once."""
    live = live if live is not None else Live()
    pilot = watch.pilot or Pilot()
    onboard = None
    if watch.vision is not None:
        onboard = Onboard(watch.vision, log, LocalFrame(mission.home.latlon), watch.say)
        onboard.start()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(vehicle.watch, live)
            tg.start_soon(_record, live, log)
            if onboard is not None:
                tg.start_soon(onboard.feed_poses, live)
            arming = Arming()
            try:
                outcome = await _fly(
                    vehicle, mission, live, model, margin_m, log, watch, pilot, onboard, arming
                )
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await _on_interrupt(vehicle, live, log, watch, pilot, arming)
                raise
            tg.cancel_scope.cancel()
    finally:
        if onboard is not None:
            onboard.finish()
    return outcome


@dataclass
class Arming:
    """How far arming went, for an interruption that comes before telemetry says so: an arm
    the vehicle took (or may still take) is undone even if no heartbeat has shown it yet."""

    sent: bool = False  # the arm command went out (it may be taken after a cancellation)
    taken: bool = False  # the vehicle acknowledged it


async def _on_interrupt(
    vehicle: FlyingVehicle,
    live: Live,
    log: FlightLog,
    watch: Watch,
    pilot: Pilot,
    arming: Arming | None = None,
) -> None:
    arming = arming or Arming()
    if not live.armed and not arming.sent:
        return
    if not live.in_air:  # armed (or maybe), not yet off the ground: stop it on the pad
        await _disarm_on_pad(vehicle, live, log, watch, arming)
        return
    who = _prefix(watch) or "vehicle: "
    if pilot.leave_on_interrupt and (pilot.returning or live.mode.coming_home):
        if not live.mode.coming_home:  # commanded, not yet heard: say it again
            await vehicle.return_to_launch()
        log.event("left returning", "controller exits; the autopilot's return goes on")
        watch.say(f"{who}left to the autopilot's return")
        return
    if pilot.leave_on_interrupt and live.mode in (FlightMode.MISSION, FlightMode.HOLD):
        if live.mode is FlightMode.HOLD:
            await vehicle.start_mission()  # paused: back on the mission, which ends in a return
        log.event(
            "left on mission",
            "controller exits; the mission ends with a return and the link-loss failsafe returns",
        )
        watch.say(
            f"{who}left on its mission; with the controller gone the autopilot's link-loss "
            "failsafe returns it once its timeout passes (sooner, its mission's own return)"
        )
        return
    log.event("return", "controller interrupted: returning to launch")
    watch.say(f"{who}interrupted: commanding return to launch")
    await vehicle.return_to_launch()


async def _disarm_on_pad(
    vehicle: FlyingVehicle, live: Live, log: FlightLog, watch: Watch, arming: Arming
) -> None:
    """Interrupted before take-off: disarm (a return would leave it armed on the pad). An arm
    that was sent but not answered may still be taken, so the disarm is sent all the same."""
    who = _prefix(watch)
    log.event("disarm", "controller interrupted before take-off: disarming")
    watch.say(f"{who}interrupted before take-off: disarming on the pad")
    try:
        await vehicle.disarm()
    except VehicleError as exc:
        if live.armed or arming.taken:  # it thinks it is flying after all: bring it back
            log.event("disarm failed", str(exc))
            watch.say(f"{who}disarm refused ({exc}); commanding return to launch")
            await vehicle.return_to_launch()
            return
    log.event("disarmed", "on the pad; nothing flew")
    watch.say(f"{who}disarmed on the pad")


async def _record(live: Live, log: FlightLog) -> None:
    while True:
        if live.has_position:
            log.telemetry(live)
        await anyio.sleep(RECORD_S)


async def _wait(what: str, timeout_s: float, ready: Callable[[], bool], watch: Watch) -> None:
    for _ in range(math.ceil(timeout_s / TICK_S)):
        if ready():
            return
        await watch.sleep(TICK_S)
    raise VehicleTimeoutError(what, timeout_s)


async def _fly(
    vehicle: FlyingVehicle,
    mission: Mission,
    live: Live,
    model: VehicleModel,
    margin_m: float,
    log: FlightLog,
    watch: Watch,
    pilot: Pilot,
    onboard: Onboard | None,
    arming: Arming,
) -> FlightOutcome:
    say = watch.say
    await _wait("position", POSITION_TIMEOUT_S, lambda: live.has_position, watch)
    setup = Setup.for_mission(mission, model, margin_m)
    if watch.cleared is not None:
        log.event("waiting", "for the vehicles launching before this one")
        await watch.cleared()
    arming.sent = True
    try:
        await vehicle.arm()
    except VehicleError as exc:  # refused: nothing flew; say why in the log too
        log.event("arm refused", str(exc))
        raise
    arming.taken = True
    log.event("armed")
    say(f"{_prefix(watch)}armed")
    try:
        await vehicle.start_mission()
    except VehicleError as exc:
        log.event("mission start refused", str(exc))
        raise
    log.event("mission started", plural(len(mission.items), "item"))
    say(f"{_prefix(watch)}mission started")
    state = supervisor.start(watch.clock())
    await _wait("take-off", 60.0, lambda: live.in_air, watch)
    next_progress = 0.0
    with anyio.fail_after(LANDED_TIMEOUT_S):
        while True:
            now = watch.clock()
            _drain_said(live, log, say, watch)
            observation = Observation(
                now,
                Telemetry.from_live(live),
                now - live.heard_s,
                pilot.take_all(),
                pilot.traffic_hold,
            )
            done = supervisor.step(setup, state, observation)
            state = done.state
            for event in done.events:
                log.event(event.kind, event.detail)
                if event.say:
                    say(f"{_prefix(watch)}{event.kind}: {event.detail}")
            for send in done.sends:
                await _send(vehicle, send.command, log, say, watch)
            if state.landed:
                break
            hits = 0
            if onboard is not None:
                onboard.tick()
                hits = onboard.hits
            view = _view(live, mission, model, watch, done.display, hits)
            if watch.show is not None:
                watch.show(view)
            elif now >= next_progress:
                next_progress = now + PROGRESS_EVERY_S
                say(view.line())
            await watch.sleep(TICK_S)
    _drain_said(live, log, say, watch)
    ended = supervisor.ending(setup, state)
    finished = supervisor.mission_done(setup, state)
    log.event(
        "landed",
        f"disarmed on the ground; ended: {ended.value}"
        + (
            "" if finished else f", before the mission ended ({plural(len(mission.items), 'item')})"
        ),
    )
    say(f"{_prefix(watch)}landed and disarmed ({ended.value})")
    return FlightOutcome(
        landed=True,
        decisions=state.decisions,
        finished=finished,
        pilot=state.pilot,
        next_item=supervisor.next_item(setup, state),
        ended=ended,
    )


def _prefix(watch: Watch) -> str:
    who = " ".join(part for part in (watch.label, watch.name) if part)
    return f"{who}: " if who else ""


def _drain_said(live: Live, log: FlightLog, say: Callable[[str], None], watch: Watch) -> None:
    """What the autopilot said, in its own words, into the log (warnings and worse said too)."""
    while live.said:
        message = live.said.pop(0)
        log.event("autopilot", f"{message.severity.value}: {message.text}")
        if message.severity.value in ("critical", "error", "warning"):
            say(f"{_prefix(watch)}autopilot: {message.text}")


async def _send(
    vehicle: FlyingVehicle,
    command: Command,
    log: FlightLog,
    say: Callable[[str], None],
    watch: Watch,
) -> None:
    """Carry out one of the supervisor's commands. One that fails is logged; the supervisor
    sees the mode not change and sends it again, or escalates."""
    try:
        if command is Command.LAND:
            await vehicle.land()
        elif command is Command.RETURN:
            await vehicle.return_to_launch()
        elif command is Command.HOLD:
            await vehicle.hold()
        else:
            await vehicle.start_mission()
    except VehicleError as exc:
        log.event("command failed", f"{command.value}: {exc}")
        say(f"{_prefix(watch)}{command.value} failed: {exc}")


def _view(
    live: Live,
    mission: Mission,
    model: VehicleModel,
    watch: Watch,
    display: supervisor.Display,
    hits: int,
) -> FlightView:
    above_reserve_wh = (live.battery_pct - model.reserve_pct) / 100 * model.battery_wh
    return FlightView(
        label=watch.label,
        mode=live.mode.value,
        lat_deg=live.lat_deg,
        lon_deg=live.lon_deg,
        alt_rel_m=live.alt_rel_m,
        ground_speed_mps=live.ground_speed_mps,
        battery_pct=live.battery_pct,
        time_left_s=max(above_reserve_wh, 0.0) / model.cruise_power_w * 3600,
        item=live.mission_current,
        items=len(mission.items),
        fence_m=display.fence_m,
        link_ok=display.link_ok,
        hits=hits,
        name=watch.name,
        mode_name=live.mode_name,
    )
