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
    ys = first + spacing_m * np.arange(count)
    y1, y2 = p1[:, 1][None, :], p2[:, 1][None, :]
    yl = ys[:, None]
    crosses = (y1 <= yl) != (y2 <= yl)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (yl - y1) / (y2 - y1)
        xs = p1[:, 0][None, :] + t * (p2[:, 0] - p1[:, 0])[None, :]
    xs = np.where(crosses, xs, np.inf)
    xs.sort(axis=1)
    segments: list[FloatArray] = []
    for row, y in zip(xs, ys, strict=True):
        finite = row[np.isfinite(row)]
        for k in range(0, len(finite) - 1, 2):
            x0, x1 = finite[k] + END_INSET_M, finite[k + 1] - END_INSET_M
            if x1 - x0 >= MIN_SEGMENT_M:
                segments.append(np.array([[x0, y], [x1, y]]))
    if not segments:
        return Lanes(np.zeros((0, 2, 2)), angle_deg, spacing_m)
    flat = _rotate(np.vstack(segments), a)
    return Lanes(flat.reshape(-1, 2, 2), angle_deg, spacing_m)


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
    search = free.simplify(spacing_m / 20, preserve_topology=True)
    edges = _edge_angles(search)

    def cost(angle: float) -> float:
        return lane_cost_m(cut_lanes(search, angle, spacing_m), turn_cost_m)

    best = min(sorted({float(a) for a in range(0, 180, 6)} | edges), key=cost)
    for step in (2.0, 0.5):
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
