"""Sorties: cut a patrol into flights that each get home with the battery reserve intact.

Each sortie takes off at home, transits to where the last one stopped, works, and returns along a
routed path. The cut is placed at the last waypoint from which the way home still fits the
sortie's energy (battery less the reserve and `energy.SORTIE_MARGIN_PCT`). The way home is measured
along the routed path whenever the straight line is not clearly enough.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missions import energy
from missions.energy import Cost, VehicleModel
from missions.errors import PlanningError
from missions.route import LegKind, Point2, Waypoint, path_length_m
from missions.routing import Router

#: A routed way home is at most this much longer than the straight line before it is routed.
_DETOUR_ALLOWANCE = 1.5
#: Joining an earlier way home: how many vertices to try, and how much longer than the straight
#: line the joined path may be before a fresh route is searched instead.
_JOIN_TRIES = 8
_JOIN_SLACK = 1.3


@dataclass(frozen=True, slots=True)
class Sortie:
    """One flight: waypoints after take-off up to home (last), with length, time and energy."""

    waypoints: tuple[Waypoint, ...]
    first_work_index: int
    work_count: int
    length_m: float
    cost: Cost


@dataclass
class _Flight:
    """A sortie being built, with its running cost."""

    model: VehicleModel
    speed_mps: float
    points: list[Waypoint]
    cost: Cost

    def delta(self, wp: Waypoint) -> Cost:
        """What flying on to `wp` (and loitering there) adds."""
        last = self.points[-1]
        cost = energy.cruise(self.model, math.dist(last.xy, wp.xy), self.speed_mps)
        if len(self.points) >= 2:
            bend = energy.deflection_rad(self.points[-2].xy, last.xy, wp.xy)
            cost += energy.turn(self.model, bend, self.speed_mps)
        if wp.loiter_s > 0:
            cost += energy.hover(self.model, wp.loiter_s)
        return cost

    def add(self, wp: Waypoint) -> None:
        self.cost += self.delta(wp)
        self.points.append(wp)


class SortiePlanner:
    """Splits a work route into sorties for one vehicle model, altitude and speed."""

    def __init__(
        self,
        router: Router,
        home: Point2,
        entry: Point2,
        model: VehicleModel,
        *,
        alt_rel_m: float,
        speed_mps: float,
    ) -> None:
        self.router = router
        self.home = home
        self.entry = entry
        self.model = model
        self.alt_rel_m = alt_rel_m
        self.speed_mps = speed_mps
        self._home_path: dict[Point2, list[Point2]] = {}
        self._known: list[list[Point2]] = []  # routed paths to the entry, to join onto
        self._via: list[tuple[float, float, float, int, int]] = []  # x, y, rest, path, vertex

    def path_home(self, p: Point2) -> list[Point2]:
        """Routed path p -> home (through the free-space entry when home lies in the margin)."""
        if p not in self._home_path:
            path = self._to_entry(p)
            if self.entry != self.home:
                path = [*path, self.home]
            self._home_path[p] = path
        return self._home_path[p]

    def _to_entry(self, p: Point2) -> list[Point2]:
        """A path p -> entry inside the free space: joined onto an earlier one when p sees a
        vertex of it (neighbouring waypoints share most of their way home), else routed."""
        if self._via:
            via = np.asarray(self._via)
            cost = np.hypot(via[:, 0] - p[0], via[:, 1] - p[1]) + via[:, 2]
            direct = math.dist(p, self.entry)
            for k in np.argsort(cost)[:_JOIN_TRIES]:
                if cost[k] > _JOIN_SLACK * direct + 50.0:
                    break
                x, y, _rest, path_index, vertex = self._via[int(k)]
                if self.router.is_clear(p, (x, y)):
                    return [p, *self._known[path_index][vertex:]]
        path = self.router.route(p, self.entry)
        self._remember(path)
        return path

    def _remember(self, path: list[Point2]) -> None:
        rest_m = 0.0
        index = len(self._known)
        self._known.append(path)
        for vertex in range(len(path) - 1, 0, -1):
            x, y = path[vertex]
            self._via.append((x, y, rest_m, index, vertex))
            rest_m += math.dist(path[vertex - 1], path[vertex])

    def _land(self) -> Cost:
        return energy.descend(self.model, self.alt_rel_m) + energy.turn(
            self.model, math.pi, self.speed_mps
        )

    def _fits(self, used: Cost, p: Point2, detour: float | None) -> bool:
        """Whether the way home from p fits: along the routed path (detour None) or along the
        straight line stretched by `detour` (1.0 is a bound no route can beat)."""
        distance_m = (
            path_length_m(self.path_home(p)) if detour is None else detour * math.dist(p, self.home)
        )
        ret = energy.cruise(self.model, distance_m, self.speed_mps) + self._land()
        return (used + ret).energy_wh <= self.model.sortie_wh

    def _start(self, resume: Point2 | None, target: Point2) -> _Flight:
        """Take off and fly towards `target`, stopping short of it (the caller adds it)."""
        flight = _Flight(
            self.model,
            self.speed_mps,
            [Waypoint(*self.home, LegKind.DEPART)],
            energy.climb(self.model, self.alt_rel_m),
        )
        path = [self.home] if self.entry != self.home else []
        path += self._to_entry(resume if resume is not None else target)[::-1]
        if resume is None:
            path.pop()
        for east_m, north_m in path[1:]:
            flight.add(Waypoint(east_m, north_m, LegKind.DEPART))
        return flight

    def split(self, work: list[Waypoint]) -> list[Sortie]:
        """Sorties that fly `work` in order; a lane or loop leg cut by a battery change is flown
        again whole from its start.

        Each cut is the last waypoint from which the routed way home still fits. Routing is the
        costly part, so it is done only between the last waypoint that surely fits (straight line
        stretched by a generous detour) and the first that surely does not (straight line), by
        bisection, and the chosen cut is always checked along its routed path.
        """
        sorties: list[Sortie] = []
        i = 0
        while i < len(work):
            resume = work[i - 1].xy if i > 0 and work[i].kind is not LegKind.TRANSIT else None
            flight = self._start(resume, work[i].xy)
            used = self._running_costs(flight, work, i)
            sure, hopeless = i - 1, len(used) + i
            for j in range(i, i + len(used)):
                if self._fits(used[j - i], work[j].xy, _DETOUR_ALLOWANCE):
                    sure = j
                if not self._fits(used[j - i], work[j].xy, 1.0):
                    hopeless = j
                    break
            lo, hi = i - 1, hopeless  # fits at lo (or lo < i), not at hi
            if sure >= i and self._fits(used[sure - i], work[sure].xy, None):
                lo = sure
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self._fits(used[mid - i], work[mid].xy, None):
                    lo = mid
                else:
                    hi = mid
            if lo < i:
                raise PlanningError(self._too_far(work[i]))
            for wp in work[i : lo + 1]:
                flight.add(wp)
            sorties.append(self._finish(flight, i, lo + 1 - i))
            i = lo + 1
        return sorties

    def _running_costs(self, flight: _Flight, work: list[Waypoint], i: int) -> list[Cost]:
        """Energy used on arriving at each waypoint from i on, until even the straight way home
        would not fit (no later cut is possible)."""
        trial = _Flight(flight.model, flight.speed_mps, list(flight.points[-2:]), flight.cost)
        out: list[Cost] = []
        for wp in work[i:]:
            trial.add(wp)
            out.append(trial.cost)
            if not self._fits(trial.cost, wp.xy, 1.0):
                break
        return out

    def _finish(self, flight: _Flight, first: int, count: int) -> Sortie:
        path = self.path_home(flight.points[-1].xy)
        for east_m, north_m in path[1:]:
            flight.add(Waypoint(east_m, north_m, LegKind.RETURN))
        flight.cost += energy.descend(self.model, self.alt_rel_m)
        points = [(w.east_m, w.north_m) for w in flight.points]
        return Sortie(tuple(flight.points[1:]), first, count, path_length_m(points), flight.cost)

    def _too_far(self, wp: Waypoint) -> str:
        d = math.dist(wp.xy, self.home)
        return (
            f"a waypoint {d:,.0f} m from home cannot be reached and left again on one battery "
            f"({self.model.battery_wh:g} Wh, {self.model.reserve_pct:g} % reserve and a "
            f"{energy.SORTIE_MARGIN_PCT:g} % margin); shrink the "
            "zone, lower the speed or use a bigger battery"
        )
