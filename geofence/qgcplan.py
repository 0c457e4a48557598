"""The `geoFence` and `rallyPoints` sections of a QGroundControl .plan file (both version 2).

QGroundControl writes positions as [latitude, longitude(, altitude)], polygons clockwise, circles as
{"center": [lat, lon], "radius": metres}, and the breach return point as [lat, lon, alt]. Reading a
.plan as an area turns its inclusion shapes into zones and its exclusions into exclusions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geofence.areas import (
    Area,
    AreaCircle,
    AreaPoint,
    AreaPolygon,
    Role,
    check_position,
)
from geofence.errors import AreaError
from geofence.fence import (
    DEFAULT_CEILING_REL_M,
    MAX_CEILING_REL_M,
    MIN_CEILING_REL_M,
    Fence,
    FenceCircle,
    FencePolygon,
    RallyPoint,
)
from geofence.frames import GeoPoint, LatLon
from geofence.jsonfields import boolean, describe, integer, is_number, loads, number
from geofence.rings import build_ring

_ORDER = "QGroundControl .plan positions are [latitude, longitude]"
PLAN_VERSION = 1
GEOFENCE_VERSION = 2
#: patrol's own geoFence key for the ceiling above home, metres: QGroundControl's plan keeps no
#: ceiling (it ignores this key, and drops it when it saves the plan again).
CEILING_KEY = "patrolCeilingRelM"
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
        CEILING_KEY: fence.ceiling_rel_m,
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


def _latlon(raw: Any, source: str, where: str, *, alt: bool = False) -> LatLon:
    """[latitude, longitude] (and an altitude after them when `alt`), each a JSON number."""
    size = 3 if alt else 2
    shape = "[latitude, longitude, altitude]" if alt else "[latitude, longitude]"
    if not (isinstance(raw, list) and len(raw) >= size and all(is_number(v) for v in raw[:size])):
        got = raw if isinstance(raw, list) else describe(raw)
        raise AreaError(f"position {got!r} is not {shape} in numbers", path=source, feature=where)
    return check_position(float(raw[1]), float(raw[0]), path=source, feature=where, order=_ORDER)


def _version(section: dict[str, Any], expected: int, source: str, what: str) -> None:
    version = integer(section.get("version"), path=source, feature=what, what="'version'")
    if version != expected:
        raise AreaError(
            f"{what} version {version} is not supported; save the plan with a current "
            f"QGroundControl ({what} version {expected})",
            path=source,
        )


def _list(section: dict[str, Any], key: str, source: str, what: str) -> list[Any]:
    raw = section.get(key, [])
    if not isinstance(raw, list):
        raise AreaError(f"'{key}' must be a list, got {describe(raw)}", path=source, feature=what)
    return raw


def _inclusion(item: dict[str, Any], source: str, where: str) -> bool:
    if "inclusion" not in item:
        raise AreaError(
            "has no 'inclusion'; set it to true (fly inside) or false (keep out)",
            path=source,
            feature=where,
        )
    return boolean(item["inclusion"], path=source, feature=where, what="'inclusion'")


def fence_from_section(
    section: Any,
    source: str,
    *,
    ceiling_rel_m: float = DEFAULT_CEILING_REL_M,
    margin_m: float = 0.0,
) -> Fence:
    """The fence a `geoFence` object describes, checked like any area file (None: no fence)."""
    if section is None:
        return Fence(ceiling_rel_m=ceiling_rel_m, margin_m=margin_m)
    if not isinstance(section, dict):
        raise AreaError("'geoFence' must be an object", path=source)
    _version(section, GEOFENCE_VERSION, source, "geoFence")
    polygons = []
    for k, item in enumerate(_list(section, "polygons", source, "geoFence"), start=1):
        where = f"geoFence polygon {k}"
        raw = item.get("polygon") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(raw, list):
            raise AreaError("has no 'polygon' list", path=source, feature=where)
        inclusion = _inclusion(item, source, where)
        ring = build_ring([_latlon(p, source, where) for p in raw], path=source, feature=where)
        polygons.append(FencePolygon(ring, inclusion=inclusion))
    circles = []
    for k, item in enumerate(_list(section, "circles", source, "geoFence"), start=1):
        where = f"geoFence circle {k}"
        circle = item.get("circle") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(circle, dict):
            raise AreaError("has no 'circle' object", path=source, feature=where)
        inclusion = _inclusion(item, source, where)
        radius_m = number(circle.get("radius"), path=source, feature=where, what="'radius'")
        if radius_m <= 0:
            raise AreaError(f"radius {radius_m:g} m must be > 0", path=source, feature=where)
        center = _latlon(circle.get("center"), source, where)
        circles.append(FenceCircle(center, radius_m, inclusion=inclusion))
    breach_return = None
    if "breachReturn" in section:
        where = "geoFence breachReturn"
        raw = section["breachReturn"]
        pos = _latlon(raw, source, where, alt=True)
        breach_return = RallyPoint(pos.lat_deg, pos.lon_deg, float(raw[2]))
    return Fence(
        tuple(polygons),
        tuple(circles),
        ceiling_rel_m=ceiling_rel_m,
        margin_m=margin_m,
        breach_return=breach_return,
    )


def own_ceiling_rel_m(section: Any, source: str) -> float | None:
    """The ceiling a `geoFence` object carries (patrol writes one), or None."""
    if not isinstance(section, dict) or section.get(CEILING_KEY) is None:
        return None
    where = f"geoFence {CEILING_KEY}"
    ceiling_m = number(section[CEILING_KEY], path=source, feature=where, what="the ceiling")
    if not MIN_CEILING_REL_M <= ceiling_m <= MAX_CEILING_REL_M:
        raise AreaError(
            f"{ceiling_m:g} m is out of range; a ceiling above home is {MIN_CEILING_REL_M:g} to "
            f"{MAX_CEILING_REL_M:g} m",
            path=source,
            feature=where,
        )
    return ceiling_m


def rally_from_section(section: Any, source: str) -> tuple[RallyPoint, ...]:
    """The rally points of a `rallyPoints` object (None: none), altitudes as given.

    QGroundControl stores each as [latitude, longitude, altitude] and uploads it in frame
    GLOBAL_RELATIVE_ALT, so the altitude is above home, in whatever sense the autopilot reads it.
    """
    if section is None:
        return ()
    if not isinstance(section, dict):
        raise AreaError("'rallyPoints' must be an object", path=source)
    _version(section, RALLY_VERSION, source, "rallyPoints")
    points = []
    for k, raw in enumerate(_list(section, "points", source, "rallyPoints"), start=1):
        pos = _latlon(raw, source, f"rally point {k}", alt=True)
        points.append(RallyPoint(pos.lat_deg, pos.lon_deg, float(raw[2])))
    return tuple(points)


def planned_home(raw: Any, source: str) -> GeoPoint:
    """`plannedHomePosition`: [latitude, longitude, altitude above mean sea level]."""
    pos = _latlon(raw, source, "plannedHomePosition", alt=True)
    return GeoPoint(pos.lat_deg, pos.lon_deg, float(raw[2]))


def read_plan_json(path: Path) -> dict[str, Any]:
    """A .plan file's JSON object, with one-line errors for unreadable files."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AreaError(f"cannot read file ({exc.__class__.__name__}: {exc})", path=source) from exc
    doc = loads(text, path=source)
    if not isinstance(doc, dict) or doc.get("fileType") != "Plan":
        raise AreaError('is not a QGroundControl plan (fileType must be "Plan")', path=source)
    version = integer(doc.get("version"), path=source, feature="", what="'version'")
    if version != PLAN_VERSION:
        raise AreaError(
            f"plan file version {version} is not supported; save it with a current "
            f"QGroundControl (version {PLAN_VERSION})",
            path=source,
        )
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
    mission = doc.get("mission")
    planned = mission.get("plannedHomePosition") if isinstance(mission, dict) else None
    home = None if planned is None else planned_home(planned, source)
    rally = tuple(
        AreaPoint(f"rally point {k}", Role.RALLY, LatLon(p.lat_deg, p.lon_deg), p.alt_rel_m)
        for k, p in enumerate(rally_from_section(doc.get("rallyPoints"), source), start=1)
    )
    return Area(source, tuple(zones), tuple(exclusions), home, (), rally, fence.breach_return)
