"""The supervisor as a pure function: precedence, escalation, endings, and properties over
random flights (hypothesis): telemetry, holds, pilot commands, link drops, ignored commands,
modes changed elsewhere, stalls and fly-aways."""

import math
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geofence.fence import Fence, FencePolygon
from geofence.frames import LatLon, LocalFrame
from missions.energy import VehicleModel
from patrol import supervisor
from patrol.ending import Ending
from patrol.monitors import (
    BATTERY_STEP_PCT,
    MARGIN_TOLERANCE_M,
    TOLERANCE_SIGMAS,
    energy_needed_pct,
)
from patrol.pilot import PilotCommand
from patrol.supervisor import (
    ESCALATE_AFTER_S,
    RESEND_S,
    Cause,
    Command,
    Observation,
    Setup,
    Telemetry,
)
from patrol.vehicle import FlightMode

HOME = LatLon(16.5424, 104.7246)
FRAME = LocalFrame(HOME)
HALF_M = 200.0  # a 400 m square fence around home
MARGIN_M = 10.0
H_ACC_M = 0.5  # the autopilot's reported accuracy: the fix is exact, the error is known
TICK_S = 0.2
#: The fence rule's tolerance with this accuracy, once the filter has averaged (it is larger
#: right after a restart: the property allows for the largest).
MAX_TOLERANCE_M = MARGIN_TOLERANCE_M + TOLERANCE_SIGMAS * H_ACC_M
_MODE_OF = {
    Command.LAND: FlightMode.LAND,
    Command.RETURN: FlightMode.RETURN,
    Command.HOLD: FlightMode.HOLD,
    Command.RESUME: FlightMode.MISSION,
}


def _setup(last_item: int = 9, returns: bool = True) -> Setup:
    corners = [(-HALF_M, -HALF_M), (-HALF_M, HALF_M), (HALF_M, HALF_M), (HALF_M, -HALF_M)]
    vertices = tuple(FRAME.enu2geodetic(e, n) for e, n in corners)
    fence = Fence((FencePolygon.clockwise(vertices, inclusion=True),), margin_m=MARGIN_M)
    return Setup(
        fence.in_frame(FRAME),
        MARGIN_M,
        VehicleModel(),
        8.0,
        (120.0,) * (last_item + 1),
        (("home", 0.0, 0.0), ("rally point 1", 150.0, 150.0)),
        last_item,
        returns,
    )


SETUP = _setup()


def _telemetry(east_m, north_m, vel_e=0.0, vel_n=0.0, **kw) -> Telemetry:
    p = FRAME.enu2geodetic(east_m, north_m)
    base = {
        "lat_deg": p.lat_deg,
        "lon_deg": p.lon_deg,
        "alt_rel_m": 40.0,
        "vel_e_mps": vel_e,
        "vel_n_mps": vel_n,
        "battery_pct": 90.0,
        "h_acc_m": H_ACC_M,
        "mode": FlightMode.MISSION,
        "armed": True,
        "in_air": True,
        "mission_current": 2,
    }
    return Telemetry(**(base | kw))


def _run(ticks, setup=SETUP):
    """Feed (telemetry, pilot, traffic) ticks; returns the steps."""
    state = supervisor.start(0.0)
    steps = []
    for k, (tel, pilot, traffic) in enumerate(ticks):
        done = supervisor.step(setup, state, Observation(k * TICK_S, tel, 0.0, pilot, traffic))
        steps.append(done)
        state = done.state
    return steps


# ---- precedence and the holes of the old loop ---------------------------------------------------


def test_a_pilot_hold_does_not_switch_the_fence_monitor_off():
    hold = [(_telemetry(0, 0), (PilotCommand.HOLD,), False)]
    held = [(_telemetry(0, 0, mode=FlightMode.HOLD), (), False)] * 10
    out = [(_telemetry(195.5, 0, mode=FlightMode.HOLD), (), False)]  # 4.5 m from the fence
    steps = _run(hold + held + out)
    assert steps[0].sends[0].command is Command.HOLD
    assert steps[-1].state.goal.command is Command.RETURN
    assert [s.command for s in steps[-1].sends] == [Command.RETURN]


