"""A path through one part of the free space that always exists when the part is connected.

The part is cut into triangles (a constrained Delaunay triangulation: its edges never cross the
boundary). Neighbouring triangles share an edge, so a search over triangles finds a corridor
from the triangle of one end to the triangle of the other whenever both lie in the part, however
narrow its necks. The funnel algorithm then pulls the path tight inside the corridor: it bends
only at the part's own vertices, so every leg lies in the part itself (no inset).
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

Point2 = tuple[float, float]
Portal = tuple[Point2, Point2]  # (left, right) seen in the direction of travel


class NavMesh:
    """The triangles of one polygon and which ones share an edge (build once, query many)."""

    def __init__(self, part: Polygon) -> None:
        self.triangles = shapely.get_parts(shapely.constrained_delaunay_triangles(part))
        shapely.prepare(self.triangles)
        xy = shapely.get_coordinates(self.triangles).reshape(-1, 4, 2)[:, :3]
        self.xy: npt.NDArray[np.float64] = xy
        self.adjacent: list[list[tuple[int, Point2, Point2]]] = [[] for _ in range(len(xy))]
        edges: dict[tuple[Point2, Point2], int] = {}
        for t, tri in enumerate(xy.tolist()):
            for k in range(3):
                p, q = tuple(tri[k]), tuple(tri[(k + 1) % 3])
                key = (p, q) if p < q else (q, p)
                other = edges.pop(key, None)
                if other is None:
                    edges[key] = t
                else:
                    self.adjacent[t].append((other, key[0], key[1]))
                    self.adjacent[other].append((t, key[0], key[1]))

    def locate(self, p: Point2) -> int:
        """The triangle nearest to p (the one holding it when p is inside)."""
        return int(np.argmin(shapely.distance(self.triangles, shapely.points(p))))

    def path(self, a: Point2, b: Point2) -> list[Point2] | None:
        """The shortest path a -> b inside the corridor of triangles A* finds, or None when the
        two ends' triangles are not connected."""
        portals = self._corridor(self.locate(a), self.locate(b), b)
        return None if portals is None else funnel(a, b, portals)

    def _corridor(self, start: int, goal: int, b: Point2) -> list[Portal] | None:
        """The portals (shared edges) crossed from triangle `start` to `goal`, oriented."""
        at: dict[int, Point2] = {start: tuple(self.xy[start].mean(axis=0))}
        came: dict[int, tuple[int, Point2, Point2]] = {}
        best = {start: 0.0}
        heap = [(math.dist(at[start], b), 0.0, start)]
        done: set[int] = set()
        while heap:
            _f, g, t = heapq.heappop(heap)
            if t in done:
                continue
            done.add(t)
            if t == goal:
                return self._portals(came, goal)
            for v, p, q in self.adjacent[t]:
                mid = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
                gv = g + math.dist(at[t], mid)
                if v not in done and gv < best.get(v, math.inf):
                    best[v], at[v], came[v] = gv, mid, (t, p, q)
                    heapq.heappush(heap, (gv + math.dist(mid, b), gv, v))
        return None

    def _portals(self, came: dict[int, tuple[int, Point2, Point2]], goal: int) -> list[Portal]:
        out: list[Portal] = []
        t = goal
        while t in came:
            prev, p, q = came[t]
            apex = next(
                (float(x), float(y)) for x, y in self.xy[prev] if (x, y) != p and (x, y) != q
            )
            # seen from the far vertex of the triangle left, p is on the right when apex, p, q
            # turn counter-clockwise
            out.append((q, p) if _cross(apex, p, q) > 0 else (p, q))
            t = prev
        return out[::-1]


def funnel(a: Point2, b: Point2, portals: list[Portal]) -> list[Point2]:
    """The shortest path a -> b through the portals (the "simple stupid funnel" algorithm)."""
    gates: list[Portal] = [(a, a), *portals, (b, b)]
    path = [a]
    apex = left = right = a
    apex_i = left_i = right_i = 0
    i = 1
    while i < len(gates):
        new_left, new_right = gates[i]
        if _cross(apex, right, new_right) >= 0:  # the right side tightens
            if apex == right or _cross(apex, left, new_right) < 0:
                right, right_i = new_right, i
            else:  # it crossed the left side: the left corner is a bend
                path.extend([left] if left != path[-1] else [])
                apex = right = left
                apex_i = right_i = left_i
                i = apex_i + 1
                continue
        if _cross(apex, left, new_left) <= 0:  # the left side tightens
            if apex == left or _cross(apex, right, new_left) > 0:
                left, left_i = new_left, i
            else:
                path.extend([right] if right != path[-1] else [])
                apex = left = right
                apex_i = left_i = right_i
                i = apex_i + 1
                continue
        i += 1
    if path[-1] != b:
        path.append(b)
    return path


def _cross(o: Point2, p: Point2, q: Point2) -> float:
    """Positive when q lies to the left of the line o -> p."""
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])
