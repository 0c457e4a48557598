"""Room to turn: a route's sharp turns moved back from the margin by what the autopilot overshoots.

An autopilot flying into a sharp turn (a lane end, a corner of the perimeter loop) runs on past
the waypoint before it comes round: the real PX4 SITL ran 1.5 m past a lane end planned at the
margin at 8 m/s on an idle machine and 4.8 m on a loaded one, deep enough for the controller's
fence monitor to call a return. The margin is the pilot's buffer from the fence, so it is kept by
the path flown, not only by the waypoints: a turn whose straight run-on (`OVERSHOOT_S` of flight
at cruise speed) would leave the free space is moved back along its incoming leg by that much,
so the run-on ends where the waypoint was. Gentle turns and hot-spots are left as planned.
"""

from __future__ import annotations

import math

from missions.route import LegKind, Point2, Waypoint
from missions.routing import Router

#: How long the autopilot runs on past a sharp turn, flown at cruise speed (PX4 SITL, loaded
#: machine: 4.8 m at 6 and at 8 m/s; this allows 6 and 8 m).
OVERSHOOT_S = 1.0
#: Turns sharper than this are where an autopilot slows and runs on.
SHARP_TURN_DEG = 30.0
#: At most this many passes over a route: a moved turn changes its neighbours' turns.
PASSES = 4
#: How far on along its next leg a turn may move, in run-ons (at most half that leg).
ON_STEPS = (1.0, 1.5, 2.0, 3.0)
#: Where the whole run-on cannot be kept in, the shares of it tried back along the incoming leg.
PARTIAL_STEPS = (0.75, 0.5, 0.25)


def overshoot_m(speed_mps: float) -> float:
    """How far past a sharp turn the vehicle may run at `speed_mps`."""
    return speed_mps * OVERSHOOT_S


def pulled_in(
    route: list[Waypoint], router: Router, start: Point2, run_on_m: float
) -> list[Waypoint]:
    """`route` (flown from `start`) with each sharp turn whose run-on leaves the free space moved
    in: back along its incoming leg or on along its next (a lane's end only back, its start only
    on, so every lane stays on its line), by at most half the leg, wherever the moved turn's legs
    and run-on are clear. Moving a turn changes its neighbours' turns, so passes repeat until
    none moves (each turn moved from where it was planned, never further)."""
    out = list(route)
    if run_on_m <= 0:
        return out
    for _ in range(PASSES):
        changed = False
        for k in range(len(out) - 1):
            if route[k].loiter_s > 0 or route[k].kind is LegKind.HOTSPOT:
                continue  # a hot-spot is where the camera must be, flown through or held at
            here = out[k - 1].xy if k else start
            # always from where the turn was planned, so moves never add up
            w = _moved(here, route[k], out[k + 1], router, run_on_m)
            if w == out[k] or (w == route[k] and _keeps(here, out[k], out[k + 1], router)):
                continue  # a turn once moved stays so while its legs are clear
            if router.is_clear(here, w.xy) and router.is_clear(w.xy, out[k + 1].xy):
                out[k], changed = w, True
        if not changed:
            break
    return out


def _moved(here: Point2, w: Waypoint, nxt: Waypoint, router: Router, run_on_m: float) -> Waypoint:
    u, leg_m = _unit(here, w.xy)
    v, out_m = _unit(w.xy, nxt.xy)
    if leg_m == 0 or out_m == 0 or u[0] * v[0] + u[1] * v[1] > _SHARP_COS:
        return w
    if router.is_clear(w.xy, _ahead(w.xy, u, run_on_m)):
        return w
    back = _ahead(w.xy, u, -min(run_on_m, leg_m / 2))
    # moving on along the next leg turns the incoming leg too: further on, its run-on may clear
    on = tuple(
        _ahead(w.xy, v, min(f * run_on_m, out_m / 2)) for f in ON_STEPS if f * run_on_m < out_m
    )
    # a lane is flown on its own line (the lanes' spacing is what the camera needs): its end
    # moves back along it, its start on along it, or neither moves
    if nxt.kind is LegKind.LANE:
        tries: tuple[Point2, ...] = on
    elif w.kind is LegKind.LANE:
        tries = (back,)
    else:
        tries = (back, *on)
    for at in tries:
        u_at, _ = _unit(here, at)
        if (
            router.is_clear(here, at)
            and router.is_clear(at, nxt.xy)
            and router.is_clear(at, _ahead(at, u_at, run_on_m))
        ):
            return Waypoint(at[0], at[1], w.kind, w.loiter_s)
    if nxt.kind is LegKind.LANE:
        return w
    # no room to cut the whole corner (a short leg, a neck): keep in what part of the run-on fits
    back_m = min(run_on_m, leg_m / 2)
    for f in (1.0, *PARTIAL_STEPS):
        at = _ahead(w.xy, u, -f * back_m)
        if router.is_clear(at, nxt.xy):
            return Waypoint(at[0], at[1], w.kind, w.loiter_s)
    return w


def _keeps(here: Point2, w: Waypoint, nxt: Waypoint, router: Router) -> bool:
    return router.is_clear(here, w.xy) and router.is_clear(w.xy, nxt.xy)


_SHARP_COS = math.cos(math.radians(SHARP_TURN_DEG))


def _unit(a: Point2, b: Point2) -> tuple[Point2, float]:
    length_m = math.dist(a, b)
    if length_m == 0:
        return (0.0, 0.0), 0.0
    return ((b[0] - a[0]) / length_m, (b[1] - a[1]) / length_m), length_m


def _ahead(p: Point2, u: Point2, distance_m: float) -> Point2:
    return (p[0] + u[0] * distance_m, p[1] + u[1] * distance_m)
