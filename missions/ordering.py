"""Visiting order: lane segments (nearest free end next, from several starts) and hot-spots
(nearest neighbour, then 2-opt)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Point2 = tuple[float, float]

#: 2-opt on the segment order is quadratic per pass: it runs on areas up to this many segments.
TWO_OPT_MAX_SEGMENTS = 600


def order_segments(segments: FloatArray, home: Point2, *, starts: int = 6) -> FloatArray:
    """Segments reordered and flipped so each starts near where the previous ended.

    Greedy nearest-end ordering is tried from several first segments (those nearest home and the
    extreme lanes); the one with the shortest transits plus the way back home wins.
    """
    n = len(segments)
    if n <= 1:
        return segments.copy()
    ends = segments.reshape(-1, 2)  # 2k = start of k, 2k + 1 = end of k
    d_home = np.hypot(ends[:, 0] - home[0], ends[:, 1] - home[1])
    firsts = list(
        dict.fromkeys([*np.argsort(d_home)[:starts].tolist(), 0, 1, 2 * n - 2, 2 * n - 1])
    )
    best_cost, best_order = math.inf, [int(firsts[0])]
    for first in firsts:
        order = _greedy(ends, int(first), home, best_cost)
        if order is not None and (cost := _transit_cost(ends, order, home)) < best_cost:
            best_cost, best_order = cost, order
    ordered = np.stack([_oriented(segments, end) for end in best_order])
    return _two_opt(ordered, home) if n <= TWO_OPT_MAX_SEGMENTS else ordered


def _two_opt(ordered: FloatArray, home: Point2, max_passes: int = 30) -> FloatArray:
    """Shorten transits by reversing runs of segments (each flown the other way round).

    Reversing segments i..j keeps the transits inside the run (mirrored) and changes only the
    two at its ends: exit(i-1) -> entry(i) and exit(j) -> entry(j+1) become exit(i-1) -> exit(j)
    and entry(i) -> entry(j+1). Home is a fixed zero-length segment at both ends.
    """
    h = np.asarray(home, dtype=float)
    seq = np.concatenate([[[h, h]], ordered, [[h, h]]])
    for _ in range(max_passes):
        improved = False
        for i in range(1, len(seq) - 2):
            entry, exit_ = seq[:, 0], seq[:, 1]
            js = np.arange(i + 1, len(seq) - 1)
            before = np.hypot(*(exit_[i - 1] - entry[i])) + np.hypot(*(exit_[js] - entry[js + 1]).T)
            after = np.hypot(*(exit_[i - 1] - exit_[js]).T) + np.hypot(
                *(entry[i] - entry[js + 1]).T
            )
            gain = before - after
            k = int(np.argmax(gain))
            if gain[k] > 1e-6:
                j = int(js[k])
                seq[i : j + 1] = seq[i : j + 1][::-1, ::-1]
                improved = True
        if not improved:
            break
    return seq[1:-1].copy()


def _greedy(ends: FloatArray, first: int, home: Point2, bound: float) -> list[int] | None:
    """Entry ends in visiting order (an entry end e means: fly segment e // 2 from end e), or
    None as soon as the transits flown so far cost `bound` or more (another start is better)."""
    n = len(ends) // 2
    free = np.ones(len(ends), dtype=bool)
    order = []
    entry = first
    cost = math.dist(home, ends[first])
    for _ in range(n):
        order.append(entry)
        seg = entry // 2
        free[2 * seg] = free[2 * seg + 1] = False
        if not free.any():
            break
        exit_xy = ends[entry ^ 1]
        d = np.hypot(ends[:, 0] - exit_xy[0], ends[:, 1] - exit_xy[1])
        d[~free] = np.inf
        entry = int(np.argmin(d))
        cost += float(d[entry])
        if cost >= bound:
            return None
    return order


def _transit_cost(ends: FloatArray, order: list[int], home: Point2) -> float:
    entries = ends[order]
    exits = ends[[e ^ 1 for e in order]]
    hops = np.hypot(*(entries[1:] - exits[:-1]).T).sum()
    return float(math.dist(home, entries[0]) + hops + math.dist(exits[-1], home))


def _oriented(segments: FloatArray, entry: int) -> FloatArray:
    seg: FloatArray = segments[entry // 2]
    return seg if entry % 2 == 0 else seg[::-1]


def order_points(
    points: list[Point2], home: Point2, distance: Callable[[Point2, Point2], float]
) -> list[int]:
    """A short closed tour home -> points -> home: nearest neighbour, then 2-opt until no gain."""
    n = len(points)
    if n <= 1:
        return list(range(n))
    nodes = [home, *points]
    dist = [
        [distance(p, q) if i != j else 0.0 for j, q in enumerate(nodes)]
        for i, p in enumerate(nodes)
    ]
    tour = [0]
    left = set(range(1, n + 1))
    while left:
        nxt = min(left, key=lambda j: dist[tour[-1]][j])
        tour.append(nxt)
        left.remove(nxt)
    tour.append(0)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(tour) - 2):
            for j in range(i + 1, len(tour) - 1):
                a, b, c, d = tour[i - 1], tour[i], tour[j], tour[j + 1]
                if dist[a][c] + dist[b][d] < dist[a][b] + dist[c][d] - 1e-9:
                    tour[i : j + 1] = tour[i : j + 1][::-1]
                    improved = True
    return [k - 1 for k in tour[1:-1]]
