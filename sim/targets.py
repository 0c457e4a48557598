"""Targets the simulated camera sees: people and cars of true size, static or moving on a path.

Positions are metres east/north of the first vehicle's home. A moving target walks its path at
its speed and turns back at the end (a patrol of its own), so it stays where a scenario put it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class TargetClass(Enum):
    PERSON = "person"
    CAR = "car"


#: Footprint seen from above, metres (length along heading, width), and a default heat 0..1.
SIZES_M: dict[TargetClass, tuple[float, float]] = {
    TargetClass.PERSON: (0.5, 0.3),
    TargetClass.CAR: (4.5, 1.8),
}
DEFAULT_HEAT = {TargetClass.PERSON: 0.9, TargetClass.CAR: 0.6}


@dataclass(frozen=True, slots=True)
class Target:
    """A target and where it goes."""

    name: str
    kind: TargetClass
    path: tuple[tuple[float, float], ...]
    speed_mps: float = 0.0
    heat: float = 0.9

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("a target needs at least one position")
        if not 0.0 <= self.heat <= 1.0:
            raise ValueError(f"0 <= heat <= 1, got {self.heat}")

    @property
    def size_m(self) -> tuple[float, float]:
        return SIZES_M[self.kind]

    def pose_at(self, time_s: float) -> tuple[float, float, float]:
        """East, north and heading (radians, 0 north, clockwise) at sim time t."""
        if len(self.path) == 1 or self.speed_mps <= 0:
            (e, n), heading = self.path[0], 0.0
            if len(self.path) > 1:
                (e2, n2) = self.path[1]
                heading = math.atan2(e2 - e, n2 - n)
            return e, n, heading
        legs = list(zip(self.path, self.path[1:], strict=False))
        lengths = [math.dist(a, b) for a, b in legs]
        total = sum(lengths)
        travelled = (self.speed_mps * time_s) % (2 * total)
        forward = travelled <= total
        d = travelled if forward else 2 * total - travelled
        for (a, b), length in zip(legs, lengths, strict=True):
            if d <= length or (length == lengths[-1] and (a, b) == legs[-1]):
                f = d / length if length > 0 else 0.0
                e, n = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
                heading = math.atan2(b[0] - a[0], b[1] - a[1])
                return e, n, heading if forward else heading + math.pi
            d -= length
        e, n = self.path[-1]
        return e, n, 0.0

    def corners_at(self, time_s: float) -> list[tuple[float, float]]:
        """The four ground corners of its footprint at sim time t."""
        e, n, heading = self.pose_at(time_s)
        length, width = self.size_m
        fe, fn = math.sin(heading), math.cos(heading)  # forward
        re, rn = math.cos(heading), -math.sin(heading)  # right
        out = []
        for sl, sw in ((1, 1), (1, -1), (-1, -1), (-1, 1)):
            out.append(
                (
                    e + sl * fe * length / 2 + sw * re * width / 2,
                    n + sl * fn * length / 2 + sw * rn * width / 2,
                )
            )
        return out
