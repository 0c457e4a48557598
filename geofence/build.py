"""From an area file's zones and exclusions to the fence the autopilot will hold.

Adjacent community blocks share edges; the vehicle may cross those, so the selected zones are
dissolved
into one inclusion outline (tiny gaps and slivers between hand-drawn blocks closed). Exclusions near
the zones (the river border, a helipad) are kept whole: the autopilot must know them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geofence.areas import Area, AreaCircle, AreaPolygon, Role, Shape
from geofence.errors import AreaError
from geofence.fence import Fence, FenceCircle, FencePolygon, circle_polygon
from geofence.frames import LatLon, LocalFrame

#: Gaps narrower than this between zones drawn by hand are closed when zones are dissolved.
SLIVER_M = 0.5
#: Exclusions further than this from every selected zone are left out of the fence.
EXCLUSION_REACH_M = 2_000.0
#: Closer than this (metres), a gap's fill touches a block.
_TOUCH_M = 1e-6


def shape_in_frame(shape: Shape, frame: LocalFrame) -> Polygon:
    """A zone or exclusion as a local polygon (circles conservative for their role)."""
    if isinstance(shape, AreaCircle):
        e, n = frame.geodetic2enu(shape.center.lat_deg, shape.center.lon_deg)
        return circle_polygon(e, n, shape.radius_m, outer=shape.role is Role.EXCLUSION)
    return Polygon([frame.geodetic2enu(v.lat_deg, v.lon_deg) for v in shape.exterior])


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons in a Polygon, MultiPolygon or collection, dropping lines and points."""
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for part in getattr(geometry, "geoms", []) for g in polygons_of(part)]


def select_zones(area: Area, names: Sequence[str]) -> tuple[Shape, ...]:
    """The named zones; an unknown name is an error that lists the file's zones."""
    known = area.zone_names()
    for name in names:
        if name not in known:
            listing = ", ".join(repr(k) for k in known) or "none"
            raise AreaError(
                f"has no zone named {name!r}; its zones are: {listing}", path=area.source
            )
    return area.zones_named(names) if names else area.zones


def fence_from_area(
    area: Area,
    zones: Sequence[Shape],
    frame: LocalFrame,
    *,
    ceiling_rel_m: float,
    margin_m: float,
) -> Fence:
    """The fence for patrolling `zones`: their dissolved outline minus the exclusions near them.

    A circular zone that touches no other zone stays a circle (a QGroundControl inclusion circle
    is uploaded as one, not as a 64-sided polygon); one that does is dissolved with them.
    """
    local_zones = [shape_in_frame(z, frame) for z in zones]
    alone = _lone_circles(zones, local_zones)
    rest = [shape for zone, shape in zip(zones, local_zones, strict=True) if zone not in alone]
    dissolved = dissolve(rest)
    polygons: list[FencePolygon] = []
    reach = shapely.union_all(local_zones).buffer(EXCLUSION_REACH_M)
    exclusions: list[Shape] = [
        s for s in area.exclusions if shape_in_frame(s, frame).intersects(reach)
    ]
    for part in polygons_of(dissolved):
        outline = _ring(part.exterior.coords, frame)
        polygons.append(FencePolygon.clockwise(outline, inclusion=True))
        for k, hole in enumerate(part.interiors):
            gap = _ring(hole.coords, frame)
            exclusions.append(AreaPolygon(f"gap {k}", Role.EXCLUSION, gap))
    circles = [FenceCircle(c.center, c.radius_m, inclusion=True) for c in alone]
    for shape in exclusions:
        if isinstance(shape, AreaCircle):
            circles.append(FenceCircle(shape.center, shape.radius_m, inclusion=False))
        else:
            polygons.append(FencePolygon.clockwise(shape.exterior, inclusion=False))
    return Fence(
        tuple(polygons),
        tuple(circles),
        ceiling_rel_m=ceiling_rel_m,
        margin_m=margin_m,
        breach_return=area.breach_return,
    )


def _lone_circles(zones: Sequence[Shape], local: Sequence[Polygon]) -> list[AreaCircle]:
    """The circular zones no other zone comes within `SLIVER_M` of."""
    out = []
    for k, zone in enumerate(zones):
        if not isinstance(zone, AreaCircle):
            continue
        others = [shape for j, shape in enumerate(local) if j != k]
        if not any(local[k].distance(other) <= SLIVER_M for other in others):
            out.append(zone)
    return out


def dissolve(shapes: Sequence[Polygon]) -> BaseGeometry:
    """The zones' union with the gaps between hand-drawn blocks closed, and nothing else moved.

    Closing (a buffer out and back in) would also bevel sharp corners: a sharp corner loses its
    vertex, a sharp notch gains a wedge beyond the drawn line. So only what closing fills between
    two blocks (a gap or a slit under `SLIVER_M` wide, touching both) and holes narrower than twice
    it are taken from it; a zone's own outline stays exactly as drawn.
    """
    union = shapely.union_all(shapes)
    kept = [_without_slivers(part) for part in polygons_of(union)]
    if len(shapes) < 2:
        return shapely.union_all(kept)
    closed = union.buffer(SLIVER_M, join_style="mitre").buffer(-SLIVER_M, join_style="mitre")
    fill = polygons_of(closed.difference(union))
    bridges = [f for f in fill if sum(f.distance(s) < _TOUCH_M for s in shapes) >= 2]
    return shapely.union_all(kept + bridges)


def _without_slivers(part: Polygon) -> Polygon:
    """The part with its holes narrower than 2 x `SLIVER_M` (slivers between blocks) filled."""
    holes = [h for h in part.interiors if not Polygon(h).buffer(-SLIVER_M).is_empty]
    return Polygon(part.exterior, holes)


def _ring(coords: Iterable[tuple[float, ...]], frame: LocalFrame) -> tuple[LatLon, ...]:
    """A closed shapely ring's coordinates (closing point dropped) as WGS84 vertices; a drawn
    vertex comes back within 1e-12 degrees (the frames round-trip), far inside MAVLink's 1e-7."""
    xy = np.asarray(list(coords), dtype=float)[:-1, :2]
    latlon = frame.enu2geodetic_many(xy[:, 0], xy[:, 1])
    return tuple(LatLon(float(lat), float(lon)) for lat, lon in latlon)
