"""The flight supervisor: what was observed in, what to do out (pure, sans-IO).

`step(setup, state, observation)` returns the next state, the commands to send, the events to log
and what to display. It holds no clock (the time comes in the observation), awaits nothing and
owns no socket, so every decision is testable by feeding it numbers (`patrol.flight` is the thin
loop that feeds it a vehicle).

Every tick, in every mode, while the vehicle is in the air and heard:
- the fence rule (on the filtered position, `patrol.estimate`) and the energy rule (to home or
  the nearest rally point) may latch a monitor's return;
- the progress rule, in mission mode only, may hold the vehicle for the pilot;
- holds come from the pilot, the traffic monitor and the progress rule.
What the vehicle should do is the first of: land (a monitor's escalation, the pilot, the
autopilot's own landing) > a monitor's return > hold > carry on (with the mission, or with a
return that the pilot, the autopilot or the mission's end began). A pilot's command changes
what the vehicle carries on with, and holds it or lets it go, but never switches a rule off: a
monitor's return outranks a hold and stands whatever the pilot says.

A command is sent only when the vehicle is not already doing it and it was not sent in the last
`RESEND_S` (a mode switch takes a moment to show in telemetry). One that does not take effect is
sent again, and a return that is not taken after `MAX_TRIES`, or during which the vehicle keeps
closing on the fence (an estimator fly-away drags it along whatever the autopilot intends),
escalates to landing in place. A mode someone else chose (another ground station, the sticks)
is not fought, except that a landing or a monitor's return is asserted again; in a manual mode
(a pilot flying by sticks) nothing is sent at all, and the rules only say what they see.

How the flight ended (`ending`) is decided from what happened: the mission reached its last item,
a monitor or the pilot brought it back, the autopilot switched to return or land on its own, or
the mission ended without a return and the supervisor commanded one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import Enum

from geofence.fence import LocalFence
from geofence.frames import LocalFrame
from geofence.mavlink import MavCmd
from missions.energy import VehicleModel
from missions.mission import Mission
from patrol import estimate
from patrol.ending import Ending
from patrol.estimate import Estimate, Fix
from patrol.monitors import (
    Action,
    Decision,
    FenceView,
    energy_decision,
    fence_decision,
    fence_view,
    item_allowances_s,
    progress_decision,
)
from patrol.pilot import PilotCommand
from patrol.vehicle import FlightMode, Live

#: No telemetry for this long: the link is lost (the autopilot's failsafe takes over).
LINK_LOST_S = 3.0
#: A command not yet seen in the vehicle's mode is not sent again before this.
RESEND_S = 3.0
#: Sends of one command that does not take effect before a return escalates to a landing.
MAX_TRIES = 3
#: Returning this long while still closing on the fence past the tolerance: land in place.
ESCALATE_AFTER_S = 5.0
#: Closing on the fence faster than this counts as still heading out.
CLOSING_MPS = 0.5
#: In the air after the last item without a return for this long: command one.
MISSION_END_GRACE_S = 3.0
#: An unasked return or landing is put down to the autopilot after this long, once the
#: mission's progress (a slower stream) has had time to show whether the mission asked for it.
AUTOPILOT_GRACE_S = 2.0

_RETURNS = frozenset({MavCmd.NAV_RETURN_TO_LAUNCH, MavCmd.NAV_LAND})
_POSITIONED = frozenset({MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME, MavCmd.NAV_LAND})


class Command(Enum):
    """What the supervisor asks of the vehicle, most pressing first."""

    LAND = "land"
    RETURN = "return"
    HOLD = "hold"
    RESUME = "resume"  # carry on with the mission

    def is_met_by(self, mode: FlightMode) -> bool:
        """True when a vehicle in `mode` is already doing this."""
        if self is Command.LAND:
            return mode is FlightMode.LAND
        if self is Command.RETURN:
            return mode.coming_home
        if self is Command.HOLD:
            return mode is FlightMode.HOLD
        return mode in (FlightMode.MISSION, FlightMode.TAKEOFF)


class Cause(Enum):
    """Who wants a command."""

    MISSION = "mission"
    PILOT = "pilot"
    MONITOR = "monitor"
    TRAFFIC = "traffic"
    AUTOPILOT = "autopilot"
    MISSION_END = "mission end"


@dataclass(frozen=True, slots=True)
class Telemetry:
    """A frozen snapshot of what the vehicle reported."""

    lat_deg: float = math.nan
    lon_deg: float = math.nan
    alt_rel_m: float = math.nan
    vel_e_mps: float = 0.0
    vel_n_mps: float = 0.0
    battery_pct: float = math.nan
    h_acc_m: float = math.nan
    mode: FlightMode = FlightMode.UNKNOWN
    mode_name: str = ""
    armed: bool = False
    in_air: bool = False
    mission_current: int = 0
    mission_reached: int = -1

    @classmethod
    def from_live(cls, live: Live) -> Telemetry:
        return cls(
            live.lat_deg,
            live.lon_deg,
            live.alt_rel_m,
            live.vel_e_mps,
            live.vel_n_mps,
            live.battery_pct,
            live.h_acc_m,
            live.mode,
            live.mode_name,
            live.armed,
            live.in_air,
            live.mission_current,
            live.mission_reached,
        )

    @property
    def has_position(self) -> bool:
        return math.isfinite(self.lat_deg) and math.isfinite(self.lon_deg)


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything one tick sees: telemetry, link age, the pilot's commands, traffic."""

    t_s: float
    telemetry: Telemetry
    heard_age_s: float = 0.0
    pilot: tuple[PilotCommand, ...] = ()
    traffic_hold: bool = False


