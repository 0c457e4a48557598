"""The fence: where the vehicle may fly, as the autopilot will enforce it, and queries on it.

`Fence` is plain data in WGS84 (what is uploaded and written to files). `LocalFence` is the same
fence
in a `LocalFrame`, as prepared shapely geometry, for the planner's and the controller's questions:
is this point inside, how far is it from the nearest boundary, where may the vehicle fly keeping a
margin. Build a `LocalFence` once and reuse it: preparing the geometry is the expensive part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geofence.edges import EDGE_TOLERANCE_M, EdgeModel, latlon_ring, ring_arrays, stored_deg
from geofence.errors import FenceError
from geofence.frames import GeoPoint, LatLon, LocalFrame

#: Arc segments per quarter circle when circles and margins are turned into polygons.
QUAD_SEGS = 16
#: Chords of a polygonised arc cut inside it; scaling the radius by this keeps them outside. GEOS
#: spaces arc vertices up to about twice the nominal 90/QUAD_SEGS degrees apart (measured), so the
#: scale allows for chords of twice that angle.
_CHORD_SCALE = 1.0 / math.cos(math.pi / (2 * QUAD_SEGS))
#: Extra clearance so that points computed on the free-space boundary are never short of the margin.
SAFETY_EPS_M = 0.002
#: The ceiling above home when nothing sets one (a spec's [fence] ceiling_rel_m, a .plan's
#: --ceiling), and the range either may take.
DEFAULT_CEILING_REL_M = 90.0
MIN_CEILING_REL_M = 2.0
MAX_CEILING_REL_M = 1000.0

Geometry = Polygon | MultiPolygon


@dataclass(frozen=True, slots=True)
class FencePolygon:
    """An inclusion or exclusion polygon, vertices clockwise (as QGroundControl and PX4 keep
    them)."""

    vertices: tuple[LatLon, ...]
    inclusion: bool

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise ValueError(f"a fence polygon needs >= 3 vertices, got {len(self.vertices)}")

    @classmethod
    def clockwise(cls, vertices: tuple[LatLon, ...], inclusion: bool) -> FencePolygon:
        """The polygon with its vertices put in clockwise order."""
        return cls(vertices if _signed_area(vertices) <= 0 else vertices[::-1], inclusion)


@dataclass(frozen=True, slots=True)
class FenceCircle:
    """An inclusion or exclusion circle."""

    center: LatLon
    radius_m: float
    inclusion: bool

    def __post_init__(self) -> None:
        if not (self.radius_m > 0 and math.isfinite(self.radius_m)):
            raise ValueError(f"radius_m > 0, got {self.radius_m}")


@dataclass(frozen=True, slots=True)
class RallyPoint:
    """A point to return to (rally point, fence breach return), altitude above home."""

    lat_deg: float
    lon_deg: float
    alt_rel_m: float

    def __post_init__(self) -> None:
        LatLon(self.lat_deg, self.lon_deg)  # validates the ranges


@dataclass(frozen=True, slots=True)
class Fence:
    """Horizontal inclusion/exclusion shapes, an altitude ceiling above home and a planning
    margin."""

    polygons: tuple[FencePolygon, ...] = ()
    circles: tuple[FenceCircle, ...] = ()
    ceiling_rel_m: float = DEFAULT_CEILING_REL_M
    margin_m: float = 0.0
    breach_return: RallyPoint | None = None

    def __post_init__(self) -> None:
        if not (self.ceiling_rel_m > 0):
            raise ValueError(f"ceiling_rel_m > 0, got {self.ceiling_rel_m}")
        if not (self.margin_m >= 0):
            raise ValueError(f"margin_m >= 0, got {self.margin_m}")

    @property
    def inclusion_count(self) -> int:
        """How many inclusion areas (polygons and circles) the fence has."""
        return sum(p.inclusion for p in self.polygons) + sum(c.inclusion for c in self.circles)

    @property
    def has_inclusion(self) -> bool:
        return any(p.inclusion for p in self.polygons) or any(c.inclusion for c in self.circles)

    def in_frame(
        self, frame: LocalFrame, edges: EdgeModel = EdgeModel.BOTH, *, every_inclusion: bool = False
    ) -> LocalFence:
        """This fence as prepared geometry in `frame`: by default, at every point the worse of
        its edges straight in the local plane and straight in degrees (as the autopilot tests
        them). Several inclusion areas allow what is inside any one of them (PX4; ArduPilot with
        FENCE_OPTIONS bit 1), or with `every_inclusion` only what is inside all of them
        (ArduPilot's default)."""
        return LocalFence.build(self, frame, edges, every_inclusion=every_inclusion)


def _signed_area(vertices: tuple[LatLon, ...]) -> float:
    total = 0.0
    for a, b in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        total += a.lon_deg * b.lat_deg - b.lon_deg * a.lat_deg
    return total / 2.0


def circle_polygon(center_e: float, center_n: float, radius_m: float, *, outer: bool) -> Polygon:
    """A polygonised circle: inscribed (inside the true circle) or circumscribed (`outer`)."""
    scale = _CHORD_SCALE if outer else 1.0
    return Point(center_e, center_n).buffer(radius_m * scale, quad_segs=QUAD_SEGS)


def erode(geometry: BaseGeometry, margin_m: float) -> BaseGeometry:
    """Points at least `margin_m` inside `geometry`, even where arcs are turned into chords."""
    if margin_m <= 0:
        return geometry
    return geometry.buffer(-(margin_m * _CHORD_SCALE + SAFETY_EPS_M), quad_segs=QUAD_SEGS)


def dilate(geometry: BaseGeometry, margin_m: float) -> BaseGeometry:
    """Points within `margin_m` of `geometry`, the polygonised arcs kept outside the true ones."""
    if margin_m <= 0:
        return geometry
    return geometry.buffer(margin_m * _CHORD_SCALE + SAFETY_EPS_M, quad_segs=QUAD_SEGS)


@dataclass(frozen=True)
class LocalFence:
    """A fence in a local ENU frame: the allowed region and prepared queries on it."""

    fence: Fence
    frame: LocalFrame
    allowed: BaseGeometry
    inclusion: BaseGeometry
    exclusion: BaseGeometry
    _boundary: BaseGeometry = field(repr=False)

    edges: EdgeModel = EdgeModel.BOTH
    #: how far the edge that bows most, straight in degrees, leaves its local chord (metres);
    #: within `EDGE_TOLERANCE_M`, the two edge models are one
    bow_m: float = 0.0

    @classmethod
    def build(
        cls,
        fence: Fence,
        frame: LocalFrame,
        edges: EdgeModel = EdgeModel.BOTH,
        *,
        every_inclusion: bool = False,
    ) -> LocalFence:
        """The fence's geometry in `frame`, its vertices as the vehicle stores them and its
        polygon edges drawn as `edges` says (see `geofence.edges`)."""
        inc: list[BaseGeometry] = []
        exc: list[BaseGeometry] = []
        most_bow_m = 0.0
        for poly in fence.polygons:
            shape, bow_m = _polygon_shape(poly, frame, edges)
            (inc if poly.inclusion else exc).append(shape)
            most_bow_m = max(most_bow_m, bow_m)
        for circle in fence.circles:
            center = circle.center
            e, n = frame.geodetic2enu(stored_deg(center.lat_deg), stored_deg(center.lon_deg))
            shape = circle_polygon(e, n, circle.radius_m, outer=not circle.inclusion)
            (inc if circle.inclusion else exc).append(shape)
        join = shapely.intersection_all if every_inclusion else shapely.union_all
        inclusion = join(inc) if inc else Polygon()
        exclusion = shapely.union_all(exc) if exc else Polygon()
        allowed = inclusion.difference(exclusion) if exc else inclusion
        shapely.prepare(allowed)
        boundary = allowed.boundary
        shapely.prepare(boundary)
        return cls(fence, frame, allowed, inclusion, exclusion, boundary, edges, most_bow_m)

    def contains(self, east_m: float, north_m: float) -> bool:
        """True when the point is inside the allowed region (boundary included)."""
        return bool(shapely.intersects_xy(self.allowed, east_m, north_m))

    def clearance_m(self, east_m: float, north_m: float) -> float:
        """Distance to the nearest fence boundary: positive inside, negative outside."""
        distance_m = float(self._boundary.distance(Point(east_m, north_m)))
        return distance_m if self.contains(east_m, north_m) else -distance_m

    def line_clearance_m(self, points: list[tuple[float, float]]) -> float:
        """The smallest clearance along a path; when part of it leaves the fence, minus how far
        out it goes (so a leg across an exclusion is as negative as it is deep)."""
        return self.shape_clearance_m(LineString(points) if len(points) > 1 else Point(points[0]))

    def shape_clearance_m(self, shape: BaseGeometry) -> float:
        """The smallest clearance of a point, path or region to the fence; when part of it lies
        outside, minus how far out it reaches (sampled every 0.5 m along what lies outside: the
        distance to the fence has no maximum inside a region, only on its edges)."""
        if self.allowed.covers(shape):
            return float(self._boundary.distance(shape))
        outside = shapely.segmentize(shape.difference(self.allowed), 0.5)
        coords = shapely.get_coordinates(outside)
        samples = shapely.points(coords)
        depth_m = float(shapely.distance(self._boundary, samples).max()) if len(coords) else 0.0
        return -max(depth_m, 1e-6)

    def keeps_clearance(
        self, shapes: BaseGeometry | npt.NDArray[np.object_], min_clearance_m: npt.ArrayLike
    ) -> npt.NDArray[np.bool_]:
        """For each shape: inside the fence and at least `min_clearance_m` from its boundary.

        Vectorised over an array of shapely geometries (segments, triangles); both tests use the
        prepared geometry (`covers`, then `dwithin` on the boundary), so thousands cost little.
        """
        need_m = np.asarray(min_clearance_m, dtype=float)
        inside = np.asarray(shapely.covers(self.allowed, shapes), dtype=bool)
        # dwithin is vectorised over its distance too (the stubs say float)
        near = np.asarray(shapely.dwithin(self._boundary, shapes, cast(float, need_m.clip(0))))
        return inside & ~(near & (need_m > 0))

    def free_space(self, margin_m: float | None = None) -> BaseGeometry:
        """Where the vehicle may be and keep `margin_m` (default: the fence's margin) clearance."""
        return erode(self.allowed, self.fence.margin_m if margin_m is None else margin_m)

    def contains_geo(self, point: LatLon) -> bool:
        return self.contains(*self.frame.geodetic2enu(point.lat_deg, point.lon_deg))


def _polygon_shape(
    poly: FencePolygon, frame: LocalFrame, edges: EdgeModel
) -> tuple[BaseGeometry, float]:
    """One fence polygon in `frame`, and how far its edges bow (0 unasked, for LOCAL). With
    both edge models, an inclusion is where both hold it (the two intersected) and an exclusion
    where either does (the two united); where no edge bows from its chord by more than the
    tolerance, the two are one."""
    lat, lon = ring_arrays(poly.vertices)
    if edges is EdgeModel.LOCAL:
        return Polygon(frame.geodetic2enu_many(lat, lon)), 0.0
    curved, bow_m = latlon_ring(lat, lon, frame)
    latlon = _valid(Polygon(curved))
    if edges is EdgeModel.LATLON or bow_m <= EDGE_TOLERANCE_M:
        return latlon, bow_m
    local = Polygon(frame.geodetic2enu_many(lat, lon))
    both = local.intersection(latlon) if poly.inclusion else local.union(latlon)
    return _valid(both), bow_m


def _valid(shape: BaseGeometry) -> BaseGeometry:
    """The polygonal part of `shape`, made valid (an edge bowing onto another can cross it)."""
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    parts = [g for g in shapely.get_parts(shape) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]


def check_home_inside(local: LocalFence, home: GeoPoint) -> None:
    """Autopilots refuse to arm when home is outside the fence: say so before anything is sent."""
    e, n = local.frame.geodetic2enu(home.lat_deg, home.lon_deg)
    if local.contains(e, n):
        return
    where = f"{home.lat_deg:.6f}, {home.lon_deg:.6f}"
    if local.exclusion.intersects(Point(e, n)):
        raise FenceError(
            f"home ({where}) lies inside an exclusion area; the autopilot will not "
            "arm: move home out of the no-fly area"
        )
    gap_m = -local.clearance_m(e, n)
    raise FenceError(
        f"home ({where}) is {gap_m:.0f} m outside the fence; the autopilot will not "
        "arm: move home inside a zone or add the station's block as a zone"
    )
