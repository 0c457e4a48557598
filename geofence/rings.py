"""One ring of a drawn polygon, checked the same for every file format, with the true reason
when it cannot be used: too few vertices, a ring round a pole, one across the 180° meridian, edges
that cross (where), vertices on one line, a hole outside its shell.

Checks run in that order because the later ones read the ring as a plane figure in longitude and
latitude, which the earlier ones rule out: a ring round a pole or across the antimeridian looks, on
that plane, like a line or a band round the world, and a symmetric bow-tie has zero signed area
like a line does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from shapely.geometry import Polygon
from shapely.validation import explain_validity

from geofence.errors import AreaError
from geofence.frames import LatLon
from geofence.words import plural

Ring = tuple[LatLon, ...]

#: Vertices closer than this to the line through the ring (degrees) are taken as on it.
_COLLINEAR_DEG = 1e-9


def build_ring(coords: Sequence[LatLon], *, path: str, feature: str) -> Ring:
    """A closed ring's distinct vertices (as drawn, none moved), checked for count, poles, the
    antimeridian, self-intersection and area."""
    ring: list[LatLon] = []
    for point in coords:
        if not ring or point != ring[-1]:
            ring.append(point)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(set(ring)) < 3:
        raise AreaError(
            f"polygon has {plural(len(set(ring)), 'distinct vertex', 'distinct vertices')}; "
            "a polygon needs at least 3",
            path=path,
            feature=feature,
        )
    problem = _wrap_problem(ring) or _plane_problem(ring)
    if problem is not None:
        raise AreaError(problem, path=path, feature=feature)
    return tuple(ring)


def _plane_problem(ring: Sequence[LatLon]) -> str | None:
    """Vertices on one line, or edges that cross (a bow-tie, even one of zero signed area)."""
    if _is_collinear(ring):
        return "polygon has zero area (its vertices lie on one line); draw it with some width"
    polygon = Polygon([(p.lon_deg, p.lat_deg) for p in ring])
    if not polygon.is_valid or polygon.area == 0.0:
        return _describe_invalid(polygon)
    return None


def _wrap_problem(ring: Sequence[LatLon]) -> str | None:
    """A ring round a pole (its longitudes wind once round the globe) or across the 180°
    meridian (an edge more than 180° of longitude long is the short way across it)."""
    lon = np.array([p.lon_deg for p in ring])
    step = np.diff(np.append(lon, lon[0]))
    wrapped = (step + 180.0) % 360.0 - 180.0
    if abs(float(wrapped.sum())) > 180.0:
        pole = "north" if np.mean([p.lat_deg for p in ring]) > 0 else "south"
        return (
            f"the ring goes round the {pole} pole (its longitudes wind through 360°); patrol "
            "plans zones a few kilometres across: draw the zone without enclosing the pole"
        )
    across = np.flatnonzero(np.abs(step) > 180.0)
    if across.size:
        k = int(across[0])
        a, b = ring[k], ring[(k + 1) % len(ring)]
        return (
            f"crosses the 180° meridian (antimeridian) between vertex {k + 1} "
            f"({a.lat_deg:.6f}, {a.lon_deg:.6f}) and vertex {(k + 1) % len(ring) + 1} "
            f"({b.lat_deg:.6f}, {b.lon_deg:.6f}) (lat, lon); patrol does not plan across it: "
            "split the zone at 180° and patrol each side on its own"
        )
    return None


def _is_collinear(ring: Sequence[LatLon]) -> bool:
    """All vertices on one line: the second singular value of the centred vertices is ~0."""
    xy = np.array([(p.lon_deg, p.lat_deg) for p in ring])
    spread = np.linalg.svd(xy - xy.mean(axis=0), compute_uv=False)
    return bool(spread[1] <= _COLLINEAR_DEG)


def _describe_invalid(polygon: Polygon) -> str:
    reason = explain_validity(polygon)
    match = re.search(r"\[\s*([-\d.eE+]+)\s+([-\d.eE+]+)\s*\]", reason)
    where = ""
    if match:
        lon, lat = float(match.group(1)), float(match.group(2))
        where = f" near {lat:.6f}, {lon:.6f} (lat, lon)"
    if polygon.area == 0.0 or reason.lower().startswith("self-intersection"):
        return (
            f"polygon is self-intersecting: its edges cross each other{where}; reorder its "
            "vertices so no edges cross"
        )
    if "ring self" in reason.lower():
        return f"polygon edges cross each other{where}; reorder its vertices so no edges cross"
    kind = reason.split("[")[0].strip()
    return f"polygon is not valid ({kind}){where}; fix its outline in a GIS editor"


def check_hole_inside(shell: Ring, hole: Ring, *, path: str, feature: str) -> None:
    """A hole is an exclusion only where it lies inside its shell: one outside (or across its
    edge) is a drawing mistake, and taken as an exclusion it would keep the vehicle out of a
    place it was never meant to be kept out of, or silently nothing."""
    outer = Polygon([(p.lon_deg, p.lat_deg) for p in shell])
    inner = Polygon([(p.lon_deg, p.lat_deg) for p in hole])
    if outer.contains(inner):
        return
    if not outer.intersects(inner):
        where = "lies wholly outside its polygon"
    else:
        out = inner.difference(outer).representative_point()
        where = f"reaches outside its polygon near {out.y:.6f}, {out.x:.6f} (lat, lon)"
    raise AreaError(
        f"{where}; a hole must lie inside the outline it cuts: move it inside, or make it a "
        "feature of its own with role 'exclusion'",
        path=path,
        feature=feature,
    )
