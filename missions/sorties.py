"""Sorties: cut a patrol into flights that each get home with the battery reserve intact.

Each sortie takes off at home, transits to where the last one stopped, works, and returns along a
routed path. The cut is placed at the last waypoint from which the way home still fits the usable
energy (battery less reserve). The way home is measured along the routed path whenever the straight
line is not clearly enough.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from missions import energy
from missions.energy import Cost, VehicleModel
from missions.errors import PlanningError
from missions.route import LegKind, Point2, Waypoint, path_length_m
from missions.routing import Router

#: A routed way home is at most this much longer than the straight line before it is routed.
_DETOUR_ALLOWANCE = 1.5


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

    def path_home(self, p: Point2) -> list[Point2]:
        """Routed path p -> home (through the free-space entry when home lies in the margin)."""
        if p not in self._home_path:
            path = self.router.route(p, self.entry)
            if self.entry != self.home:
                path.append(self.home)
            self._home_path[p] = path
        return self._home_path[p]

    def _return_cost(self, p: Point2, used: Cost) -> Cost:
        """Cost of getting home from p and landing; routed only when the margin is thin."""
        land = energy.descend(self.model, self.alt_rel_m) + energy.turn(
            self.model, math.pi, self.speed_mps
        )
        rough = (
            energy.cruise(self.model, _DETOUR_ALLOWANCE * math.dist(p, self.home), self.speed_mps)
            + land
        )
        if (used + rough).energy_wh <= self.model.usable_wh:
            return rough
        routed = energy.cruise(self.model, path_length_m(self.path_home(p)), self.speed_mps)
        return routed + land

    def _start(self, resume: Point2 | None, target: Point2) -> _Flight:
        """Take off and fly towards `target`, stopping short of it (the caller adds it)."""
        flight = _Flight(
            self.model,
            self.speed_mps,
            [Waypoint(*self.home, LegKind.DEPART)],
            energy.climb(self.model, self.alt_rel_m),
        )
        path = [self.home] if self.entry != self.home else []
        path += self.router.route(self.entry, resume if resume is not None else target)
        if resume is None:
            path.pop()
        for east_m, north_m in path[1:]:
            flight.add(Waypoint(east_m, north_m, LegKind.DEPART))
        return flight

    def split(self, work: list[Waypoint]) -> list[Sortie]:
        """Sorties that fly `work` in order; a lane or loop leg cut by a battery change is flown
        again whole from its start."""
        sorties: list[Sortie] = []
        i = 0
        while i < len(work):
            resume = work[i - 1].xy if i > 0 and work[i].kind is not LegKind.TRANSIT else None
            flight = self._start(resume, work[i].xy)
            j = i
            while j < len(work):
                ahead = flight.cost + flight.delta(work[j])
                if (ahead + self._return_cost(work[j].xy, ahead)).energy_wh > self.model.usable_wh:
                    break
                flight.add(work[j])
                j += 1
            if j == i:
                raise PlanningError(self._too_far(work[i]))
            sorties.append(self._finish(flight, i, j - i))
            i = j
        return sorties

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
            f"({self.model.battery_wh:g} Wh, {self.model.reserve_pct:g} % reserve); shrink the "
            "zone, lower the speed or use a bigger battery"
        )
