"""Transit legs that stay inside the free space: straight when clear, else around the obstacles.

The router works in the free space itself (the fence shrunk by the margin, exclusions grown by
it), never in a further inset, so a neck just wider than twice the margin still carries a path.
What it guarantees:

- a path is found whenever both ends lie in the same connected part of the free space;
- every leg lies inside the free space, up to `LEG_TOLERANCE_M` (legs may touch its boundary);
- an end up to `SNAP_M` outside the free space (rounding, a lane end on the boundary) is moved
  to the nearest point of it, and the path starts or ends there;
- when there is no path, the error says why: an end lies outside the free space by so many
  metres, or the two ends lie in different parts of it (which part is cut off, and where the
  neck narrower than twice the margin is when the fence shows one).

Shortest paths among polygonal obstacles bend only at reflex corners, so those are the nodes of
a visibility graph, searched lazily with A* (edges are checked only when popped; each corner links
to a few near corners in every direction; corners inside an ellipse round the two ends first).
Margin arcs are thinned to a few corners, each nudged `NODE_NUDGE_M` off the boundary so the
chords between them clear the arcs. That sparse graph can miss a way through a narrow neck, so a
triangulation of the part (`missions.navmesh`) is the complete fallback. The bends either adds are
pulled out at the end.
"""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geofence.build import polygons_of
from missions.errors import PlanningError
from missions.navmesh import NavMesh

Point2 = tuple[float, float]
FloatArray = npt.NDArray[np.float64]

_WIDEN = (1.2, 2.0, 4.0)
#: Every leg lies within this of the free space (legs along its boundary are not refused for
#: rounding).
LEG_TOLERANCE_M = 0.001
#: Ends at most this far outside the free space are moved onto it; further out is an error.
SNAP_M = 1.0
#: Margin arcs are thinned to corners that keep the boundary within this (graph nodes only).
NODE_SIMPLIFY_M = 1.0
#: Graph corners sit this far off the boundary (when that stays inside), clearing thinned arcs.
NODE_NUDGE_M = 1.0
#: How many nearest corners each corner links to in the search, and in how many directions.
NEIGHBOURS = 8
SECTORS = 16


class NoPathError(PlanningError):
    """No path inside the free space joins `start` and `goal` (east/north metres); `reason`
    says why in words, and `neck_at` / `neck_width_m` locate the neck that splits the free
    space when one was found."""

    def __init__(
        self,
        start: Point2,
        goal: Point2,
        reason: str,
        *,
        neck_at: Point2 | None = None,
        neck_width_m: float | None = None,
    ) -> None:
        self.start = start
        self.goal = goal
        self.reason = reason
        self.neck_at = neck_at
        self.neck_width_m = neck_width_m
        super().__init__(
            f"no path inside the free space from ({start[0]:.0f}, {start[1]:.0f}) to "
            f"({goal[0]:.0f}, {goal[1]:.0f}) m east/north of home: {reason}"
        )


