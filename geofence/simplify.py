"""Fitting a fence into an autopilot's store: fewer vertices, and never more room to fly.

Real outlines of parks, blocks and provinces have hundreds to thousands of vertices; an autopilot
stores a few dozen fence items (`geofence.capacity`). A fence that does not fit is simplified
*conservatively*: every simplified inclusion lies inside its drawn polygon and every simplified
exclusion contains its drawn polygon, so the vehicle is never allowed beyond a drawn line.

The work is done in the latitude/longitude plane (`LatLonPlane`), where both autopilots test a
fence polygon's edges: a kept vertex is the drawn vertex itself, and "inside" holds exactly for the
edges the autopilot will hold. Moves, cheapest first (Visvalingam-Whyatt, restricted to safe ones):

- an inclusion drops a convex vertex whose triangle with its neighbours holds no other vertex of
  its ring (an *ear*): the ring stays simple and the region shrinks by that triangle only. A simple
  polygon of more than three vertices always has two ears, so a ring can always reach three;
- an exclusion drops a reflex vertex the same way (it grows by the triangle), or drops an edge
  between two convex vertices: its ends become the point where the neighbouring edges, extended,
  meet (it grows by that triangle; the ring is checked to stay simple, so this move is made only
  in the last, one-at-a-time stage, where rings are short);
- a move costs the allowed area it takes: an inclusion's triangle; the part of an exclusion's
  triangle inside the drawn inclusions (growing an exclusion outside them costs nothing);
- a move whose triangle holds a protected point (home) is never made.

For 5,000 vertices this takes a fraction of a second (`python -m bench plan`): candidates are
weighed in bulk with shapely, and only a move's neighbours are weighed again after it.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LinearRing, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geofence.capacity import FenceCapacity, fence_item_count
from geofence.errors import FenceError
from geofence.fence import Fence, FencePolygon
from geofence.frames import LatLon, LatLonPlane

FloatArray = npt.NDArray[np.float64]
#: The moves waiting, cheapest first: (cost m2, move, ring, vertex, the vertex's stamp then).
Heap = list[tuple[float, int, int, int, int]]
#: A ring is never simplified below a triangle.
MIN_VERTICES = 3
#: Below this many times the target, moves are made one at a time (cheapest first, exactly).
_ONE_AT_A_TIME = 8
#: An exclusion's triangle outside the inclusions still costs this share of its area, so that
#: among free moves the smallest go first.
_OUTSIDE_WEIGHT = 1e-6


class _Move(Enum):
    DROP = 0  # drop a vertex (an ear of an inclusion, a reflex vertex of an exclusion)
    EXTEND = 1  # replace an exclusion's edge by the point where its neighbours meet


@dataclass(frozen=True, slots=True)
class FittedFence:
    """The fence as it will be uploaded, the fence as drawn, and how many items each has."""

    fence: Fence
    drawn: Fence
    items_drawn: int
    items: int

    @property
    def simplified(self) -> bool:
        return self.items < self.items_drawn


def fit_fence(
    fence: Fence, capacity: FenceCapacity, *, protect: Sequence[LatLon] = ()
) -> FittedFence:
    """`fence` if it fits `capacity`, else a conservative simplification of it that does.

    Raises `FenceError` when even a triangle for every polygon would not fit.
    """
    drawn = fence_item_count(fence)
    if capacity.fits(fence):
        return FittedFence(fence, fence, drawn, drawn)
    polygons, circles = len(fence.polygons), len(fence.circles)
    returns = fence.breach_return is not None
    budget = capacity.vertex_budget(polygons, circles, returns)
    if budget < MIN_VERTICES * polygons:
        least = MIN_VERTICES * polygons + circles + int(returns)
        raise FenceError(
            f"the fence has {polygons} polygons and {circles} circles: even with 3 vertices "
            f"each it takes {least} items, more than {capacity.describe()}; drop exclusions the "
            "patrol does not come near, or join them"
        )
    simplifier = _Simplifier(fence, protect)
    cap = capacity.max_polygon_vertices
    if cap is not None and budget > cap:  # else meeting the budget meets the cap too
        for ring in simplifier.rings:
            if ring.count > cap:
                simplifier.reduce([ring], cap)
    simplifier.reduce(simplifier.rings, budget)
    out = Fence(
        tuple(simplifier.polygon(ring) for ring in simplifier.rings),
        fence.circles,
        ceiling_rel_m=fence.ceiling_rel_m,
        margin_m=fence.margin_m,
        breach_return=fence.breach_return,
    )
    if not capacity.fits(out):  # the loop stops at the budget: this is a bug, not an input
        raise AssertionError(f"simplified fence of {fence_item_count(out)} items does not fit")
    return FittedFence(out, fence, drawn, fence_item_count(out))


def _cross(a: FloatArray, b: FloatArray, c: FloatArray) -> float:
    """Twice the signed area of the triangle a, b, c (positive counter-clockwise)."""
    return float((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]))


@dataclass(eq=False)
class _Ring:
    """One polygon being simplified: a doubly linked ring of plane points."""

    index: int
    inclusion: bool
    xy: FloatArray
    vertices: tuple[LatLon, ...]
    sense: float  # +1 counter-clockwise in the plane, -1 clockwise
    prev: list[int]
    next: list[int]
    alive: npt.NDArray[np.bool_]
    stamp: list[int]
    tree: shapely.STRtree
    count: int
    moved: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, index: int, polygon: FencePolygon, plane: LatLonPlane) -> _Ring:
        lat = np.array([v.lat_deg for v in polygon.vertices])
        lon = np.array([v.lon_deg for v in polygon.vertices])
        xy = plane.latlon2xy(lat, lon)
        n = len(xy)
        x, y = xy[:, 0], xy[:, 1]
        area2 = float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
        ring = cls(
            index=index,
            inclusion=polygon.inclusion,
            xy=xy,
            vertices=polygon.vertices,
            sense=1.0 if area2 > 0 else -1.0,
            prev=[(k - 1) % n for k in range(n)],
            next=[(k + 1) % n for k in range(n)],
            alive=np.ones(n, dtype=bool),
            stamp=[0] * n,
            tree=shapely.STRtree(np.asarray(shapely.points(xy))),
            count=n,
        )
        return ring

    def turn(self, v: int) -> float:
        """Twice the signed triangle area at `v`: positive where the ring turns convex."""
        return self.sense * _cross(self.xy[self.prev[v]], self.xy[v], self.xy[self.next[v]])

    def order(self) -> list[int]:
        start = int(np.flatnonzero(self.alive)[0])
        out, k = [start], self.next[start]
        while k != start:
            out.append(k)
            k = self.next[k]
        return out


class _Simplifier:
    """Every polygon of a fence as a ring, and the greedy moves over all of them."""

    def __init__(self, fence: Fence, protect: Sequence[LatLon]) -> None:
        first = fence.polygons[0].vertices[0]
        self.plane = LatLonPlane(first)
        self.rings = [_Ring.of(k, p, self.plane) for k, p in enumerate(fence.polygons)]
        self.included = _AreaIndex([Polygon(r.xy) for r in self.rings if r.inclusion])
        self.excluded = _AreaIndex([Polygon(r.xy) for r in self.rings if not r.inclusion])
        if protect:
            lat = np.array([p.lat_deg for p in protect])
            lon = np.array([p.lon_deg for p in protect])
            self.protected = [Point(*xy) for xy in self.plane.latlon2xy(lat, lon)]
        else:
            self.protected = []

    # -- the greedy loop ---------------------------------------------------------------------

    def reduce(self, rings: list[_Ring], target: int) -> None:
        """Apply the cheapest safe moves on `rings` until they hold `target` vertices together:
        in rounds of many at once while far above it, then one at a time."""
        while (total := sum(r.count for r in rings)) > _ONE_AT_A_TIME * target:
            if not self._round(rings, total - _ONE_AT_A_TIME * target):
                break
        heap: Heap = []
        moved = True  # since the moves were last weighed
        while sum(r.count for r in rings) > target:
            if not heap:
                if not moved:
                    raise FenceError(
                        f"the fence cannot be simplified to {target} vertices: every vertex "
                        "left would cut off home or a corner of the zone; move home further "
                        "inside the zone, or simplify the outlines before planning"
                    )
                for ring in rings:  # (again: vertices once blocked may have been freed since)
                    self._weigh_all(ring, heap)
                moved = False
                continue
            _cost, move, ring_index, v, stamp = heapq.heappop(heap)
            ring = self.rings[ring_index]
            if not ring.alive[v] or ring.stamp[v] != stamp or ring.count <= MIN_VERTICES:
                continue
            if _Move(move) is _Move.DROP:
                self._drop(ring, v, heap)
                moved = True
            else:
                moved = self._extend(ring, v, heap) or moved

    def _weigh_all(self, ring: _Ring, heap: Heap) -> None:
        self._weigh(ring, np.flatnonzero(ring.alive).tolist(), heap)

    def _weigh(self, ring: _Ring, vertices: list[int], heap: Heap) -> None:
        """Weigh each of `vertices` again (after a move beside them) and queue its safe moves."""
        for v in vertices:
            ring.stamp[v] += 1
        if ring.count <= MIN_VERTICES:
            return
        if not ring.inclusion:
            for v in vertices:
                if ring.alive[v]:
                    self._weigh_extend(ring, v, heap)
        live, costs = self._drops(ring, [v for v in vertices if ring.alive[v]])
        for v, cost in zip(live.tolist(), costs.tolist(), strict=True):
            heapq.heappush(heap, (cost, _Move.DROP.value, ring.index, v, ring.stamp[v]))

    def _drops(self, ring: _Ring, vertices: list[int]) -> tuple[npt.NDArray[np.int_], FloatArray]:
        """The vertices among `vertices` that may be dropped, and what each drop costs; in
        bulk, a shapely call per step and not per vertex."""
        live = np.array(vertices, dtype=int)
        if not len(live):
            return live, np.zeros(0)
        prev = np.array([ring.prev[v] for v in vertices], dtype=int)
        nxt = np.array([ring.next[v] for v in vertices], dtype=int)
        a, b, c = ring.xy[prev], ring.xy[live], ring.xy[nxt]
        turn = ring.sense * (
            (b[:, 0] - a[:, 0]) * (c[:, 1] - b[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - b[:, 0])
        )
        wanted = turn >= 0 if ring.inclusion else turn <= 0
        flat = turn == 0
        ok = wanted & (~flat | _between(a, b, c))
        solid = np.flatnonzero(wanted & ~flat)
        costs = np.zeros(len(live))
        if len(solid):
            triangles = np.asarray(shapely.polygons(np.stack([a, b, c], 1)[solid]))
            pairs = ring.tree.query(triangles, predicate="intersects")
            own = np.stack([prev[solid], live[solid], nxt[solid]], 1)
            hit = pairs[1]
            other = ring.alive[hit] & (own[pairs[0]] != hit[:, None]).all(axis=1)
            blocked = np.zeros(len(solid), dtype=bool)
            blocked[pairs[0][other]] = True
            for point in self.protected:
                blocked |= np.asarray(shapely.intersects(triangles, point), dtype=bool)
            ok[solid[blocked]] = False
            costs[solid] = self._costs(ring, triangles, np.abs(turn[solid]) / 2)
        return live[ok], costs[ok]

    def _round(self, rings: list[_Ring], most: int) -> int:
        """Drop at once up to `most` of the cheapest safe vertices (an eighth of those left at
        most), no two within two steps along a ring: such drops stay safe together, since two
        ears that share no vertex cannot overlap. Returns how many were dropped."""
        found: list[tuple[float, int, int]] = []
        for ring in rings:
            if ring.count > MIN_VERTICES:
                live, costs = self._drops(ring, np.flatnonzero(ring.alive).tolist())
                pairs = zip(live.tolist(), costs.tolist(), strict=True)
                found += [(c, ring.index, v) for v, c in pairs]
        found.sort()
        limit = min(most, sum(r.count for r in rings) // 8)
        near: set[tuple[int, int]] = set()
        dropped = 0
        for _cost, index, v in found:
            ring = self.rings[index]
            if dropped >= limit:
                break
            if (index, v) in near or ring.count <= MIN_VERTICES:
                continue
            u, w = ring.prev[v], ring.next[v]
            near.update((index, k) for k in (ring.prev[u], u, v, w, ring.next[w]))
            ring.alive[v] = False
            ring.next[u], ring.prev[w] = w, u
            ring.count -= 1
            dropped += 1
        return dropped

    def _costs(
        self, ring: _Ring, triangles: npt.NDArray[np.object_], area: FloatArray
    ) -> FloatArray:
        """The allowed area each triangle takes: an inclusion's, less what the exclusions
        already take; the part of an exclusion's inside the drawn inclusions."""
        if ring.inclusion:
            taken = area - self.excluded.overlap(triangles)
        else:
            taken = self.included.overlap(triangles)
        return np.maximum(taken, 0.0) + _OUTSIDE_WEIGHT * area

    def _weigh_extend(self, ring: _Ring, a: int, heap: Heap) -> None:
        """A convex exclusion's edge from `a` to its next vertex, replaced by the point where
        the edges beside it meet."""
        meet = self._meeting_point(ring, a)
        if meet is None:
            return
        b = ring.next[a]
        triangles = np.asarray(shapely.polygons([[ring.xy[a], meet, ring.xy[b]]]))
        if any(shapely.intersects(triangles[0], p) for p in self.protected):
            return
        area = abs(_cross(ring.xy[a], meet, ring.xy[b])) / 2
        cost = float(self._costs(ring, triangles, np.array([area]))[0])
        heapq.heappush(heap, (cost, _Move.EXTEND.value, ring.index, a, ring.stamp[a]))

    def _meeting_point(self, ring: _Ring, a: int) -> FloatArray | None:
        b = ring.next[a]
        p, q = ring.prev[a], ring.next[b]
        if ring.count <= MIN_VERTICES or p == b or q == a or ring.turn(a) <= 0 or ring.turn(b) <= 0:
            return None
        d1 = ring.xy[a] - ring.xy[p]
        d2 = ring.xy[b] - ring.xy[q]
        det = d1[0] * (-d2[1]) - d1[1] * (-d2[0])
        if det == 0:
            return None  # parallel: the edges never meet
        rhs = ring.xy[b] - ring.xy[a]
        s = (rhs[0] * (-d2[1]) - rhs[1] * (-d2[0])) / det
        t = (d1[0] * rhs[1] - d1[1] * rhs[0]) / det
        if s <= 0 or t <= 0:
            return None  # they meet on the inner side
        meet: FloatArray = ring.xy[a] + s * d1
        if ring.sense * _cross(ring.xy[a], ring.xy[b], meet) >= 0:
            return None
        return meet

    # -- the moves ---------------------------------------------------------------------------

    def _drop(self, ring: _Ring, v: int, heap: Heap) -> None:
        u, w = ring.prev[v], ring.next[v]
        ring.alive[v] = False
        ring.next[u], ring.prev[w] = w, u
        ring.count -= 1
        self._reweigh(ring, (ring.prev[u], u, w, ring.next[w]), heap)

    def _extend(self, ring: _Ring, a: int, heap: Heap) -> bool:
        """Replace the edge from `a` by its neighbours' meeting point; False if it cannot be."""
        meet = self._meeting_point(ring, a)
        if meet is None:
            return False
        b = ring.next[a]
        q = ring.next[b]
        coords = [meet if k == a else ring.xy[k] for k in ring.order() if k != b]
        if not LinearRing(coords).is_simple:
            return False  # the new edges would cut across another part of the ring
        ring.xy[a] = meet
        ring.moved.add(a)
        ring.alive[b] = False
        ring.next[a], ring.prev[q] = q, a
        ring.count -= 1
        self._reweigh(ring, (ring.prev[ring.prev[a]], ring.prev[a], a, q, ring.next[q]), heap)
        return True

    def _reweigh(self, ring: _Ring, around: tuple[int, ...], heap: Heap) -> None:
        self._weigh(ring, list(dict.fromkeys(around)), heap)

    # -- out ---------------------------------------------------------------------------------

    def polygon(self, ring: _Ring) -> FencePolygon:
        """The ring as a fence polygon: kept vertices exactly as drawn, moved ones converted."""
        order = ring.order()
        moved = [k for k in order if k in ring.moved]
        converted: dict[int, LatLon] = {}
        if moved:
            latlon = self.plane.xy2latlon(ring.xy[moved, 0], ring.xy[moved, 1])
            converted = {
                k: LatLon(float(lat), float(lon))
                for k, (lat, lon) in zip(moved, latlon, strict=True)
            }
        vertices = tuple(converted.get(k, ring.vertices[k]) for k in order)
        return FencePolygon.clockwise(vertices, ring.inclusion)