@dataclass(frozen=True, slots=True)
class Setup:
    """What does not change during a flight."""

    fence: LocalFence
    margin_m: float
    model: VehicleModel
    cruise_speed_mps: float
    allowances_s: tuple[float, ...]
    #: Where a return may end: home at the frame's origin, then the rally points (east, north).
    landings: tuple[tuple[str, float, float], ...]
    last_item: int
    returns: bool  # the mission's last item returns or lands
    #: each mission item's position (east, north), None for items without one
    targets: tuple[tuple[float, float] | None, ...] = ()

    @classmethod
    def for_mission(cls, mission: Mission, model: VehicleModel, margin_m: float) -> Setup:
        frame = LocalFrame(mission.home.latlon)
        rally = tuple(
            (f"rally point {k + 1}", *frame.geodetic2enu(r.lat_deg, r.lon_deg))
            for k, r in enumerate(mission.rally)
        )
        return cls(
            mission.fence.in_frame(frame),
            margin_m,
            model,
            mission.cruise_speed_mps,
            item_allowances_s(mission.items, mission.cruise_speed_mps),
            (("home", 0.0, 0.0), *rally),
            len(mission.items) - 1,
            mission.items[-1].command in _RETURNS,
            tuple(
                frame.geodetic2enu(i.x_lat_deg, i.y_lon_deg) if i.command in _POSITIONED else None
                for i in mission.items
            ),
        )


@dataclass(frozen=True, slots=True)
class Goal:
    command: Command
    cause: Cause
    reason: str


MISSION_GOAL = Goal(Command.RESUME, Cause.MISSION, "flying the mission")


@dataclass(frozen=True, slots=True)
class Send:
    command: Command
    reason: str


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    detail: str
    say: bool = True


@dataclass(frozen=True, slots=True)
class Display:
    fence_m: float  # the filtered position's distance to the fence; NaN without a position
    link_ok: bool
    doing: str  # what the supervisor wants, in a few words


