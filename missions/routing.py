"""Transit legs that stay inside the free space: straight when clear, else around the obstacles.

A shortest path among polygonal obstacles bends only at reflex corners of the free space, so those
are the graph's nodes (a visibility graph). Edges are checked lazily, only when A* pops them; each
corner links to a few near corners in every direction rather than to all; and the search looks
first at corners inside an ellipse around the two ends, widening only if that fails. This keeps a
district with hundreds of holes fast; the bends a sparse graph adds are pulled out at the end.
"""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geofence.build import polygons_of
from missions.errors import PlanningError

Point2 = tuple[float, float]
FloatArray = npt.NDArray[np.float64]

_WIDEN = (1.2, 2.0, 4.0, math.inf)
#: Graph corners lie this far inside the free space (paths bend this much wider).
NODE_INSET_M = 2.0
#: How many nearest corners each corner links to in the search, and in how many directions.
NEIGHBOURS = 8
SECTORS = 16
#: A leg may touch this far outside the free space: a point interpolated along the free space's
#: own outline (a perimeter cut into sectors) lies on it only to rounding. The free space keeps
#: `fence.SAFETY_EPS_M` (2 mm) beyond the margin, so this takes nothing from the margin.
ROUNDING_SLACK_M = 1e-6


class Router:
    """Shortest transit paths inside one free-space geometry (build once, query many times)."""

    def __init__(self, free: BaseGeometry) -> None:
        self.free = free
        shapely.prepare(free)
        self._reach = free.buffer(ROUNDING_SLACK_M, join_style="mitre")
        shapely.prepare(self._reach)
        # Corners taken a little inside the free space and simplified: arcs from the margin
        # buffer collapse to a few corners, and every corner (and the chords between
        # neighbouring corners) stays strictly inside.
        shrunk = free.buffer(-NODE_INSET_M).simplify(NODE_INSET_M / 2)
        self.nodes = _reflex_vertices(shrunk)
        self._clear_cache: dict[tuple[int, int], bool] = {}

    def is_clear(self, a: Point2, b: Point2) -> bool:
        """True when the straight leg a -> b stays inside the free space."""
        if a == b:
            return bool(self._reach.covers(shapely.points(a)))
        return bool(self._reach.covers(LineString([a, b])))

    def route(self, a: Point2, b: Point2) -> list[Point2]:
        """The shortest path a -> b inside the free space, as its corners (a and b included)."""
        if self.is_clear(a, b):
            return [a, b]
        direct = math.dist(a, b)
        nodes = self.nodes
        if len(nodes):
            da = np.hypot(nodes[:, 0] - a[0], nodes[:, 1] - a[1])
            db = np.hypot(nodes[:, 0] - b[0], nodes[:, 1] - b[1])
            for factor in _WIDEN:
                index = np.nonzero(da + db <= direct * factor + 20.0)[0]
                path = self._astar(a, b, index)
                if path is not None:
                    return path
                if len(index) == len(nodes):
                    break
        raise PlanningError(
            f"no path inside the free space from ({a[0]:.0f}, {a[1]:.0f}) to ({b[0]:.0f}, "
            f"{b[1]:.0f}) m east/north of home: the zones are split by exclusions or by necks "
            "narrower than twice the margin"
        )

    def path_length_m(self, a: Point2, b: Point2) -> float:
        path = self.route(a, b)
        return sum(math.dist(p, q) for p, q in itertools.pairwise(path))

    def _edge_clear(self, i: int, j: int, pts: list[Point2], ids: list[int]) -> bool:
        if ids[i] < 0 or ids[j] < 0:
            return self.is_clear(pts[i], pts[j])
        key = (min(ids[i], ids[j]), max(ids[i], ids[j]))
        hit = self._clear_cache.get(key)
        if hit is None:
            hit = self.is_clear(pts[i], pts[j])
            self._clear_cache[key] = hit
        return hit

    def _astar(self, a: Point2, b: Point2, index: npt.NDArray[np.intp]) -> list[Point2] | None:
        """A* over the candidate corners; each links to a few corners and to the goal."""
        pts: list[Point2] = [a, *((float(x), float(y)) for x, y in self.nodes[index]), b]
        ids = [-1, *(int(k) for k in index), -2]
        xy = np.asarray(pts)
        goal = len(pts) - 1
        h = np.hypot(xy[:, 0] - b[0], xy[:, 1] - b[1])
        heap: list[tuple[float, float, int, int]] = [(float(h[0]), 0.0, 0, -1)]
        parent: dict[int, int] = {}
        closed = np.zeros(len(pts), dtype=bool)
        while heap:
            _f, g, u, p = heapq.heappop(heap)
            if closed[u] or (p >= 0 and not self._edge_clear(p, u, pts, ids)):
                continue
            closed[u] = True
            parent[u] = p
            if u == goal:
                return self._pull_tight(_unwind(parent, goal, pts))
            step = np.hypot(xy[:, 0] - xy[u, 0], xy[:, 1] - xy[u, 1])
            for v in _neighbours(xy, u, step, closed) | {goal}:
                if not closed[v]:
                    gv = g + float(step[v])
                    heapq.heappush(heap, (gv + float(h[v]), gv, v, u))
        return None

    def _pull_tight(self, path: list[Point2]) -> list[Point2]:
        """Drop corners the path can skip: from each point, jump to the furthest one in sight."""
        out = [path[0]]
        i = 0
        while i < len(path) - 1:
            j = len(path) - 1
            while j > i + 1 and not self.is_clear(path[i], path[j]):
                j -= 1
            out.append(path[j])
            i = j
        return out


def _neighbours(
    xy: FloatArray, u: int, step: FloatArray, closed: npt.NDArray[np.bool_]
) -> set[int]:
    """The open corners node `u` links to: the nearest few, and the nearest in each direction.

    Arcs put many corners close together on one obstacle; the direction sectors keep the graph
    connected across to the others.
    """
    cand = np.nonzero(~closed)[0]
    if len(cand) <= NEIGHBOURS:
        return set(cand.tolist())
    dist = step[cand]
    near = cand[np.argpartition(dist, NEIGHBOURS - 1)[:NEIGHBOURS]]
    angle = np.arctan2(xy[cand, 1] - xy[u, 1], xy[cand, 0] - xy[u, 0])
    sector = ((angle + math.pi) / (2 * math.pi) * SECTORS).astype(int) % SECTORS
    order = np.lexsort((dist, sector))
    _, first = np.unique(sector[order], return_index=True)
    return set(near.tolist()) | set(cand[order[first]].tolist())


def _unwind(parent: dict[int, int], goal: int, pts: list[Point2]) -> list[Point2]:
    path = [goal]
    while parent[path[-1]] >= 0:
        path.append(parent[path[-1]])
    return [pts[k] for k in reversed(path)]


def _reflex_vertices(free: BaseGeometry) -> FloatArray:
    """Corners where the free space turns inward (where shortest paths bend)."""
    out = []
    for poly in polygons_of(free):
        oriented = orient(poly, 1.0)
        for ring in (oriented.exterior, *oriented.interiors):
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            prev, nxt = np.roll(xy, 1, axis=0), np.roll(xy, -1, axis=0)
            cross = (xy[:, 0] - prev[:, 0]) * (nxt[:, 1] - xy[:, 1]) - (xy[:, 1] - prev[:, 1]) * (
                nxt[:, 0] - xy[:, 0]
            )
            out.append(xy[cross < 0])
    return np.vstack(out) if out else np.zeros((0, 2))