def test_precedence_land_over_return_over_hold_over_continue():
    tel = _telemetry(0, 0)
    state = replace(supervisor.start(0.0), pilot_hold=True)
    assert supervisor.resolve(state, traffic_hold=False).command is Command.HOLD
    assert supervisor.resolve(replace(state, pilot_hold=False), True).cause is Cause.TRAFFIC
    monitor = supervisor.Goal(Command.RETURN, Cause.MONITOR, "fence")
    assert supervisor.resolve(replace(state, monitor=monitor), True) is monitor
    land = supervisor.Goal(Command.LAND, Cause.PILOT, "pilot")
    both = replace(state, monitor=monitor, course=land)
    assert supervisor.resolve(both, True) is land
    assert supervisor.resolve(supervisor.start(0.0), False).command is Command.RESUME
    assert tel.mode is FlightMode.MISSION


def test_the_pilot_cannot_cancel_a_monitor_return():
    out = [(_telemetry(195.5, 0), (), False)]
    returning = [(_telemetry(150.0, 0, mode=FlightMode.RETURN), (), False)] * 3
    resume = [(_telemetry(150.0, 0, mode=FlightMode.RETURN), (PilotCommand.RESUME,), False)]
    steps = _run(out + returning + resume + returning)
    assert all(s.state.goal.command is Command.RETURN for s in steps)
    assert steps[-1].sends == ()
    assert any("stands" in e.detail for e in steps[len(out + returning)].events)


def test_the_pilot_can_take_back_his_own_return():
    ticks = [
        (_telemetry(0, 0), (PilotCommand.RETURN,), False),
        (_telemetry(0, 0, mode=FlightMode.RETURN), (), False),
        (_telemetry(0, 0, mode=FlightMode.RETURN), (PilotCommand.RESUME,), False),
    ]
    steps = _run(ticks)
    assert [s.command for s in steps[0].sends] == [Command.RETURN]
    assert [s.command for s in steps[2].sends] == [Command.RESUME]
    assert steps[2].state.ending is None


def test_an_ignored_return_is_sent_again_then_escalated_to_landing():
    tel = _telemetry(195.5, 0)  # the vehicle never leaves mission mode
    steps = _run([(tel, (), False)] * int((RESEND_S * 4) / TICK_S + 5))
    sent = [s.command for st_ in steps for s in st_.sends]
    assert sent[:4] == [Command.RETURN] * 3 + [Command.LAND]
    assert set(sent[4:]) <= {Command.LAND}  # a landing is asked again, never given up


def test_energy_counts_the_nearest_rally_point():
    to_rally = energy_needed_pct(SETUP.model, math.hypot(20.0, 20.0), 40.0, 8.0)
    to_home = energy_needed_pct(SETUP.model, math.hypot(170.0, 170.0), 40.0, 8.0)
    assert to_rally + 0.5 < to_home
    rally_side = _telemetry(170.0, 170.0, battery_pct=(to_rally + to_home) / 2)
    steps = _run([(rally_side, (), False)])
    assert steps[0].state.goal.command is Command.RESUME  # the rally point is 28 m away
    # below what getting to the rally point needs by more than a whole-per-cent reading's step
    low = _telemetry(170.0, 170.0, battery_pct=to_rally - BATTERY_STEP_PCT - 0.1)
    assert "rally point 1" in _run([(low, (), False)])[0].state.goal.reason


def test_the_autopilots_return_waits_for_the_missions_progress():
    # mode switches to return before the mission's progress shows its own return item
    ticks = [(_telemetry(0, 0, mode=FlightMode.RETURN, mission_current=8), (), False)] * 3
    ticks += [(_telemetry(0, 0, mode=FlightMode.RETURN, mission_current=9), (), False)] * 20
    steps = _run(ticks)
    assert steps[-1].state.ending is None
    assert steps[-1].state.return_item_started
    landed = replace(ticks[-1][0], armed=False, in_air=False, mission_current=0)
    last = supervisor.step(SETUP, steps[-1].state, Observation(99.0, landed))
    assert last.state.landed
    assert supervisor.ending(SETUP, last.state) is Ending.COMPLETED
    assert supervisor.next_item(SETUP, last.state) == SETUP.last_item + 1


