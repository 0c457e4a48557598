"""Merging sightings into hits: one per target, confirmed, refined, and only inside the zones. A
sighting joins the nearest live track of its class within the gate (metres) that was last seen
within the window (seconds); otherwise it starts a track. A track becomes a hit after
`confirm_after` sightings; its position is the inverse-variance mean of its sightings, and its
snapshot the one of highest confidence. Its error estimate is the best single sighting's, not
shrunk by their number: GPS and attitude errors hold for seconds, so sightings share them.
Sightings outside the patrol zones or inside an exclusion (across the river border), or too near
the line to tell which side (within twice their error), are dropped and counted before they can
start anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from geofence.fence import LocalFence


@dataclass(frozen=True, slots=True)
class Sighting:
    time_s: float  # capture time, seconds (the flight's clock)
    east_m: float
    north_m: float
    error_m: float
    label: str
    confidence: float
    snapshot_jpeg: bytes = b""


@dataclass(frozen=True, slots=True)
class Hit:
    """A confirmed target on the ground, as the flight log and the station receive it."""

    hit_id: str
    label: str
    time_s: float  # the first sighting's capture time
    east_m: float
    north_m: float
    error_m: float
    confidence: float
    sightings: int
    snapshot_jpeg: bytes


@dataclass
class _Track:
    label: str
    first_s: float
    last_s: float
    weight: float = 0.0  # sum of 1 / error^2
    east_sum: float = 0.0
    north_sum: float = 0.0
    sightings: int = 0
    best: Sighting | None = None
    least_error_m: float = float("inf")
    hit_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    confirmed: bool = False

    def add(self, s: Sighting) -> None:
        w = 1.0 / max(s.error_m, 0.05) ** 2
        self.weight += w
        self.east_sum += w * s.east_m
        self.north_sum += w * s.north_m
        self.sightings += 1
        self.least_error_m = min(self.least_error_m, s.error_m)
        self.last_s = max(self.last_s, s.time_s)
        if self.best is None or s.confidence > self.best.confidence:
            self.best = s

    @property
    def position(self) -> tuple[float, float]:
        return self.east_sum / self.weight, self.north_sum / self.weight

    def hit(self) -> Hit:
        assert self.best is not None
        e, n = self.position
        return Hit(
            self.hit_id,
            self.label,
            self.first_s,
            e,
            n,
            self.least_error_m,
            self.best.confidence,
            self.sightings,
            self.best.snapshot_jpeg,
        )


class Tracker:
    def __init__(
        self,
        fence: LocalFence,
        *,
        gate_m: float = 6.0,
        window_s: float = 30.0,
        confirm_after: int = 3,
        line_sigmas: float = 2.0,
        on_hit: Callable[[Hit], None] | None = None,
    ) -> None:
        self.fence = fence
        self.gate_m, self.window_s, self.confirm_after = gate_m, window_s, confirm_after
        self.line_sigmas = line_sigmas
        self.on_hit = on_hit
        self.tracks: list[_Track] = []
        self.dropped_outside = 0
        self.sightings = 0

    def add(self, s: Sighting) -> Hit | None:
        """Take one sighting; returns the hit it confirms, if it confirms one."""
        self.sightings += 1
        if not self._clearly_inside(s.east_m, s.north_m, s.error_m):
            self.dropped_outside += 1
            return None
        track = self._nearest(s)
        if track is None:
            track = _Track(s.label, s.time_s, s.time_s)
            self.tracks.append(track)
        track.add(s)
        if not track.confirmed and track.sightings >= self.confirm_after:
            track.confirmed = True
            e, n = track.position
            if not self._clearly_inside(e, n, track.least_error_m):  # refined across the line
                self.dropped_outside += 1
                self.tracks.remove(track)
                return None
            hit = track.hit()
            if self.on_hit is not None:
                self.on_hit(hit)
            return hit
        return None

    def _clearly_inside(self, east_m: float, north_m: float, error_m: float) -> bool:
        """Inside the zones by more than `line_sigmas` x the error: a target that might be
        across the line (the border) is not reported, whichever side it is really on."""
        return self.fence.clearance_m(east_m, north_m) > self.line_sigmas * error_m

    def _nearest(self, s: Sighting) -> _Track | None:
        best, best_d = None, self.gate_m
        for track in self.tracks:
            if track.label != s.label or s.time_s - track.last_s > self.window_s:
                continue
            e, n = track.position
            d = ((e - s.east_m) ** 2 + (n - s.north_m) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = track, d
        return best

    def hits(self) -> list[Hit]:
        """Every confirmed hit as refined so far."""
        return [t.hit() for t in self.tracks if t.confirmed]
