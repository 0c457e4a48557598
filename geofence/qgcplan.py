"""The `geoFence` and `rallyPoints` sections of a QGroundControl .plan file (both version 2).

QGroundControl writes positions as [latitude, longitude(, altitude)], polygons clockwise, circles as
{"center": [lat, lon], "radius": metres}, and the breach return point as [lat, lon, alt]. Reading a
.plan as an area turns its inclusion shapes into zones and its exclusions into exclusions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geofence.areas import (
    Area,
    AreaCircle,
    AreaPoint,
    AreaPolygon,
    Role,
    build_ring,
    check_position,
)
from geofence.errors import AreaError
from geofence.fence import Fence, FenceCircle, FencePolygon, RallyPoint
from geofence.frames import GeoPoint, LatLon

_ORDER = "QGroundControl .plan positions are [latitude, longitude]"
GEOFENCE_VERSION = 2
RALLY_VERSION = 2


def geofence_section(fence: Fence) -> dict[str, Any]:
    """The `geoFence` object for a .plan file."""
    section: dict[str, Any] = {
        "circles": [
            {
                "circle": {"center": [c.center.lat_deg, c.center.lon_deg], "radius": c.radius_m},
                "inclusion": c.inclusion,
                "version": 1,
            }
            for c in fence.circles
        ],
        "polygons": [
            {
                "inclusion": p.inclusion,
                "polygon": [[v.lat_deg, v.lon_deg] for v in p.vertices],
                "version": 1,
            }
            for p in fence.polygons
        ],
        "version": GEOFENCE_VERSION,
    }
    if fence.breach_return is not None:
        r = fence.breach_return
        section["breachReturn"] = [r.lat_deg, r.lon_deg, r.alt_rel_m]
    return section


def rally_section(points: tuple[RallyPoint, ...]) -> dict[str, Any]:
    """The `rallyPoints` object for a .plan file."""
    return {
        "points": [[p.lat_deg, p.lon_deg, p.alt_rel_m] for p in points],
        "version": RALLY_VERSION,
    }


def _latlon(raw: Any, source: str, where: str) -> LatLon:
    if not (
        isinstance(raw, list) and len(raw) >= 2 and all(isinstance(v, int | float) for v in raw[:2])
    ):
        raise AreaError(
            f"position {raw!r} is not [latitude, longitude]", path=source, feature=where
        )
    return check_position(float(raw[1]), float(raw[0]), path=source, feature=where, order=_ORDER)


def _number(raw: Any, source: str, where: str) -> float:
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        raise AreaError(f"{raw!r} is not a number", path=source, feature=where)
    return float(raw)


def fence_from_section(
    section: Any, source: str, *, ceiling_rel_m: float = 90.0, margin_m: float = 0.0
) -> Fence:
    """The fence a `geoFence` object describes, checked like any area file."""
    if not isinstance(section, dict):
        raise AreaError("'geoFence' must be an object", path=source)
    version = section.get("version")
    if version != GEOFENCE_VERSION:
        raise AreaError(
            f"geoFence version {version!r} is not supported; save the plan with a "
            "current QGroundControl (geoFence version 2)",
            path=source,
        )
    polygons = []
    for k, item in enumerate(section.get("polygons", []), start=1):
        where = f"geoFence polygon {k}"
        raw = item.get("polygon") if isinstance(item, dict) else None
        if not isinstance(raw, list):
            raise AreaError("has no 'polygon' list", path=source, feature=where)
        ring = build_ring([_latlon(p, source, where) for p in raw], path=source, feature=where)
        polygons.append(FencePolygon(ring, inclusion=bool(item.get("inclusion", True))))
    circles = []
    for k, item in enumerate(section.get("circles", []), start=1):
        where = f"geoFence circle {k}"
        circle = item.get("circle") if isinstance(item, dict) else None
        if not isinstance(circle, dict):
            raise AreaError("has no 'circle' object", path=source, feature=where)
        radius_m = _number(circle.get("radius"), source, where)
        if radius_m <= 0:
            raise AreaError(f"radius {radius_m:g} m must be > 0", path=source, feature=where)
        circles.append(
            FenceCircle(
                _latlon(circle.get("center"), source, where),
                radius_m,
                inclusion=bool(item.get("inclusion", True)),
            )
        )
    breach = section.get("breachReturn")
    breach_return = None
    if isinstance(breach, list) and len(breach) >= 2:
        where = "geoFence breachReturn"
        pos = _latlon(breach, source, where)
        alt = _number(breach[2], source, where) if len(breach) > 2 else 0.0
        breach_return = RallyPoint(pos.lat_deg, pos.lon_deg, alt)
    return Fence(
        tuple(polygons),
        tuple(circles),
        ceiling_rel_m=ceiling_rel_m,
        margin_m=margin_m,
        breach_return=breach_return,
    )


def rally_from_section(section: Any, source: str) -> tuple[RallyPoint, ...]:
    """The rally points of a `rallyPoints` object."""
    if not isinstance(section, dict):
        raise AreaError("'rallyPoints' must be an object", path=source)
    points = []
    for k, raw in enumerate(section.get("points", []), start=1):
        where = f"rally point {k}"
        pos = _latlon(raw, source, where)
        alt = _number(raw[2], source, where) if len(raw) > 2 else 0.0
        points.append(RallyPoint(pos.lat_deg, pos.lon_deg, alt))
    return tuple(points)


def read_plan_json(path: Path) -> dict[str, Any]:
    """A .plan file's JSON object, with one-line errors for unreadable files."""
    source = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AreaError(f"cannot read file ({exc.__class__.__name__}: {exc})", path=source) from exc
    except json.JSONDecodeError as exc:
        raise AreaError(
            f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", path=source
        ) from exc
    if not isinstance(doc, dict) or doc.get("fileType") != "Plan":
        raise AreaError('is not a QGroundControl plan (fileType must be "Plan")', path=source)
    return doc


def load_plan_area(path: Path) -> Area:
    """A .plan file's fence, planned home and rally points as an area."""
    source = str(path)
    doc = read_plan_json(path)
    fence = fence_from_section(doc.get("geoFence"), source)
    zones: list[AreaPolygon | AreaCircle] = []
    exclusions: list[AreaPolygon | AreaCircle] = []
    for k, poly in enumerate(fence.polygons, start=1):
        role = Role.ZONE if poly.inclusion else Role.EXCLUSION
        (zones if poly.inclusion else exclusions).append(
            AreaPolygon(f"fence polygon {k}", role, poly.vertices)
        )
    for k, circle in enumerate(fence.circles, start=1):
        role = Role.ZONE if circle.inclusion else Role.EXCLUSION
        (zones if circle.inclusion else exclusions).append(
            AreaCircle(f"fence circle {k}", role, circle.center, circle.radius_m)
        )
    home = None
    planned = (doc.get("mission") or {}).get("plannedHomePosition")
    if isinstance(planned, list) and len(planned) >= 2:
        pos = _latlon(planned, source, "plannedHomePosition")
        alt = float(planned[2]) if len(planned) > 2 and isinstance(planned[2], int | float) else 0.0
        home = GeoPoint(pos.lat_deg, pos.lon_deg, alt)
    rally = tuple(
        AreaPoint(f"rally {k}", Role.RALLY, LatLon(p.lat_deg, p.lon_deg))
        for k, p in enumerate(
            rally_from_section(doc.get("rallyPoints", {"points": []}), source), start=1
        )
    )
    return Area(source, tuple(zones), tuple(exclusions), home, (), rally, fence.breach_return)
