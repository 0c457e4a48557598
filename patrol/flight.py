"""Flying one sortie: arm, start the mission, watch it to the landing, act on the monitors.

The loop never leaves the vehicle without a return plan: a monitor's return is commanded and
logged; a cancellation (Ctrl-C, a crash of the caller) commands return to launch shielded from
that cancellation, then lets it through, unless the pilot chose to leave the vehicle on its
mission (which ends with a return). The pilot's commands (hold, resume, return, land) arrive
through a `Pilot` and are taken at the next tick. The autopilot's own failsafes were set to
return in preflight, so a lost link is only noted and watched until the link comes back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from geofence.fence import LocalFence
from geofence.frames import LocalFrame
from missions.energy import VehicleModel
from missions.mission import Mission
from patrol.errors import VehicleError, VehicleTimeoutError
from patrol.flightlog import FlightLog
from patrol.monitors import (
    Action,
    Decision,
    energy_decision,
    fence_decision,
    item_allowances_s,
    progress_decision,
)
from patrol.pilot import FlightView, Pilot, PilotCommand
from patrol.vehicle import FlightMode, FlyingVehicle, Live
from patrol.vision.onboard import Onboard
from patrol.vision.pipeline import VisionRun

TICK_S = 0.2  # 5 Hz: the loop and the monitors
RECORD_S = 0.1  # 10 Hz telemetry in the flight log (it promises at least 5)
PROGRESS_EVERY_S = 5.0
LINK_LOST_S = 3.0
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


@dataclass(frozen=True, slots=True)
class Watch:
    """How one flight is watched: by whom, shown where, and under what name."""

    say: Callable[[str], None]
    show: Callable[[FlightView], None] | None = None  # a dashboard; None prints progress lines
    pilot: Pilot | None = None
    label: str = ""
    #: Awaited before arming: several vehicles launch one after another.
    cleared: Callable[[], Awaitable[None]] | None = None
    vision: VisionRun | None = None  # detection beside the flight


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
            try:
                outcome = await _fly(
                    vehicle, mission, live, model, margin_m, log, watch, pilot, onboard
                )
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await _on_interrupt(vehicle, live, log, watch, pilot)
                raise
            tg.cancel_scope.cancel()
    finally:
        if onboard is not None:
            onboard.finish()
    return outcome


async def _on_interrupt(
    vehicle: FlyingVehicle, live: Live, log: FlightLog, watch: Watch, pilot: Pilot
) -> None:
    if not live.armed:
        return
    if pilot.leave_on_interrupt and live.mode in (
        FlightMode.MISSION,
        FlightMode.HOLD,
        FlightMode.RETURN,
        FlightMode.LAND,
    ):
        if live.mode is FlightMode.HOLD:
            await vehicle.start_mission()  # paused: back on the mission, which ends in a return
        log.event(
            "left on mission",
            "controller exits; the mission ends with a return and the link-loss failsafe returns",
        )
        watch.say(f"{watch.label or 'vehicle'} left on its mission; it ends with a return")
        return
    log.event("return", "controller interrupted: returning to launch")
    watch.say("interrupted: commanding return to launch")
    await vehicle.return_to_launch()


async def _record(live: Live, log: FlightLog) -> None:
    while True:
        if live.has_position:
            log.telemetry(live)
        await anyio.sleep(RECORD_S)


async def _wait(what: str, timeout_s: float, ready: Callable[[], bool]) -> None:
    for _ in range(math.ceil(timeout_s / TICK_S)):
        if ready():
            return
        await anyio.sleep(TICK_S)
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
) -> FlightOutcome:
    say = watch.say
    await _wait("position", POSITION_TIMEOUT_S, lambda: live.has_position)
    frame = LocalFrame(mission.home.latlon)
    fence = mission.fence.in_frame(frame)
    if watch.cleared is not None:
        log.event("waiting", "for the vehicles launching before this one")
        await watch.cleared()
    await vehicle.arm()
    log.event("armed")
    say("armed")
    await vehicle.start_mission()
    log.event("mission started", f"{len(mission.items)} items")
    say("mission started")
    await _wait("take-off", 60.0, lambda: live.in_air)
    decisions: list[Decision] = []
    commanded: list[PilotCommand] = []
    link_lost = False
    next_progress = 0.0
    allowances = item_allowances_s(mission.items, mission.cruise_speed_mps)
    item, item_since = live.mission_current, time.monotonic()
    with anyio.fail_after(LANDED_TIMEOUT_S):
        while live.armed or live.in_air:
            now = time.monotonic()
            if now - live.heard_s > LINK_LOST_S and not link_lost:
                link_lost = True
                log.event("link lost", "waiting for the autopilot's failsafe and the link")
                say("link lost: the autopilot's failsafe returns the vehicle; watching")
            elif link_lost and now - live.heard_s <= LINK_LOST_S:
                link_lost = False
                log.event("link regained")
                say("link regained")
            if live.mission_current != item:
                item, item_since = live.mission_current, now
            taken = pilot.take()
            if taken is not None:
                command, by = taken
                if by == "pilot":
                    commanded.append(command)
                log.event(f"{by}: {command.value}", f"at item {live.mission_current}")
                say(f"{watch.label + ': ' if watch.label else ''}{by}: {command.value}")
                try:
                    await _obey(vehicle, command)
                except VehicleError as exc:  # refused (say, land while on the ground): go on
                    log.event(f"{by} command failed", str(exc))
                    say(f"{by}: {command.value} failed: {exc}")
                item_since = now  # a pause is not a stall
            decision = (
                None
                if link_lost or decisions or live.mode is FlightMode.HOLD
                else _decide(live, fence, frame, model, mission, margin_m)
                or progress_decision(live, item_since, now, allowances)
            )
            if decision is not None:
                decisions.append(decision)
                log.event(f"monitor: {decision.monitor}", decision.reason)
                say(f"{decision.monitor} monitor: {decision.reason}")
                await (
                    vehicle.return_to_launch()
                    if decision.action is Action.RETURN
                    else vehicle.hold()
                )
            hits = 0
            if onboard is not None:
                onboard.tick()
                hits = onboard.hits
            view = _view(live, fence, frame, mission, model, watch.label, not link_lost, hits)
            if watch.show is not None:
                watch.show(view)
            elif now >= next_progress:
                next_progress = now + PROGRESS_EVERY_S
                say(view.line())
            await anyio.sleep(TICK_S)
    if link_lost:  # heard again, disarmed: the landing came while the link was down
        log.event("link regained", "the vehicle had landed meanwhile")
        say("link regained: the vehicle landed meanwhile")
    finished = live.mission_current >= len(mission.items) - 1  # the last item is the return
    log.event(
        "landed",
        "disarmed on the ground"
        + (
            ""
            if finished
            else f", before the mission ended (item {live.mission_current} of {len(mission.items)})"
        ),
    )
    say(f"{watch.label + ' ' if watch.label else ''}landed and disarmed")
    return FlightOutcome(
        landed=True,
        decisions=tuple(decisions),
        finished=finished,
        pilot=tuple(commanded),
        next_item=len(mission.items) if finished else live.mission_current,
    )


async def _obey(vehicle: FlyingVehicle, command: PilotCommand) -> None:
    if command is PilotCommand.HOLD:
        await vehicle.hold()
    elif command is PilotCommand.RESUME:
        await vehicle.start_mission()
    elif command is PilotCommand.RETURN:
        await vehicle.return_to_launch()
    else:
        await vehicle.land()


def _decide(
    live: Live,
    fence: LocalFence,
    frame: LocalFrame,
    model: VehicleModel,
    mission: Mission,
    margin_m: float,
) -> Decision | None:
    if live.mode.coming_home:
        return None  # already coming home
    found = fence_decision(fence, live, margin_m)
    if found is not None or not live.has_position:
        return found
    e, n = frame.geodetic2enu(live.lat_deg, live.lon_deg)
    return energy_decision(live, math.hypot(e, n), model, mission.cruise_speed_mps)


def _view(
    live: Live,
    fence: LocalFence,
    frame: LocalFrame,
    mission: Mission,
    model: VehicleModel,
    label: str,
    link_ok: bool,
    hits: int,
) -> FlightView:
    clearance = math.nan
    if live.has_position:
        clearance = fence.clearance_m(*frame.geodetic2enu(live.lat_deg, live.lon_deg))
    above_reserve_wh = (live.battery_pct - model.reserve_pct) / 100 * model.battery_wh
    return FlightView(
        label=label,
        mode=live.mode_name or live.mode.value,
        lat_deg=live.lat_deg,
        lon_deg=live.lon_deg,
        alt_rel_m=live.alt_rel_m,
        ground_speed_mps=live.ground_speed_mps,
        battery_pct=live.battery_pct,
        time_left_s=max(above_reserve_wh, 0.0) / model.cruise_power_w * 3600,
        item=live.mission_current,
        items=len(mission.items),
        fence_m=clearance,
        link_ok=link_ok,
        hits=hits,
    )
