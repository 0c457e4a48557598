"""Rally points the planner adds so that every return the autopilot may fly is clear.

While some route point's straight return to its nearest target (home or a rally point) is blocked,
a rally point is added that the point sees and is nearer to than its present target. Candidates
are the corners the router bends around, the route's own waypoints and the blocked point itself;
the one chosen makes the most blocked route samples (every few metres) clear and the fewest clear
ones blocked. The exact check (`missions.returns`) decides when to stop; the autopilot's store of
rally points bounds how many may be added.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geofence.fence import LocalFence
from geofence.words import plural
from missions.errors import PlanningError
from missions.returns import TOLERANCE_M, FloatArray, Point2, Target, blocked_returns, nearest
from missions.spec import Autopilot

#: Rally points each autopilot stores: ArduPilot's default storage layout holds 10; PX4 keeps 32
#: (8 on boards built as memory-constrained, where a longer list fails at upload).
MAX_RALLY_POINTS = {Autopilot.PX4: 32, Autopilot.ARDUPILOT: 10}
#: Route samples for scoring candidates are at most this far apart.
_SAMPLE_M = 10.0
#: The leg holding a blocked return is sampled this densely.
_DENSE_M = 2.0
#: At most this many samples: a long route is sampled more sparsely (scoring is a heuristic).
_MAX_SAMPLES = 4000
#: Samples further than this from a candidate do not count in its score.
_SCORE_RADIUS_M = 600.0
#: Candidates sifted per added rally point, and how many of the best sifted are fully scored.
_CANDIDATES = 32
_SHORTLIST = 6


class _Scorer:
    """Route samples, their nearest target and whether its return is clear; kept up to date."""

    def __init__(
        self, local: LocalFence, free: BaseGeometry, samples: FloatArray, to: list[Target]
    ) -> None:
        self.local = local
        self.free = free
        self.samples = samples
        self.xy = np.asarray([t.xy for t in to])
        self.need = np.asarray([t.min_clearance_m for t in to]) - TOLERANCE_M
        self.index, self.dist = nearest(samples, self.xy)
        self.state = np.full(
            len(samples), -1, dtype=np.int8
        )  # -1 not yet known, 0 blocked, 1 clear

    def ok(self, which: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Whether the present returns from the chosen samples are clear (exact, computed once)."""
        todo = which & (self.state < 0)
        if todo.any():
            i = self.index[todo]
            lines = shapely.linestrings(np.stack([self.samples[todo], self.xy[i]], axis=1))
            self.state[todo] = self.local.keeps_clearance(lines, self.need[i])
        return np.asarray(self.state[which] == 1)

    def _in_free(self, a: FloatArray, c: FloatArray) -> npt.NDArray[np.bool_]:
        """Whether returns from `a` to a rally point at c would stay in the free space."""
        if not len(a):
            return np.zeros(0, dtype=bool)
        ends = np.broadcast_to(c, a.shape)
        lines = shapely.linestrings(np.stack([a, ends], axis=1))
        return np.asarray(shapely.covers(self.free, lines))

    def score(self, c: FloatArray) -> tuple[int, int, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """(score, samples taken) for a rally point at c, with the taken mask and which of them
        it clears. Only samples within `_SCORE_RADIUS_M` count: further ones are the next
        rally point's business, and long lines are what costs."""
        d = np.hypot(self.samples[:, 0] - c[0], self.samples[:, 1] - c[1])
        taken = (d < self.dist) & (d < _SCORE_RADIUS_M)
        clear = self._in_free(self.samples[taken], c)
        before = self.ok(taken)
        gain = int((~before & clear).sum()) - 2 * int((before & ~clear).sum())
        return gain, int(taken.sum()), taken, clear

    def mends(self, c: FloatArray) -> int:
        """How many blocked returns a rally point at c would clear (a cheap first sift: only
        the blocked samples it would take are tested)."""
        d = np.hypot(self.samples[:, 0] - c[0], self.samples[:, 1] - c[1])
        taken = (d < self.dist) & (d < _SCORE_RADIUS_M)
        blocked = taken.copy()
        blocked[taken] = ~self.ok(taken)
        return int(self._in_free(self.samples[blocked], c).sum())

    def include(self, points: FloatArray) -> None:
        """Score these points too (the leg where the exact check found a blocked return)."""
        index, dist = nearest(points, self.xy)
        self.samples = np.vstack([self.samples, points])
        self.index = np.concatenate([self.index, index])
        self.dist = np.concatenate([self.dist, dist])
        self.state = np.concatenate([self.state, np.full(len(points), -1, dtype=np.int8)])

    def add(self, c: FloatArray, min_clearance_m: float) -> None:
        """Make c a target: every sample nearer to it than to its target now heads there."""
        d = np.hypot(self.samples[:, 0] - c[0], self.samples[:, 1] - c[1])
        taken = d < self.dist
        self.xy = np.vstack([self.xy, c[None, :]])
        self.need = np.append(self.need, min_clearance_m - TOLERANCE_M)
        self.index[taken] = len(self.xy) - 1
        self.dist[taken] = d[taken]
        self.state[taken] = -1


def _samples(routes: Sequence[Sequence[Point2]]) -> FloatArray:
    """Points along the routes, `_SAMPLE_M` apart or wider, so there are at most `_MAX_SAMPLES`."""
    lines = [LineString(r) for r in routes if len(r) > 1]
    length_m = float(sum(line.length for line in lines))
    step_m = max(_SAMPLE_M, length_m / _MAX_SAMPLES)
    parts = [shapely.get_coordinates(shapely.segmentize(line, step_m)) for line in lines]
    parts += [np.asarray(r, dtype=float).reshape(-1, 2) for r in routes if len(r) == 1]
    return np.unique(np.vstack(parts), axis=0)


def add_rally_points(
    local: LocalFence,
    free: BaseGeometry,
    corners: FloatArray,
    routes: Sequence[Sequence[Point2]],
    fixed: list[Target],
    *,
    margin_m: float,
    limit: int,
) -> list[Target]:
    """Rally points to add to `fixed` (home first) so that every return from `routes` is clear.

    New rally points are taken where returns to them stay inside `free` (the prepared free space:
    the fence less the margin); `corners` are where they may go besides the route's points.

    Raises `PlanningError` naming the first blocked point when `limit` rally points in all (what
    the autopilot stores) do not do it.
    """
    to = list(fixed)
    scorer: _Scorer | None = None
    pool = np.zeros((0, 2))
    while True:
        blocked, route = next(
            ((b, r) for r in routes for b in blocked_returns(local, r, to, first_only=True)),
            (None, ()),
        )
        if blocked is None:
            return _pruned(local, routes, to, len(fixed))
        if scorer is None:  # built only when some return is blocked
            scorer = _Scorer(local, free, _samples(routes), to)
            vertices = np.vstack([np.asarray(r, dtype=float).reshape(-1, 2) for r in routes])
            pool = np.unique(np.vstack([corners.reshape(-1, 2), vertices]), axis=0)
            pool = pool[local.keeps_clearance(shapely.points(pool), margin_m)]
        f = np.asarray([blocked.east_m, blocked.north_m])
        if len(to) - 1 >= limit:
            raise _refusal(local, f, limit)
        scorer.include(_densified(route[blocked.leg], route[blocked.leg + 1], f))
        reach_m = float(np.hypot(*(np.asarray([t.xy for t in to]) - f).T).min()) - 1e-3
        c = _best(scorer, pool, f, reach_m, margin_m)
        scorer.add(c, margin_m)
        to.append(Target(f"rally point {len(to)} (added)", float(c[0]), float(c[1]), margin_m))


def _best(
    scorer: _Scorer, pool: FloatArray, f: FloatArray, reach_m: float, margin_m: float
) -> FloatArray:
    """The candidate nearer to f than its target, in its sight, that clears the most returns."""
    d = np.hypot(pool[:, 0] - f[0], pool[:, 1] - f[1])
    near = pool[d < reach_m]
    if len(near):
        lines = shapely.linestrings(np.stack([np.broadcast_to(f, near.shape), near], axis=1))
        near = near[scorer.local.keeps_clearance(lines, margin_m - TOLERANCE_M)]
    if len(near) > _CANDIDATES:
        order = np.argsort(np.hypot(near[:, 0] - f[0], near[:, 1] - f[1]), kind="stable")
        near = near[order[:: -(-len(near) // _CANDIDATES)]]
    if len(near) > _SHORTLIST:
        mends = np.asarray([scorer.mends(c) for c in near])
        near = near[np.argsort(-mends, kind="stable")[:_SHORTLIST]]
    best, best_key = f, (*scorer.score(f)[:2],)
    for c in near:
        key = scorer.score(c)[:2]
        if key > best_key:
            best, best_key = c, key
    return best


def _densified(a: Point2, b: Point2, f: FloatArray) -> FloatArray:
    """Points every `_DENSE_M` along the leg a -> b, and f (the blocked point on it)."""
    n = max(2, int(np.hypot(b[0] - a[0], b[1] - a[1]) / _DENSE_M) + 1)
    s = np.linspace(0.0, 1.0, n)[:, None]
    leg = (1 - s) * np.asarray(a, dtype=float) + s * np.asarray(b, dtype=float)
    return np.vstack([leg, f[None, :]])


def _pruned(
    local: LocalFence, routes: Sequence[Sequence[Point2]], to: list[Target], fixed: int
) -> list[Target]:
    """The added rally points less those the later ones made needless, renumbered."""
    keep = list(to)
    for k in range(len(keep) - 1, fixed - 1, -1):
        trial = keep[:k] + keep[k + 1 :]
        if not any(blocked_returns(local, r, trial, first_only=True) for r in routes):
            keep = trial
    return [
        Target(f"rally point {n} (added)", t.east_m, t.north_m, t.min_clearance_m)
        for n, t in enumerate(keep[fixed:], start=fixed)
    ]


def _refusal(local: LocalFence, at: FloatArray, limit: int) -> PlanningError:
    where = local.frame.enu2geodetic(float(at[0]), float(at[1]))
    return PlanningError(
        f"the {plural(limit, 'rally point')} the autopilot stores cannot keep every return it "
        "may fly clear of the fence by the margin: the straight return from "
        f"{where.lat_deg:.6f}, {where.lon_deg:.6f} (lat, lon) still is not; add rally points "
        "(role 'rally') to the area file where returns from there are clear, or leave that part "
        "of the zone out"
    )
