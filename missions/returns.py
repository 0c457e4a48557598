"""The returns an autopilot may fly on its own, and whether each stays clear of the fence.

PX4's Return and ArduPilot's RTL head for the nearest of home and the rally points (straight-line
horizontal distance from where the vehicle is) and fly to it in a straight line, across any
exclusion in the way. A return can start anywhere along the route (a failsafe, the pilot, the
controller's monitors), so every point of every leg needs a clear line to its nearest target.

The check is exact, not sampled. Along a leg, the points whose nearest target is t form one interval
(the leg crossed with t's Voronoi cell, which is convex), and the returns from that interval sweep
the triangle (t, interval ends). Every return is clear when every such triangle is, and the
triangles are tested together against the prepared fence.

Altitudes: PX4 flies a return at the destination's altitude plus RTL_RETURN_ALT (never lower than it
is), and reads a rally point's altitude as the ground there, where it lands; ArduPilot flies at
the highest of the rally point's altitude, RTL_ALT and where it is. Preflight sets RTL_RETURN_ALT
and RTL_ALT to the mission's cruise altitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geofence.fence import LocalFence
from missions.spec import Autopilot

Point2 = tuple[float, float]
FloatArray = npt.NDArray[np.float64]

#: Returns may come this much closer than asked: the planner keeps exactly the margin.
TOLERANCE_M = 0.005
#: Legs are split into chunks of this many for the pairwise interval arithmetic (memory bound).
_CHUNK = 2048
#: A failing interval is searched for its first failing return at this spacing.
_PROBE_M = 1.0


@dataclass(frozen=True, slots=True)
class Target:
    """Where a return may head: home or a rally point, east/north of home in metres.

    `min_clearance_m` is what every return to it must keep: the margin, or the target's own
    clearance when it lies in the margin band (a return cannot be clearer than where it ends).
    """

    label: str
    east_m: float
    north_m: float
    min_clearance_m: float

    @property
    def xy(self) -> Point2:
        return (self.east_m, self.north_m)


@dataclass(frozen=True, slots=True)
class BlockedReturn:
    """A route point whose straight return to its nearest target is not clear."""

    leg: int  # the leg's start index in the route
    east_m: float
    north_m: float
    target: int  # index into the targets
    clearance_m: float  # of that return line; negative when it leaves the fence


def targets(
    local: LocalFence, points: Sequence[tuple[str, Point2]], margin_m: float
) -> list[Target]:
    """Targets for labelled points (home first), each with the clearance returns to it keep."""
    return [
        Target(label, xy[0], xy[1], min(margin_m, max(local.clearance_m(*xy), 0.0)))
        for label, xy in points
    ]


def nearest(points: FloatArray, at: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """For each point, the index of its nearest target in `at` (first on ties) and the distance."""
    d = np.hypot(points[:, None, 0] - at[None, :, 0], points[:, None, 1] - at[None, :, 1])
    index = np.argmin(d, axis=1)
    return index, d[np.arange(len(points)), index]


def _intervals(
    a: FloatArray, d: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """For legs a + s d (s in [0, 1]) and targets t: where along each leg each target is nearest.

    Returns lower and upper s, shape (legs, targets), and whether the interval is non-empty.
    Point p is at least as near t_i as t_j when 2 p.(t_j - t_i) <= |t_j|^2 - |t_i|^2: linear in s.
    """
    dt = t[None, :, :] - t[:, None, :]  # (i, j, 2): t_j - t_i
    sq = (t**2).sum(axis=1)
    rhs = sq[None, :] - sq[:, None]  # (i, j)
    g = 2.0 * np.einsum("lk,ijk->lij", d, dt)
    h = rhs[None] - 2.0 * np.einsum("lk,ijk->lij", a, dt) + 1e-6
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = h / g
    upper = np.where(g > 0, ratio, np.inf).min(axis=2).clip(max=1.0)
    lower = np.where(g < 0, ratio, -np.inf).max(axis=2).clip(min=0.0)
    never = ((g == 0) & (h < 0)).any(axis=2)
    return lower, upper, (lower <= upper) & ~never


def _sweeps(t: FloatArray, p0: FloatArray, p1: FloatArray) -> npt.NDArray[np.object_]:
    """The region the returns from p0..p1 to t sweep: a triangle, or a line when it is flat."""
    cross = (p0[:, 0] - t[:, 0]) * (p1[:, 1] - t[:, 1]) - (p0[:, 1] - t[:, 1]) * (
        p1[:, 0] - t[:, 0]
    )
    flat = np.abs(cross) < 1e-6
    out = np.empty(len(t), dtype=object)
    if (~flat).any():
        k = ~flat
        ring = np.stack([t[k], p0[k], p1[k], t[k]], axis=1)
        out[k] = shapely.polygons(ring)
    if flat.any():
        k = flat
        line = np.stack([t[k], p0[k], p1[k]], axis=1)
        out[k] = shapely.linestrings(line)
    return out


def blocked_returns(
    local: LocalFence, route: Sequence[Point2], to: Sequence[Target], *, first_only: bool = False
) -> list[BlockedReturn]:
    """Every stretch of the route whose straight return to its nearest target is not clear, one
    finding per stretch, in route order (just the first with `first_only`)."""
    pts = np.asarray(route, dtype=float).reshape(-1, 2)
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    t = np.asarray([x.xy for x in to], dtype=float)
    need = np.asarray([x.min_clearance_m for x in to]) - TOLERANCE_M
    out: list[BlockedReturn] = []
    for start in range(0, len(pts) - 1, _CHUNK):
        a = pts[start : start + _CHUNK + 1][:-1]
        d = pts[start + 1 : start + _CHUNK + 1] - a
        lower, upper, some = _intervals(a, d, t)
        leg, target = np.nonzero(some)
        s0, s1 = lower[leg, target], upper[leg, target]
        p0 = a[leg] + s0[:, None] * d[leg]
        p1 = a[leg] + s1[:, None] * d[leg]
        ok = local.keeps_clearance(_sweeps(t[target], p0, p1), need[target])
        for k in np.nonzero(~ok)[0]:
            out.append(_first_blocked(local, to, start + int(leg[k]), int(target[k]), p0[k], p1[k]))
            if first_only:
                return out
    return out


def _first_blocked(
    local: LocalFence, to: Sequence[Target], leg: int, target: int, p0: FloatArray, p1: FloatArray
) -> BlockedReturn:
    """The first point from p0 towards p1 whose return is not clear (the stretch's middle when
    only the swept area between probes fails)."""
    n = max(2, math.ceil(float(np.hypot(*(p1 - p0))) / _PROBE_M) + 1)
    s = np.linspace(0.0, 1.0, n)
    probe = p0[None, :] + s[:, None] * (p1 - p0)[None, :]
    end = np.asarray(to[target].xy)
    lines = shapely.linestrings(np.stack([probe, np.broadcast_to(end, probe.shape)], axis=1))
    ok = local.keeps_clearance(lines, to[target].min_clearance_m - TOLERANCE_M)
    bad = np.nonzero(~ok)[0]
    at = probe[bad[0]] if len(bad) else probe[n // 2]
    p = (float(at[0]), float(at[1]))
    return BlockedReturn(leg, p[0], p[1], target, local.line_clearance_m([p, to[target].xy]))


def return_alt_rel_m(
    autopilot: Autopilot, rally_alt_rel_m: float, cruise_alt_rel_m: float
) -> float:
    """The altitude above home a return to a rally point flies at, as the autopilot computes it
    (preflight sets PX4's RTL_RETURN_ALT and ArduPilot's RTL_ALT to the cruise altitude)."""
    if autopilot is Autopilot.PX4:
        return max(cruise_alt_rel_m, rally_alt_rel_m + cruise_alt_rel_m)
    return max(cruise_alt_rel_m, rally_alt_rel_m)


def rally_alt_rel_m(
    autopilot: Autopilot, cruise_alt_rel_m: float, ground_rel_m: float = 0.0
) -> float:
    """The altitude to store in a rally item (frame GLOBAL_RELATIVE_ALT) for this autopilot.

    PX4 reads it as the ground at the point (where it lands; it returns RTL_RETURN_ALT above it);
    ArduPilot as the altitude it returns at (at least RTL_ALT). Ground is taken level with home
    unless `ground_rel_m` says otherwise.
    """
    return ground_rel_m if autopilot is Autopilot.PX4 else cruise_alt_rel_m


def rally_alt_problem(
    autopilot: Autopilot, rally_alt_rel_m: float, cruise_alt_rel_m: float, ceiling_rel_m: float
) -> str | None:
    """Why a rally point's altitude puts the return above the ceiling, and what to set instead;
    None when it does not."""
    alt_m = return_alt_rel_m(autopilot, rally_alt_rel_m, cruise_alt_rel_m)
    if alt_m <= ceiling_rel_m:
        return None
    if autopilot is Autopilot.PX4:
        why = (
            f"PX4 reads its {rally_alt_rel_m:g} m as the ground there and returns "
            f"{cruise_alt_rel_m:g} m (RTL_RETURN_ALT) above it; set it to the ground's height "
            "above home (0 m on level ground)"
        )
    else:
        why = f"ArduPilot returns at its altitude; lower it to at most {ceiling_rel_m:g} m"
    return (
        f"makes the return fly at {alt_m:g} m, above the fence ceiling of {ceiling_rel_m:g} m: "
        f"{why}"
    )
