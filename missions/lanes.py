"""Coverage lanes: parallel lines across the free space, clipped to it, at a chosen angle.

Lanes are cut with a vectorised scanline (even-odd crossings of every ring edge), which is exact for
any valid polygon with holes and far faster than intersecting one shapely line at a time. The lane
angle is searched to minimise lane length plus a cost per lane end (each end is a turn).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geofence.build import polygons_of

FloatArray = npt.NDArray[np.float64]

#: Lane ends are pulled this far inside the free space so they never sit on its boundary.
END_INSET_M = 0.005
#: Segments shorter than this are slivers between crossings, not lanes.
MIN_SEGMENT_M = 0.05


@dataclass(frozen=True, slots=True)
class Lanes:
    """Lane segments as an (N, 2, 2) array of [start, end] east/north metres, and their angle."""

    segments: FloatArray
    angle_deg: float
    spacing_m: float

    @property
    def length_m(self) -> float:
        d = self.segments[:, 1, :] - self.segments[:, 0, :]
        return float(np.hypot(d[:, 0], d[:, 1]).sum())


def _edges(free: BaseGeometry) -> FloatArray:
    """Every ring edge of the free space as rows [x1, y1, x2, y2]."""
    rows = []
    for poly in polygons_of(free):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords, dtype=float)
            rows.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(rows) if rows else np.zeros((0, 4))


def _rotate(xy: FloatArray, angle_rad: float) -> FloatArray:
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    rotated: FloatArray = xy @ np.array([[c, s], [-s, c]])
    return rotated


def cut_lanes(free: BaseGeometry, angle_deg: float, spacing_m: float) -> Lanes:
    """Lanes at `angle_deg` (from east, counter-clockwise) spaced `spacing_m`, clipped to `free`."""
    edges = _edges(free)
    if len(edges) == 0:
        return Lanes(np.zeros((0, 2, 2)), angle_deg, spacing_m)
    a = math.radians(angle_deg)
    p1 = _rotate(edges[:, :2], -a)
    p2 = _rotate(edges[:, 2:], -a)
    ymin, ymax = (
        float(min(p1[:, 1].min(), p2[:, 1].min())),
        float(max(p1[:, 1].max(), p2[:, 1].max())),
    )
    height_m = ymax - ymin
    count = max(1, math.ceil(height_m / spacing_m))
    first = ymin + (height_m - (count - 1) * spacing_m) / 2
    lane, xs = _crossings(p1, p2, first, spacing_m, count)
    order = np.lexsort((xs, lane))
    lane, xs = lane[order], xs[order]
    segments: list[FloatArray] = []
    starts = np.searchsorted(lane, np.arange(count + 1))
    for k in range(count):
        row = xs[starts[k] : starts[k + 1]]
        y = first + spacing_m * k
        for j in range(0, len(row) - 1, 2):
            x0, x1 = row[j] + END_INSET_M, row[j + 1] - END_INSET_M
            if x1 - x0 >= MIN_SEGMENT_M:
                segments.append(np.array([[x0, y], [x1, y]]))
    if not segments:
        return Lanes(np.zeros((0, 2, 2)), angle_deg, spacing_m)
    flat = _rotate(np.vstack(segments), a)
    return Lanes(flat.reshape(-1, 2, 2), angle_deg, spacing_m)


def _crossings(
    p1: FloatArray, p2: FloatArray, first: float, spacing_m: float, count: int
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Every (lane index, x) where a lane line y = first + k * spacing crosses an edge p1 -> p2.

    An edge crosses lane k when min(y1, y2) <= y_k < max(y1, y2) (half-open, so a vertex on a
    lane counts once or twice, never oddly). Only the lanes each edge spans are generated.
    """
    y1, y2 = p1[:, 1], p2[:, 1]
    lo = np.floor((np.minimum(y1, y2) - first) / spacing_m).astype(np.intp)
    hi = np.ceil((np.maximum(y1, y2) - first) / spacing_m).astype(np.intp)
    lo, hi = np.clip(lo, 0, count - 1), np.clip(hi, 0, count - 1)
    spans = hi - lo + 1
    edge = np.repeat(np.arange(len(y1)), spans)
    offset = np.arange(len(edge)) - np.repeat(np.cumsum(spans) - spans, spans)
    lane = lo[edge] + offset
    y = first + spacing_m * lane
    a, b = y1[edge], y2[edge]
    hit = (a <= y) != (b <= y)
    edge, lane, y = edge[hit], lane[hit], y[hit]
    t = (y - y1[edge]) / (y2[edge] - y1[edge])
    xs = p1[edge, 0] + t * (p2[edge, 0] - p1[edge, 0])
    return lane, xs


def lane_cost_m(lanes: Lanes, turn_cost_m: float) -> float:
    """Length of the lanes plus a distance-equivalent cost for each lane's turn."""
    return lanes.length_m + turn_cost_m * len(lanes.segments)


#: An angle parallel to a long edge wins over a cheaper one unless that saves more than this.
EDGE_PREFERENCE = 1.03


def best_angle(free: BaseGeometry, spacing_m: float, turn_cost_m: float) -> float:
    """The lane angle (degrees) with the lowest cost: a coarse sweep, candidates from the long
    edges, then a fine search around the best.

    Lanes a few degrees off a long edge leave thin wedges along it that no footprint reaches, so
    an edge-parallel angle is kept when it costs at most `EDGE_PREFERENCE` times the best.
    """
    search = free.simplify(spacing_m / 8, preserve_topology=True)
    edges = _edge_angles(search)

    def cost(angle: float) -> float:
        return lane_cost_m(cut_lanes(search, angle, spacing_m), turn_cost_m)

    best = min(sorted({float(a) for a in range(0, 180, 10)} | edges), key=cost)
    for step in (4.0, 1.0):
        best = min((best - 2 * step, best - step, best, best + step, best + 2 * step), key=cost)
    edge_best = min(sorted(edges), key=cost)
    if cost(edge_best) <= EDGE_PREFERENCE * cost(best):
        best = edge_best
    return best % 180.0


def _edge_angles(free: BaseGeometry, count: int = 6) -> set[float]:
    """Directions of the longest exterior edges and of the minimum rotated rectangle."""
    angles: list[tuple[float, float]] = []
    hull = shapely.minimum_rotated_rectangle(free)
    for poly in (*polygons_of(free), *polygons_of(hull)):
        xy = np.asarray(poly.exterior.coords)
        d = np.diff(xy, axis=0)
        lengths = np.hypot(d[:, 0], d[:, 1])
        for k in np.argsort(lengths)[-count:]:
            angles.append((float(lengths[k]), math.degrees(math.atan2(d[k, 1], d[k, 0])) % 180))
    return {round(a, 3) for _l, a in sorted(angles)[-count:]}
