"""Flying one sortie: arm, start the mission, watch it to the landing, act on the monitors.

The loop never leaves the vehicle without a return plan: a monitor's return is commanded and
logged; a cancellation (Ctrl-C, a crash of the caller) commands return to launch shielded from
that cancellation, then lets it through. The autopilot's own failsafes were set to return in
preflight, so a lost link is only noted and watched until the link comes back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
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
from patrol.vehicle import FlyingVehicle, Live

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


async def fly(
    vehicle: FlyingVehicle,
    mission: Mission,
    *,
    model: VehicleModel,
    margin_m: float,
    log: FlightLog,
    say: Callable[[str], None],
) -> FlightOutcome:
    """Fly `mission` (already loaded by preflight) to the landing."""
    live = Live()
    async with anyio.create_task_group() as tg:
        tg.start_soon(vehicle.watch, live)
        tg.start_soon(_record, live, log)
        try:
            outcome = await _fly(vehicle, mission, live, model, margin_m, log, say)
        except BaseException:
            with anyio.CancelScope(shield=True):
                if live.armed:
                    log.event("return", "controller interrupted: returning to launch")
                    say("interrupted: commanding return to launch")
                    await vehicle.return_to_launch()
            raise
        tg.cancel_scope.cancel()
    return outcome


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
    say: Callable[[str], None],
) -> FlightOutcome:
    await _wait("position", POSITION_TIMEOUT_S, lambda: live.has_position)
    frame = LocalFrame(mission.home.latlon)
    fence = mission.fence.in_frame(frame)
    await vehicle.arm()
    log.event("armed")
    say("armed")
    await vehicle.start_mission()
    log.event("mission started", f"{len(mission.items)} items")
    say("mission started")
    await _wait("take-off", 60.0, lambda: live.in_air)
    decisions: list[Decision] = []
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
            decision = (
                None
                if link_lost or decisions
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
            if now >= next_progress:
                next_progress = now + PROGRESS_EVERY_S
                say(_progress(live, fence, frame, len(mission.items)))
            await anyio.sleep(TICK_S)
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
    say("landed and disarmed")
    return FlightOutcome(landed=True, decisions=tuple(decisions), finished=finished)


def _decide(
    live: Live,
    fence: object,
    frame: LocalFrame,
    model: VehicleModel,
    mission: Mission,
    margin_m: float,
) -> Decision | None:
    from geofence.fence import LocalFence

    assert isinstance(fence, LocalFence)
    if live.mode in ("return_to_launch", "land"):
        return None  # already coming home
    found = fence_decision(fence, live, margin_m)
    if found is not None or not live.has_position:
        return found
    e, n = frame.geodetic2enu(live.lat_deg, live.lon_deg)
    return energy_decision(live, math.hypot(e, n), model, mission.cruise_speed_mps)


def _progress(live: Live, fence: LocalFence, frame: LocalFrame, items: int) -> str:
    clearance = ""
    if live.has_position:
        e, n = frame.geodetic2enu(live.lat_deg, live.lon_deg)
        clearance = f" fence {fence.clearance_m(e, n):.0f} m"
    return (
        f"{live.mode} item {live.mission_current}/{items} "
        f"alt {live.alt_rel_m:.0f} m speed {live.ground_speed_mps:.1f} m/s "
        f"battery {live.battery_pct:.0f} %{clearance}"
    )
