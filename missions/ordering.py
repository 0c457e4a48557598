"""Visiting order: lane segments (nearest free end next, from several starts) and hot-spots
(nearest neighbour, then 2-opt)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Point2 = tuple[float, float]


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
    return np.stack([_oriented(segments, end) for end in best_order])


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