class Router:
    """Shortest transit paths inside one free-space geometry (build once, query many times).

    `allowed` (the fence before the margin) and `margin_m`, when given, let a refusal name the
    neck that splits the free space.
    """

    def __init__(
        self,
        free: BaseGeometry,
        *,
        allowed: BaseGeometry | None = None,
        margin_m: float | None = None,
    ) -> None:
        self.free = free
        self.allowed = allowed
        self.margin_m = margin_m
        shapely.prepare(free)
        self._slack = free.buffer(LEG_TOLERANCE_M, quad_segs=2)
        shapely.prepare(self._slack)
        self.parts = polygons_of(free)
        self._parts = np.asarray(self.parts, dtype=object)
        shapely.prepare(self._parts)
        self._corners = [_reflex_corners(_thinned(part)) for part in self.parts]
        self.nodes, self._node_part = _graph_nodes(self.parts, self._corners, NODE_NUDGE_M)
        self._meshes: dict[int, NavMesh] = {}
        self._clear_cache: dict[tuple[int, int], bool] = {}

    def is_clear(self, a: Point2, b: Point2) -> bool:
        """True when the straight leg a -> b stays inside the free space (within
        `LEG_TOLERANCE_M`)."""
        if a == b:
            return bool(self._slack.covers(shapely.points(a)))
        return bool(self._slack.covers(LineString([a, b])))

    def route(self, a: Point2, b: Point2) -> list[Point2]:
        """The shortest path a -> b inside the free space, as its corners (its ends included).

        An end less than `SNAP_M` outside the free space is replaced by the nearest point of
        the free space; raises `NoPathError` saying why when there is no path.
        """
        a2, b2 = self._snapped(a, b, a, "start"), self._snapped(a, b, b, "end")
        if self.is_clear(a2, b2):
            return [a2, b2]
        part_a, part_b = self._part_of(a2), self._part_of(b2)
        if part_a != part_b:
            raise self._split(a, b, part_a, part_b)
        path = self._graph_path(a2, b2, part_a) or self._mesh(part_a).path(a2, b2)
        if path is None:  # not expected: both ends lie in one connected part
            raise NoPathError(a, b, "the triangulation of their common part found no way")
        return self._pull_tight(path)

    def inner_corners(self, inset_m: float) -> FloatArray:
        """The reflex corners moved `inset_m` into the free space (each kept where that would
        leave it): places that see round the obstacles, with room to spare."""
        return _graph_nodes(self.parts, self._corners, inset_m)[0]

    def _snapped(self, a: Point2, b: Point2, end: Point2, which: str) -> Point2:
        """`end`, or the nearest point of the free space when it lies up to `SNAP_M` outside."""
        if self._slack.covers(shapely.points(end)):
            return end
        gap_m = float(self.free.distance(Point(end)))
        if gap_m > SNAP_M:
            raise NoPathError(a, b, f"the {which} lies {gap_m:.1f} m outside the free space")
        near = shapely.get_coordinates(shapely.shortest_line(self.free, Point(end)))[0]
        return (float(near[0]), float(near[1]))

    def _part_of(self, p: Point2) -> int:
        """Index of the connected part of the free space nearest to (holding) p."""
        return int(np.argmin(shapely.distance(self._parts, shapely.points(p))))

    def _split(self, a: Point2, b: Point2, part_a: int, part_b: int) -> NoPathError:
        """Why two parts are apart: where the cut-off one lies, and the neck between them when
        the fence shows one (their nearest points joined inside the fence)."""
        pa, pb = self.parts[part_a], self.parts[part_b]
        cut, other = (pb, pa) if pb.area <= pa.area else (pa, pb)
        at = cut.representative_point()
        reason = (
            f"the {'end' if cut is pb else 'start'} lies in a part of the free space "
            f"({cut.area:,.0f} m2, around ({at.x:.0f}, {at.y:.0f})) cut off from the other "
            f"end's part ({other.area:,.0f} m2)"
        )
        neck = self._neck(cut, other)
        if neck is not None:
            (x, y), width_m = neck
            reason += (
                f": the way between them leads through a neck at most {width_m:.1f} m wide "
                f"near ({x:.0f}, {y:.0f}), narrower than twice the margin"
            )
            return NoPathError(a, b, reason, neck_at=(x, y), neck_width_m=width_m)
        gap = shapely.shortest_line(other, cut)
        (x1, y1), (x2, y2) = shapely.get_coordinates(gap).tolist()
        reason += (
            f"; their nearest points, ({x1:.0f}, {y1:.0f}) and ({x2:.0f}, {y2:.0f}), are "
            f"{gap.length:.1f} m apart"
            + ("" if self.allowed is None else " across an exclusion or outside the fence")
        )
        return NoPathError(a, b, reason)

    def _neck(self, cut: Polygon, other: Polygon) -> tuple[Point2, float] | None:
        """A place of the fence narrower than twice the margin that touches both parts (what
        the margin took away beyond rounding its corners), and its greatest width."""
        if self.allowed is None or self.margin_m is None or self.margin_m <= 0:
            return None
        reach_m = self.margin_m * 1.01 + 0.01
        lost = self.allowed.difference(self.free.buffer(reach_m, quad_segs=8))
        touch_m = 0.02 * self.margin_m + 0.05
        for piece in sorted(polygons_of(lost), key=lambda p: -p.area):
            if piece.distance(cut) <= reach_m + touch_m and piece.distance(other) <= (
                reach_m + touch_m
            ):
                circle = shapely.maximum_inscribed_circle(piece, 0.01)
                x, y = shapely.get_coordinates(circle)[0]
                return (float(x), float(y)), 2 * float(circle.length)
        return None

    def _graph_path(self, a: Point2, b: Point2, part: int) -> list[Point2] | None:
        """The sparse visibility graph's path, or None when it finds none in the nearer
        corners (the triangulation then decides)."""
        direct = math.dist(a, b)
        nodes = self.nodes
        if not len(nodes):
            return None
        da = np.hypot(nodes[:, 0] - a[0], nodes[:, 1] - a[1])
        db = np.hypot(nodes[:, 0] - b[0], nodes[:, 1] - b[1])
        mine = self._node_part == part
        for factor in _WIDEN:
            index = np.nonzero(mine & (da + db <= direct * factor + 20.0))[0]
            path = self._astar(a, b, index)
            if path is not None:
                return path
        return None

    def _mesh(self, part: int) -> NavMesh:
        if part not in self._meshes:
            self._meshes[part] = NavMesh(self.parts[part])
        return self._meshes[part]

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
                return _unwind(parent, goal, pts)
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