def test_an_unexplained_return_is_the_autopilots():
    ticks = [(_telemetry(0, 0, mode=FlightMode.RETURN, mission_current=4), (), False)] * 20
    steps = _run(ticks)
    assert steps[-1].state.ending is Ending.AUTOPILOT
    assert all(s.sends == () for s in steps)


# ---- properties over random flights ---------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    ticks: int
    vel_e_mps: float
    vel_n_mps: float
    pilot: PilotCommand | None
    traffic_hold: bool
    link_ok: bool
    obeys: bool  # the vehicle carries out commands during this segment
    elsewhere: FlightMode | None  # a mode someone else chooses at the segment's start
    battery_drop_pct: float


segments = st.builds(
    Segment,
    st.integers(1, 60),
    st.floats(-12, 12),
    st.floats(-12, 12),
    st.none() | st.sampled_from(PilotCommand),
    st.booleans(),
    st.booleans() | st.just(True),
    st.booleans() | st.just(True),
    st.none() | st.sampled_from([FlightMode.HOLD, FlightMode.MISSION, FlightMode.RETURN]),
    st.floats(0, 8),
)


@dataclass
class World:
    """A vehicle whose motion is scripted and whose mode follows the commands it obeys."""

    east_m: float = 0.0
    north_m: float = 0.0
    vel_e: float = 0.0
    vel_n: float = 0.0
    mode: FlightMode = FlightMode.MISSION
    battery_pct: float = 95.0
    trace: list = field(default_factory=list)


def _fly_world(plan: list[Segment]):
    world = World()
    state = supervisor.start(0.0)
    t = 0.0
    heard_s = 0.0
    for seg in plan:
        if seg.elsewhere is not None:
            world.mode = seg.elsewhere
        world.battery_pct = max(0.0, world.battery_pct - seg.battery_drop_pct)
        for k in range(seg.ticks):
            t += TICK_S
            # trapezoid motion, as the filter integrates it: the filter then sits on the truth
            world.east_m += 0.5 * (world.vel_e + seg.vel_e_mps) * TICK_S
            world.north_m += 0.5 * (world.vel_n + seg.vel_n_mps) * TICK_S
            world.vel_e, world.vel_n = seg.vel_e_mps, seg.vel_n_mps
            if seg.link_ok:
                heard_s = t
            tel = _telemetry(
                world.east_m,
                world.north_m,
                world.vel_e,
                world.vel_n,
                mode=world.mode,
                battery_pct=world.battery_pct,
            )
            pilot = (seg.pilot,) if seg.pilot is not None and k == 0 else ()
            obs = Observation(t, tel, t - heard_s, pilot, seg.traffic_hold)
            done = supervisor.step(SETUP, state, obs)
            world.trace.append((obs, done, state))
            state = done.state
            if seg.obeys:
                for send in done.sends:
                    world.mode = _MODE_OF[send.command]
    return world


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(segments, min_size=1, max_size=12))
def test_past_the_margin_a_return_or_a_landing_is_wanted_and_sent(plan):
    world = _fly_world(plan)
    last_sent: dict[Command, float] = {}
    for obs, done, _before in world.trace:
        for send in done.sends:
            last_sent[send.command] = obs.t_s
        tel = obs.telemetry
        if obs.heard_age_s > supervisor.LINK_LOST_S:
            continue
        e, n = FRAME.geodetic2enu(tel.lat_deg, tel.lon_deg)
        clearance = SETUP.fence.clearance_m(e, n)
        if clearance < MARGIN_M - MAX_TOLERANCE_M - 1e-6:
            assert done.state.goal.command in (Command.RETURN, Command.LAND), clearance
        goal = done.state.goal
        if goal.cause is Cause.MONITOR and not goal.command.is_met_by(tel.mode):
            sent = [last_sent.get(c, -math.inf) for c in (goal.command, Command.LAND)]
            assert obs.t_s - max(sent) <= RESEND_S + 2 * TICK_S + 1e-9