@dataclass(frozen=True, slots=True)
class State:
    """The supervisor's memory between ticks."""

    estimate: Estimate | None = None
    fence: FenceView | None = None
    link_ok: bool = True
    mode: FlightMode = FlightMode.UNKNOWN
    airborne: bool = False  # it has been in the air
    landed: bool = False
    item: int = -1
    item_since_s: float = 0.0
    highest_current: int = -1
    reached: int = -1
    return_item_started: bool = False  # the mission's own final return or landing began
    pilot_hold: bool = False
    progress_hold: Decision | None = None
    monitor: Goal | None = None  # a monitor's return or landing: latched for the flight
    course: Goal = MISSION_GOAL  # what the vehicle carries on with when nothing holds it
    asked: Command | None = None
    asked_at_s: float = -math.inf
    tries: int = 0
    confirmed: bool = False  # the vehicle's mode showed the asked command
    force_resume: bool = False  # the pilot asked to continue: send it even if not ours
    unasked_since_s: float | None = None  # an unasked return or landing not yet explained
    return_since_s: float | None = None
    mission_end_since_s: float | None = None
    ending: Ending | None = None
    decisions: tuple[Decision, ...] = ()
    pilot: tuple[PilotCommand, ...] = ()
    goal: Goal = MISSION_GOAL
    #: Commands sent and not yet seen in the vehicle's mode, with when they were last sent.
    pending: tuple[tuple[Command, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    state: State
    sends: tuple[Send, ...]
    events: tuple[Event, ...]
    display: Display


def start(t_s: float) -> State:
    """The state once the mission has been started (the loop sent it) at `t_s`."""
    return State(asked=Command.RESUME, asked_at_s=t_s, item_since_s=t_s)


@dataclass
class _Out:
    """What one step has to say (local to `step`: the step stays pure)."""

    events: list[Event] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)


def step(setup: Setup, state: State, obs: Observation) -> Step:
    """One tick: fold `obs` into `state`, weigh every rule, decide what to send."""
    out = _Out()
    tel = obs.telemetry
    s = _link(state, obs, out)
    s = _progress(setup, s, obs, out)
    s = _modes(setup, s, obs, out)
    s = _pilot(s, obs, out)
    if tel.in_air:
        s = replace(s, airborne=True)
    if s.link_ok and tel.in_air and tel.has_position:
        s = _watch_fence(setup, s, obs, out)
        s = _watch_energy(setup, s, obs, out)
    if s.link_ok and tel.in_air:
        s = _watch_progress(setup, s, obs, out)
        s = _watch_mission_end(setup, s, obs, out)
    goal = resolve(s, obs.traffic_hold)
    s = replace(s, goal=goal)
    if s.link_ok and tel.armed and tel.mode is not FlightMode.MANUAL:
        s = _reconcile(s, goal, obs, out)
    s = _returning(s, obs)
    if s.airborne and not tel.armed and not tel.in_air:
        s = replace(s, landed=True)
    fence_m = s.fence.clearance_m if s.fence is not None else math.nan
    return Step(s, tuple(out.sends), tuple(out.events), Display(fence_m, s.link_ok, _doing(goal)))


def resolve(state: State, traffic_hold: bool) -> Goal:
    """Precedence: land > a monitor's return > hold > carry on (mission, or a return)."""
    if state.monitor is not None and state.monitor.command is Command.LAND:
        return state.monitor
    if state.course.command is Command.LAND:
        return state.course
    if state.monitor is not None:
        return state.monitor
    if state.pilot_hold:
        return Goal(Command.HOLD, Cause.PILOT, "the pilot holds it")
    if state.progress_hold is not None:
        return Goal(Command.HOLD, Cause.MONITOR, state.progress_hold.reason)
    if traffic_hold:
        return Goal(Command.HOLD, Cause.TRAFFIC, "holding for traffic")
    return state.course


# ---- what was observed ---------------------------------------------------------------------


def _link(s: State, obs: Observation, out: _Out) -> State:
    ok = obs.heard_age_s <= LINK_LOST_S
    if s.link_ok and not ok:
        out.events.append(
            Event("link lost", "the autopilot's failsafe returns the vehicle; watching")
        )
    elif ok and not s.link_ok:
        out.events.append(Event("link regained", "the supervisor watches again"))
    return replace(s, link_ok=ok)


def _progress(setup: Setup, s: State, obs: Observation, out: _Out) -> State:
    tel = obs.telemetry
    highest = max(s.highest_current, tel.mission_current) if tel.armed else s.highest_current
    reached = max(s.reached, tel.mission_reached)
    item, since = s.item, s.item_since_s
    if tel.mode is not FlightMode.MISSION or tel.mission_current != s.item:
        item, since = tel.mission_current, obs.t_s  # a pause is not a stall
    # the final return or landing is the current item: the mission's own way home (PX4 shows
    # it as a return mode, ArduPilot flies it in AUTO)
    started = s.return_item_started or (setup.returns and highest >= setup.last_item)
    return replace(
        s,
        highest_current=highest,
        reached=reached,
        item=item,
        item_since_s=since,
        return_item_started=started,
    )


def reached_item(state: State) -> int:
    """The highest item reached: the autopilot's report, or, where it sends none, one below the
    highest current item seen while armed (items are flown in order)."""
    return max(state.reached, state.highest_current - 1)


def _modes(setup: Setup, s: State, obs: Observation, out: _Out) -> State:
    tel = obs.telemetry
    if tel.mode is not s.mode:
        name = tel.mode_name or tel.mode.value
        out.events.append(Event("mode", f"{name} ({tel.mode.value})"))
        flying = tel.armed and tel.in_air
        # the mission's own last item (PX4 flies it in Return mode): not someone else's choice
        own_return = s.return_item_started and tel.mode.coming_home and s.asked is Command.RESUME
        taken = s.asked is not None and not s.asked.is_met_by(tel.mode) and not own_return
        if flying and s.confirmed and taken:
            s = _taken_over(s, name, out)
        s = replace(s, mode=tel.mode)
    unasked = (
        tel.mode.coming_home
        and s.asked not in (Command.RETURN, Command.LAND)
        and s.course.command is Command.RESUME
        and not s.return_item_started
    )
    if not unasked:
        return replace(s, unasked_since_s=None)
    if s.unasked_since_s is None:
        return replace(s, unasked_since_s=obs.t_s)
    if obs.t_s - s.unasked_since_s < AUTOPILOT_GRACE_S:
        return s
    command = Command.LAND if tel.mode is FlightMode.LAND else Command.RETURN
    name = tel.mode_name or tel.mode.value
    why = f"the autopilot switched to {name} on its own (a failsafe)"
    out.events.append(Event("autopilot", why))
    return replace(
        s,
        course=Goal(command, Cause.AUTOPILOT, why),
        unasked_since_s=None,
        ending=s.ending or Ending.AUTOPILOT,
    )


def _taken_over(s: State, name: str, out: _Out) -> State:
    """The vehicle left a mode the supervisor had asked for and seen: someone else chose it
    (another ground station, the sticks). A landing (asked, or wanted and not yet sent, as
    when the pilot's land came while the link was down), and a monitor's return, are asked
    again."""
    asked = s.asked
    what = asked.value if asked is not None else "command"
    landing = asked is Command.LAND or s.course.command is Command.LAND  # wanted, maybe unsent
    if landing or (asked is Command.RETURN and s.goal.cause in (Cause.MONITOR, Cause.MISSION_END)):
        out.events.append(Event("supervisor", f"{name} replaced the {what}: asking again"))
        return replace(s, confirmed=False, asked_at_s=-math.inf, tries=0)
    if asked is Command.HOLD:  # let go from elsewhere: the holds it met are over
        s = replace(s, pilot_hold=False, progress_hold=None)
    elif asked is Command.RETURN:  # back on the mission from elsewhere
        s = replace(s, course=MISSION_GOAL)
    out.events.append(Event("supervisor", f"{name} replaced the {what}"))
    return replace(s, asked=None, confirmed=False, tries=0)


def _pilot(s: State, obs: Observation, out: _Out) -> State:
    for command in obs.pilot:
        out.events.append(
            Event(f"pilot: {command.value}", f"at item {obs.telemetry.mission_current}")
        )
        s = replace(s, pilot=(*s.pilot, command))
        if s.course.command is Command.LAND and command is not PilotCommand.LAND:
            out.events.append(Event("supervisor", f"the landing stands: {s.course.reason}"))
        if command is PilotCommand.HOLD:
            s = replace(s, pilot_hold=True)
        elif command is PilotCommand.RESUME:
            s = _pilot_resume(s, obs, out)
        elif command is PilotCommand.RETURN:
            course = s.course
            if course.command is not Command.LAND:
                course = Goal(Command.RETURN, Cause.PILOT, "the pilot commanded a return")
            s = replace(s, course=course, pilot_hold=False, ending=s.ending or Ending.PILOT)
        else:
            s = replace(
                s,
                course=Goal(Command.LAND, Cause.PILOT, "the pilot commanded a landing"),
                pilot_hold=False,
                ending=s.ending or Ending.PILOT,
            )
    return s


def _pilot_resume(s: State, obs: Observation, out: _Out) -> State:
    course, ending = s.course, s.ending
    if course.command is Command.RETURN and course.cause in (Cause.PILOT, Cause.AUTOPILOT):
        course = MISSION_GOAL  # a landing, once begun, stands
        ending = None if ending in (Ending.PILOT, Ending.AUTOPILOT) else ending
    if s.monitor is not None:
        out.events.append(
            Event("supervisor", f"the {s.monitor.command.value} stands: {s.monitor.reason}")
        )
    return replace(
        s,
        course=course,
        ending=ending,
        pilot_hold=False,
        progress_hold=None,
        item_since_s=obs.t_s,
        force_resume=True,
    )


# ---- the rules -----------------------------------------------------------------------------


def _watch_fence(setup: Setup, s: State, obs: Observation, out: _Out) -> State:
    tel = obs.telemetry
    fence = setup.fence
    east_m, north_m = fence.frame.geodetic2enu(tel.lat_deg, tel.lon_deg)
    fix = Fix(
        obs.t_s, east_m, north_m, tel.vel_e_mps, tel.vel_n_mps, estimate.fix_sigma_m(tel.h_acc_m)
    )
    est = estimate.update(s.estimate, fix)
    target = corner = None
    if tel.mode is FlightMode.MISSION and 0 <= tel.mission_current < len(setup.targets):
        target = setup.targets[tel.mission_current]
        corner = next(
            (p for p in reversed(setup.targets[: tel.mission_current]) if p is not None), None
        )
    view = fence_view(fence, est, east_m, north_m, target, corner)
    s = replace(s, estimate=est, fence=view)
    decision = fence_decision(view, setup.margin_m)
    if decision is None:
        return s
    returning_s = obs.t_s - s.return_since_s if s.return_since_s is not None else 0.0
    landing = s.monitor is not None and s.monitor.command is Command.LAND
    beyond = view.clearance_m < setup.margin_m - view.tolerance_m or (
        view.raw_clearance_m < setup.margin_m - view.raw_tolerance_m
    )
    closing = view.closing_mps > CLOSING_MPS
    if returning_s >= ESCALATE_AFTER_S and beyond and closing and not landing:
        return _latch(
            s,
            Decision(
                Action.LAND,
                "fence",
                f"returning for {returning_s:.0f} s but still closing on the fence at "
                f"{view.closing_mps:.1f} m/s ({view.clearance_m:.1f} m from it): landing in place",
            ),
            out,
        )
    if s.monitor is None:
        return _latch(s, decision, out)
    return s


def _watch_energy(setup: Setup, s: State, obs: Observation, out: _Out) -> State:
    tel = obs.telemetry
    if s.monitor is not None or tel.mode.coming_home:
        return s  # already coming home: the rule cannot improve on it
    east_m, north_m = (
        (s.estimate.east_m, s.estimate.north_m)
        if s.estimate is not None
        else setup.fence.frame.geodetic2enu(tel.lat_deg, tel.lon_deg)
    )
    where, distance_m = min(
        ((name, math.hypot(east_m - e, north_m - n)) for name, e, n in setup.landings),
        key=lambda p: p[1],
    )
    decision = energy_decision(
        tel.battery_pct, tel.alt_rel_m, distance_m, setup.model, setup.cruise_speed_mps, where
    )
    return s if decision is None else _latch(s, decision, out)


def _watch_progress(setup: Setup, s: State, obs: Observation, out: _Out) -> State:
    if obs.telemetry.mode is not FlightMode.MISSION or s.progress_hold is not None:
        return s
    decision = progress_decision(s.item, obs.t_s - s.item_since_s, setup.allowances_s)
    if decision is None:
        return s
    out.events.append(Event(f"monitor: {decision.monitor}", decision.reason))
    return replace(s, progress_hold=decision, decisions=(*s.decisions, decision))


def _watch_mission_end(setup: Setup, s: State, obs: Observation, out: _Out) -> State:
    """A mission whose last item is reached without a return or landing hovers there until the
    battery failsafe: command the return it lacks."""
    tel = obs.telemetry
    done = reached_item(s) >= setup.last_item
    if setup.returns or not done or tel.mode.coming_home or s.course.command is not Command.RESUME:
        return replace(s, mission_end_since_s=None)
    if s.mission_end_since_s is None:
        return replace(s, mission_end_since_s=obs.t_s)
    if obs.t_s - s.mission_end_since_s < MISSION_END_GRACE_S:
        return s
    why = "the mission ended without a return or a landing: returning"
    out.events.append(Event("supervisor", why))
    return replace(
        s,
        course=Goal(Command.RETURN, Cause.MISSION_END, why),
        ending=s.ending or Ending.NO_RETURN,
    )


def _latch(s: State, decision: Decision, out: _Out) -> State:
    command = Command.LAND if decision.action is Action.LAND else Command.RETURN
    out.events.append(Event(f"monitor: {decision.monitor}", decision.reason))
    return replace(
        s,
        monitor=Goal(command, Cause.MONITOR, decision.reason),
        decisions=(*s.decisions, decision),
        ending=s.ending or (None if s.return_item_started else Ending.MONITOR),
    )


# ---- acting ----------------------------------------------------------------------------------


def _reconcile(s: State, goal: Goal, obs: Observation, out: _Out) -> State:
    """Send `goal`'s command unless it is being carried out; retry it, or escalate."""
    command, mode = goal.command, obs.telemetry.mode
    s = replace(s, pending=tuple((c, t) for c, t in s.pending if not c.is_met_by(mode)))
    sent_s = dict(s.pending).get(command)
    if sent_s is not None and s.asked is not command and obs.t_s - sent_s < RESEND_S:
        # sent a moment ago for another reason, and not taken yet: it counts as this ask
        return replace(s, asked=command, asked_at_s=sent_s, confirmed=False, tries=1)
    if command.is_met_by(mode):
        fresh = s.asked is not command
        return replace(
            s,
            asked=command,
            asked_at_s=obs.t_s if fresh else s.asked_at_s,
            confirmed=True,
            tries=0,
            force_resume=False,
        )
    if s.asked is command and not s.confirmed:
        if obs.t_s - s.asked_at_s < RESEND_S:
            return s  # sent a moment ago: the mode has not caught up yet
        if s.tries >= MAX_TRIES and command is not Command.LAND:  # a landing is never given up
            return _not_taken(s, command, out)
        out.events.append(Event("supervisor", f"{command.value} not taken yet: sending again"))
        out.sends.append(Send(command, goal.reason))
        return replace(s, asked_at_s=obs.t_s, tries=s.tries + 1, pending=_sent(s, command, obs))
    if command is Command.RESUME and not s.force_resume and s.asked in (None, Command.RESUME):
        return s  # someone else chose the mode: the mission is not forced back on
    out.events.append(Event("command", f"{command.value}: {goal.reason}", say=False))
    out.sends.append(Send(command, goal.reason))
    return replace(
        s,
        asked=command,
        asked_at_s=obs.t_s,
        tries=1,
        confirmed=False,
        force_resume=False,
        pending=_sent(s, command, obs),
    )


def _sent(s: State, command: Command, obs: Observation) -> tuple[tuple[Command, float], ...]:
    return (*((c, t) for c, t in s.pending if c is not command), (command, obs.t_s))


def _not_taken(s: State, command: Command, out: _Out) -> State:
    if command is Command.RETURN:
        return _latch(
            s,
            Decision(
                Action.LAND,
                "supervisor",
                f"the return was not taken after {MAX_TRIES} attempts: landing in place",
            ),
            out,
        )
    if s.tries == MAX_TRIES:  # say it once, then leave it to the pilot
        out.events.append(
            Event("supervisor", f"{command.value} not taken after {MAX_TRIES} attempts")
        )
        return replace(s, tries=MAX_TRIES + 1)
    return s


def _returning(s: State, obs: Observation) -> State:
    coming = obs.telemetry.mode.coming_home or s.asked in (Command.RETURN, Command.LAND)
    if not coming:
        return replace(s, return_since_s=None)
    if s.return_since_s is None:
        return replace(s, return_since_s=obs.t_s)
    return s


def _doing(goal: Goal) -> str:
    return f"{goal.command.value} ({goal.cause.value})"


# ---- how it ended ----------------------------------------------------------------------------


def mission_done(setup: Setup, state: State) -> bool:
    """The mission was flown to its end: its own return began, or its last item was reached."""
    return state.return_item_started or reached_item(state) >= setup.last_item


def ending(setup: Setup, state: State) -> Ending:
    """How the flight ended, from what happened."""
    if state.ending is not None:
        return state.ending
    if mission_done(setup, state):
        return Ending.COMPLETED
    if state.pilot_hold or state.pilot:
        return Ending.PILOT
    return Ending.AUTOPILOT


def next_item(setup: Setup, state: State) -> int:
    """The first mission item not reached (past the end when the mission was flown)."""
    if mission_done(setup, state):
        return setup.last_item + 1
    return max(reached_item(state) + 1, 0)
