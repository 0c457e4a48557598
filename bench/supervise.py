"""The supervisor in the loop of the sans-IO simulator: seeded runs, false returns, missed
fly-aways, and the supervisor's step time.

No sockets and no MAVSDK: the simulator's autopilot (`sim.server.Simulation.step`, 50 Hz physics,
gusts, Gauss-Markov GPS noise) is stepped directly, and every 0.2 s of sim time the pure
supervisor is handed what telemetry would show (the GPS-reported position, the true velocity,
the mode, the mission's progress) and its commands are applied to the autopilot, as the flight
loop does over MAVLink. The autopilot's accuracy is not passed on (as over MAVSDK today), so
the supervisor assumes its default GPS error.

A noise run flies a whole sortie with GPS noise and gusts: any monitor decision is a false
return. A fly-away run adds, at a random time, a drift in a random direction that the autopilot
does not see (its estimate walks off, as `sim.physics` models it): the run is a miss when the
true position gets deeper into the margin than `MISS_DEPTH_M` before a return is commanded.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from geofence.mavlink import MavItem, fence_items, rally_items
from missions import plan_file
from missions.energy import VehicleModel
from missions.mission import Mission
from patrol import supervisor
from patrol.ending import Ending
from patrol.monitors import Decision
from patrol.supervisor import Command, Observation, Setup, Telemetry
from patrol.vehicle import FlightMode
from sim.autopilot import Autopilot
from sim.mission_transfer import MissionType, WireItem
from sim.px4 import FlightMode as SimMode
from sim.scenario import Scenario, VehicleSpec
from sim.server import Simulation

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"
TICK_S = 0.2
PHYSICS_DT_S = 0.02
#: A fly-away caught later than this deep into the margin (true position) counts as missed.
MISS_DEPTH_M = 6.0
_PEER = (255, 190)
_MODES = {
    SimMode.MANUAL: FlightMode.MANUAL,
    SimMode.POSITION: FlightMode.MANUAL,
    SimMode.HOLD: FlightMode.HOLD,
    SimMode.TAKEOFF: FlightMode.TAKEOFF,
    SimMode.MISSION: FlightMode.MISSION,
    SimMode.RETURN: FlightMode.RETURN,
    SimMode.LAND: FlightMode.LAND,
}


@dataclass(frozen=True, slots=True)
class Drift:
    at_s: float
    east_mps: float
    north_mps: float


@dataclass
class Run:
    """What one supervised flight did."""

    decisions: tuple[Decision, ...] = ()
    sends: list[tuple[float, Command]] = field(default_factory=list)
    #: The true position's smallest clearance before the first return was commanded (after a
    #: drift began; for a noise run, over the whole flight).
    clearance_before_return_m: float = math.inf
    returned: bool = False
    landed_in_place: bool = False
    sim_s: float = 0.0
    ended: Ending | None = None  # None: still flying at `max_s`
    step_s: list[float] = field(default_factory=list)


def _wire(items: tuple[MavItem, ...], mission_type: int) -> list[WireItem]:
    def p(v: float | None) -> float:
        return math.nan if v is None else v

    return [
        WireItem(
            k,
            i.frame,
            i.command,
            0,
            1,
            p(i.param1),
            p(i.param2),
            p(i.param3),
            p(i.param4),
            round(i.x_lat_deg * 1e7),
            round(i.y_lon_deg * 1e7),
            i.z_alt_m,
            mission_type,
        )
        for k, i in enumerate(items)
    ]


def _upload(ap: Autopilot, items: list[WireItem], mission_type: int) -> None:
    ap.store.on_count(_PEER, len(items), mission_type, 0.0)
    for item in items:
        ap.store.on_item(_PEER, item, 0.0)


def _telemetry(ap: Autopilot, reached: int) -> Telemetry:
    e, n, up = ap.reported_position()
    where = ap.frame.enu2geodetic(e, n)
    b = ap.body
    return Telemetry(
        lat_deg=where.lat_deg,
        lon_deg=where.lon_deg,
        alt_rel_m=up,
        vel_e_mps=b.vel_e_mps,
        vel_n_mps=b.vel_n_mps,
        battery_pct=ap.battery.remaining * 100,
        mode=_MODES[ap.mode],
        mode_name=ap.mode.value,
        armed=ap.armed,
        in_air=not b.on_ground,
        mission_current=ap.store.current_seq,
        mission_reached=reached,
    )


def _apply(ap: Autopilot, command: Command) -> None:
    if command is Command.RESUME:
        ap.start_mission()
    else:
        ap.set_mode(
            {
                Command.RETURN: SimMode.RETURN,
                Command.LAND: SimMode.LAND,
                Command.HOLD: SimMode.HOLD,
            }[command]
        )


def fly_supervised(
    mission: Mission,
    model: VehicleModel,
    margin_m: float,
    *,
    seed: int,
    gps_sigma_m: float = 1.5,
    gust_mps: float = 3.0,
    drift: Drift | None = None,
    max_s: float = 3600.0,
) -> Run:
    """Fly `mission` in the sans-IO simulator with the supervisor in the loop."""
    scenario = Scenario(
        vehicles=(VehicleSpec(home=mission.home, gps_sigma_m=gps_sigma_m),),
        seed=seed,
        gust_mps=gust_mps,
    )
    sim = Simulation(scenario)
    ap = sim.vehicles[0].ap
    ap.params["GF_ACTION"] = 3.0  # as preflight sets the failsafes: return
    ap.params["RTL_RETURN_ALT"] = mission.cruise_alt_rel_m
    _upload(ap, _wire(fence_items(mission.fence), MissionType.FENCE), MissionType.FENCE)
    _upload(ap, _wire(rally_items(mission.rally), MissionType.RALLY), MissionType.RALLY)
    _upload(ap, _wire(mission.items, MissionType.MISSION), MissionType.MISSION)
    setup = Setup.for_mission(mission, model, margin_m)
    fence = setup.fence
    if ap.arm() is not None or ap.start_mission() is not None:
        raise RuntimeError("the simulator refused to fly the mission")
    state = supervisor.start(0.0)
    run = Run()
    reached = -1
    steps_per_tick = round(TICK_S / PHYSICS_DT_S)
    while sim.sim_time_s < max_s:
        for _ in range(steps_per_tick):
            if drift is not None and sim.sim_time_s >= drift.at_s and not run.returned:
                ap.body.drift_e_mps, ap.body.drift_n_mps = drift.east_mps, drift.north_mps
            sim.step(PHYSICS_DT_S)
        reached = max([reached, *ap.reached])
        ap.reached.clear()
        t_s = sim.sim_time_s
        observed = Observation(t_s, _telemetry(ap, reached))
        started = time.perf_counter()
        done = supervisor.step(setup, state, observed)
        run.step_s.append(time.perf_counter() - started)
        state = done.state
        watching = drift is None or t_s >= drift.at_s
        if watching and not run.returned and not ap.body.on_ground:
            true_m = fence.clearance_m(ap.body.east_m, ap.body.north_m)
            run.clearance_before_return_m = min(run.clearance_before_return_m, true_m)
        for send in done.sends:
            run.sends.append((t_s, send.command))
            run.returned = run.returned or send.command in (Command.RETURN, Command.LAND)
            run.landed_in_place = run.landed_in_place or send.command is Command.LAND
            _apply(ap, send.command)
        if state.landed:
            break
    run.decisions = state.decisions
    run.sim_s = sim.sim_time_s
    run.ended = supervisor.ending(setup, state) if state.landed else None
    return run


def _random_drift(rng: random.Random, flight_s: float) -> Drift:
    heading = rng.uniform(0.0, 2 * math.pi)
    speed = rng.uniform(1.0, 4.0)
    return Drift(
        rng.uniform(60.0, 0.7 * flight_s), speed * math.sin(heading), speed * math.cos(heading)
    )


@dataclass(frozen=True, slots=True)
class Rates:
    name: str
    seeds: int
    false_returns: int  # the fence rule tripped on noise and gusts
    other_returns: int  # another rule acted in a noise run (energy: gusts cost power)
    missed: int
    landed_after_return: int
    worst_depth_m: float  # deepest into the margin (true) before a return, over fly-away runs
    median_depth_m: float
    step_s: tuple[float, ...]


def rates(spec: str, seeds: int, *, gps_sigma_m: float = 1.5, gust_mps: float = 3.0) -> Rates:
    """Noise runs and fly-away runs of the first sortie of `spec`, seeds 0..seeds-1."""
    planned = plan_file(EXAMPLES / spec)
    mission, model, margin_m = planned.missions[0], planned.spec.vehicle, planned.spec.margin_m
    false_returns, other_returns, missed, landed = 0, 0, 0, 0
    depths: list[float] = []
    step_s: list[float] = []
    for seed in range(seeds):
        quiet = fly_supervised(
            mission, model, margin_m, seed=seed, gps_sigma_m=gps_sigma_m, gust_mps=gust_mps
        )
        false_returns += any(d.monitor == "fence" for d in quiet.decisions)
        other_returns += any(d.monitor != "fence" for d in quiet.decisions)
        step_s += quiet.step_s
        drift = _random_drift(random.Random(seed), quiet.sim_s)
        away = fly_supervised(
            mission,
            model,
            margin_m,
            seed=seed,
            gps_sigma_m=gps_sigma_m,
            gust_mps=gust_mps,
            drift=drift,
        )
        depth = margin_m - away.clearance_before_return_m
        depths.append(depth)
        missed += (not away.returned) or depth > MISS_DEPTH_M
        landed += away.landed_in_place
    return Rates(
        spec,
        seeds,
        false_returns,
        other_returns,
        missed,
        landed,
        max(depths),
        statistics.median(depths),
        tuple(step_s),
    )


def percentile(values: list[float] | tuple[float, ...], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(seeds: int = 20) -> None:
    print("supervisor in the simulator's loop: GPS sigma 1.5 m (5 s correlation), gusts 3 m/s")
    for spec in ("patrol.toml", "perimeter.toml"):
        r = rates(spec, seeds)
        print(
            f"  {spec}: {r.false_returns}/{r.seeds} false fence returns ({r.other_returns} by "
            f"other rules); fly-aways (1-4 m/s, random "
            f"heading and time) {r.missed}/{r.seeds} missed (> {MISS_DEPTH_M:g} m into the "
            f"margin before the return), depth at the return median {r.median_depth_m:.1f} m, "
            f"worst {r.worst_depth_m:.1f} m; landed in place after the return "
            f"{r.landed_after_return}"
        )
        print(
            f"    supervisor step: median {statistics.median(r.step_s) * 1e6:.0f} us, "
            f"p99 {percentile(r.step_s, 0.99) * 1e6:.0f} us"
        )
