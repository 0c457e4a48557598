"""Keeping several vehicles apart: staggered launches and a separation monitor.

Each vehicle patrols its own sector at its own altitude and climbs and descends over its own
launch pad, so vehicles meet only where one climbs or descends through another's altitude.
Launches therefore go highest first, each once the one before has reached its altitude; and
the monitor predicts every airborne pair a few seconds ahead (velocity extrapolated, altitude
kept to the vehicle's own band) and, when a pair would come closer than the separation, holds
the vehicle with the higher band (the one descending through the other's altitude) until the
way is clear. The hold is a standing demand (`Pilot.traffic_hold`) that the vehicle's supervisor
weighs with its other rules: a fence or energy return outranks it, and once it is lifted the
vehicle goes on with what it was doing (its mission or its return).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Awaitable, Callable, Sequence

import anyio

from geofence.frames import LatLon, LocalFrame
from patrol.flightlog import FlightLog
from patrol.pilot import Pilot
from patrol.vehicle import FlightMode, Live

HORIZON_S = 8.0
STEP_S = 0.5
TICK_S = 0.2
#: A held vehicle goes on once the predicted distance clears the separation by this much.
RELEASE_MARGIN_M = 2.0
#: A launch waits until the vehicle before it is within this of its own altitude.
AT_ALTITUDE_M = 3.0
#: Modes in which a vehicle may be held for traffic (not while landing or taking off).
_HOLDABLE = frozenset({FlightMode.MISSION, FlightMode.RETURN, FlightMode.HOLD})


class Traffic:
    def __init__(
        self,
        frame_origin: LatLon,
        lives: Sequence[Live],
        bands_m: Sequence[float],
        labels: Sequence[str],
        logs: Sequence[FlightLog],
        pilots: Sequence[Pilot],
        separation_m: float,
        say: Callable[[str], None],
    ) -> None:
        self.frame = LocalFrame(frame_origin)
        self.lives, self.bands_m, self.labels = lives, bands_m, labels
        self.logs, self.pilots, self.say = logs, pilots, say
        self.separation_m = separation_m
        self.closest_m = math.inf
        self.held: set[int] = set()  # vehicles held for traffic
        self.finished: set[int] = set()  # vehicles whose flights have ended
        self._warned: set[tuple[int, int]] = set()
        #: Launch order: highest band first.
        self.order = sorted(range(len(lives)), key=lambda k: -bands_m[k])

    def clearance(self, k: int) -> Callable[[], Awaitable[None]]:
        """What vehicle `k` awaits before arming: every vehicle launching before it at its
        altitude (or no longer flying)."""
        before = self.order[: self.order.index(k)]

        async def cleared() -> None:
            while not all(self._launched(j) for j in before):  # noqa: ASYNC110 (telemetry)
                await anyio.sleep(TICK_S)

        return cleared

    def _launched(self, j: int) -> bool:
        """Vehicle j is up at its altitude, or not going to be (landed, or never armed)."""
        live = self.lives[j]
        at_altitude = live.in_air and live.alt_rel_m >= self.bands_m[j] - AT_ALTITUDE_M
        return at_altitude or j in self.finished

    def _track(self, k: int) -> list[tuple[float, float, float]]:
        """Where vehicle k will be over the horizon: east, north, up (metres)."""
        live = self.lives[k]
        e, n = self.frame.geodetic2enu(live.lat_deg, live.lon_deg)
        up = live.alt_amsl_m
        floor_m = live.alt_amsl_m - live.alt_rel_m
        top_m = floor_m + self.bands_m[k] + AT_ALTITUDE_M
        steps = int(HORIZON_S / STEP_S) + 1
        return [
            (
                e + live.vel_e_mps * t,
                n + live.vel_n_mps * t,
                min(max(up - live.vel_d_mps * t, floor_m), max(top_m, up)),
            )
            for t in (s * STEP_S for s in range(steps))
        ]

    def _airborne(self, k: int) -> bool:
        live = self.lives[k]
        return live.in_air and live.has_position and math.isfinite(live.alt_amsl_m)

    async def run(self) -> None:
        while True:
            self.step()
            await anyio.sleep(TICK_S)

    def step(self) -> None:
        tracks = {k: self._track(k) for k in range(len(self.lives)) if self._airborne(k)}
        predicted: dict[tuple[int, int], float] = {}
        for i, j in itertools.combinations(sorted(tracks), 2):
            now_m = math.dist(tracks[i][0], tracks[j][0])
            self.closest_m = min(self.closest_m, now_m)
            self._warn(i, j, now_m)
            predicted[i, j] = min(
                math.dist(a, b) for a, b in zip(tracks[i], tracks[j], strict=True)
            )
        for (i, j), ahead_m in predicted.items():
            if ahead_m < self.separation_m:
                k = max((i, j), key=lambda v: (self.bands_m[v], v))
                self._hold(k, i + j - k, ahead_m)
        for k in list(self.held):
            clear = all(
                d >= self.separation_m + RELEASE_MARGIN_M
                for pair, d in predicted.items()
                if k in pair
            )
            if clear or k not in tracks:
                self._release(k)

    def _hold(self, k: int, other: int, ahead_m: float) -> None:
        if k in self.held or self.lives[k].mode not in _HOLDABLE:
            return
        self.held.add(k)
        reason = (
            f"vehicle {self.labels[k]} holds: vehicle {self.labels[other]} would come within "
            f"{ahead_m:.1f} m (separation {self.separation_m:g} m)"
        )
        self.logs[k].event("traffic", reason)
        self.say(reason)
        self.pilots[k].traffic_hold = True

    def _release(self, k: int) -> None:
        self.held.discard(k)
        self.logs[k].event("traffic", f"clear: vehicle {self.labels[k]} goes on")
        self.pilots[k].traffic_hold = False

    def _warn(self, i: int, j: int, now_m: float) -> None:
        if now_m >= self.separation_m:
            self._warned.discard((i, j))
            return
        if (i, j) in self._warned:
            return
        self._warned.add((i, j))
        text = (
            f"vehicles {self.labels[i]} and {self.labels[j]} are {now_m:.1f} m apart "
            f"(separation {self.separation_m:g} m)"
        )
        for k in (i, j):
            self.logs[k].event("separation", text)
        self.say(f"WARNING: {text}")