class _AreaIndex:
    """How much of a triangle a region covers, fast for a region of thousands of vertices: the
    region is cut into pieces of a few hundred vertices at most, found by an STRtree."""

    PIECE_VERTICES = 200

    def __init__(self, polygons: list[Polygon]) -> None:
        region = shapely.union_all(polygons) if polygons else Polygon()
        pieces = _split(region, self.PIECE_VERTICES)
        self.pieces = np.asarray(pieces, dtype=object)
        self.tree = shapely.STRtree(self.pieces)

    def overlap(self, triangles: npt.NDArray[np.object_]) -> FloatArray:
        out = np.zeros(len(triangles))
        if not len(self.pieces):
            return out
        pairs = self.tree.query(triangles)
        if pairs.shape[1]:
            common = shapely.intersection(triangles[pairs[0]], self.pieces[pairs[1]])
            np.add.at(out, pairs[0], np.asarray(shapely.area(common), dtype=float))
        return out


def _split(region: BaseGeometry, most: int) -> list[BaseGeometry]:
    """`region` in pieces of at most `most` vertices each, by halving its box."""
    if region.is_empty:
        return []
    if shapely.get_num_coordinates(region) <= most:
        return [region]
    x0, y0, x1, y1 = region.bounds
    if x1 - x0 >= y1 - y0:
        xm = (x0 + x1) / 2
        halves = [shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1)]
    else:
        ym = (y0 + y1) / 2
        halves = [shapely.box(x0, y0, x1, ym), shapely.box(x0, ym, x1, y1)]
    return [piece for half in halves for piece in _split(region.intersection(half), most)]


def _between(a: FloatArray, b: FloatArray, c: FloatArray) -> npt.NDArray[np.bool_]:
    """For collinear a, b, c (rows): whether b lies between a and c."""
    return np.asarray(np.einsum("ij,ij->i", b - a, c - b) >= 0)