@PROPERTY
@given(st.lists(segments, min_size=1, max_size=12))
def test_the_energy_rule_holds_in_hold(plan):
    world = _fly_world(plan)
    for obs, done, _before in world.trace:
        tel = obs.telemetry
        if obs.heard_age_s > supervisor.LINK_LOST_S or tel.mode is not FlightMode.HOLD:
            continue
        e, n = FRAME.geodetic2enu(tel.lat_deg, tel.lon_deg)
        nearest_m = min(math.hypot(e - x, n - y) for _name, x, y in SETUP.landings)
        needed = energy_needed_pct(SETUP.model, nearest_m, tel.alt_rel_m, 8.0)
        if tel.battery_pct < needed - 1e-6:
            assert done.state.goal.command in (Command.RETURN, Command.LAND)


@PROPERTY
@given(st.lists(segments, min_size=1, max_size=12))
def test_nothing_is_commanded_twice_needlessly(plan):
    world = _fly_world(plan)
    sent_at: dict[Command, float] = {}
    met_since: dict[Command, bool] = {}
    for obs, done, _before in world.trace:
        mode = obs.telemetry.mode
        for command in list(met_since):
            met_since[command] = met_since[command] or command.is_met_by(mode)
        for send in done.sends:
            assert not send.command.is_met_by(mode)  # it is already doing it
            previous = sent_at.get(send.command)
            if previous is not None and not met_since[send.command]:
                assert obs.t_s - previous >= RESEND_S - 1e-9  # not taken yet: not so soon
            sent_at[send.command] = obs.t_s
            met_since[send.command] = False


@PROPERTY
@given(st.lists(segments, min_size=1, max_size=12))
def test_precedence_holds_and_a_monitor_return_stands(plan):
    world = _fly_world(plan)
    monitor_seen = False
    landing = False
    for obs, done, _before in world.trace:
        goal = done.state.goal
        if PilotCommand.LAND in obs.pilot:
            landing = True
        if landing:
            assert goal.command is Command.LAND  # nothing outranks a landing
        if monitor_seen:
            assert goal.command in (Command.RETURN, Command.LAND)  # the pilot cannot undo it
        if done.state.monitor is not None:
            monitor_seen = True
            assert goal.command in (Command.RETURN, Command.LAND)  # above every hold


def test_a_landing_asked_while_the_link_was_down_stands_when_the_mode_changes_elsewhere():
    """Found by the property above: returning, the pilot asks for a landing while the link is
    down; when the link comes back the vehicle is in hold (set elsewhere). The landing, wanted
    and not yet sent, must still be the goal, not the mission."""
    quiet = Segment(1, 0.0, 0.0, None, False, False, False, None, 0.0)
    plan = [quiet] * 5 + [
        Segment(1, 0.0, 0.0, PilotCommand.RETURN, False, False, True, None, 0.0),
        Segment(8, 0.0, 0.0, None, False, False, True, None, 0.0),
        Segment(1, 0.0, 0.0, PilotCommand.LAND, False, False, False, None, 0.0),
        Segment(1, 0.0, 0.0, None, False, True, True, FlightMode.HOLD, 0.0),
    ]
    test_precedence_holds_and_a_monitor_return_stands.hypothesis.inner_test(plan)


@PROPERTY
@given(st.lists(segments, min_size=1, max_size=12), st.floats(1.0, 6.0))
def test_a_return_that_does_not_stop_a_fly_away_becomes_a_landing(plan, drift_mps):
    """After the random prelude, the vehicle obeys but keeps drifting east out of the fence."""
    world = _fly_world(plan)
    state = world.trace[-1][1].state
    t = world.trace[-1][0].t_s
    east_m, north_m = 0.0, max(-150.0, min(150.0, world.north_m))  # from well inside
    mode = world.mode
    returned_at = None
    for _ in range(int(600 / TICK_S)):
        t += TICK_S
        east_m += drift_mps * TICK_S
        tel = _telemetry(east_m, north_m, drift_mps, 0.0, mode=mode)
        done = supervisor.step(SETUP, state, Observation(t, tel, 0.0))
        state = done.state
        for send in done.sends:
            mode = _MODE_OF[send.command]
        if state.goal.command is Command.LAND:
            break
        if mode.coming_home and returned_at is None:
            returned_at = t
    assert state.goal.command is Command.LAND
    clearance = SETUP.fence.clearance_m(east_m, north_m)
    assert clearance > MARGIN_M - MAX_TOLERANCE_M - drift_mps * (ESCALATE_AFTER_S + 1.0) - 3.0