def _thinned(part: Polygon) -> BaseGeometry:
    return part.simplify(NODE_SIMPLIFY_M, preserve_topology=True)


def _graph_nodes(
    parts: list[Polygon], corners: list[tuple[FloatArray, FloatArray]], nudge_m: float
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """Each part's reflex corners nudged `nudge_m` off the boundary where that stays inside,
    and the part each belongs to."""
    nodes, owner = [], []
    for k, (part, (xy, inward)) in enumerate(zip(parts, corners, strict=True)):
        nudged = xy + inward * nudge_m
        inside = shapely.contains_xy(part, nudged[:, 0], nudged[:, 1])
        nodes.append(np.where(inside[:, None], nudged, xy))
        owner.append(np.full(len(xy), k, dtype=np.intp))
    if not nodes:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.intp)
    return np.vstack(nodes), np.concatenate(owner)


def _reflex_corners(poly: BaseGeometry) -> tuple[FloatArray, FloatArray]:
    """Corners where the free space turns inward (where shortest paths bend), and the unit
    vectors halving their angle into the free space."""
    points, inward = [], []
    for part in polygons_of(poly):
        oriented = orient(part, 1.0)  # the inside lies to the left of every ring
        for ring in (oriented.exterior, *oriented.interiors):
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            d_in = xy - np.roll(xy, 1, axis=0)
            d_out = np.roll(xy, -1, axis=0) - xy
            cross = d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0]
            left = _unit(np.stack([-d_in[:, 1], d_in[:, 0]], axis=1)) + _unit(
                np.stack([-d_out[:, 1], d_out[:, 0]], axis=1)
            )
            points.append(xy[cross < 0])
            inward.append(_unit(left[cross < 0]))
    if not points:
        return np.zeros((0, 2)), np.zeros((0, 2))
    return np.vstack(points), np.vstack(inward)


def _unit(v: FloatArray) -> FloatArray:
    norm = np.hypot(v[:, 0], v[:, 1])[:, None]
    out: FloatArray = np.divide(v, norm, out=np.zeros_like(v), where=norm > 0)
    return out
