"""QGroundControl .plan documents as QGroundControl writes them, built in the tests.

Items follow QGroundControl 4.x's SimpleMissionItem::save: `frame` and `params` are what it
uploads; a positional item also carries `AltitudeMode` (1 Relative, 2 Absolute, 3 Calculated
above terrain, 4 Terrain frame), `Altitude` (what the planner shows: above home, above mean sea
level or above the terrain) and `AMSLAltAboveTerrain` (null unless terrain was computed). The
patrol area is a 400 m square around a home 140 m above mean sea level near Mukdahan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geofence.frames import GeoPoint, LocalFrame

HOME = GeoPoint(16.5424, 104.7246, 140.0)
FRAME = LocalFrame(HOME.latlon)
HALF_M = 200.0  # the inclusion square reaches this far east, west, north and south of home


def at(east_m: float, north_m: float) -> tuple[float, float]:
    """Latitude, longitude of a point east/north of home."""
    p = FRAME.enu2geodetic(east_m, north_m)
    return p.lat_deg, p.lon_deg


def item(
    command: int,
    frame: int,
    params: list[float | None],
    *,
    mode: int | None = None,
    altitude: float | None = None,
    above_terrain: float | None = None,
    auto: bool = True,
) -> dict[str, Any]:
    """One SimpleItem; `mode` adds the AltitudeMode trio QGroundControl writes for positional
    items (Altitude defaults to params[6])."""
    out: dict[str, Any] = {
        "autoContinue": auto,
        "command": command,
        "doJumpId": 0,
        "frame": frame,
        "params": params,
        "type": "SimpleItem",
    }
    if mode is not None:
        out["AMSLAltAboveTerrain"] = above_terrain
        out["Altitude"] = params[6] if altitude is None else altitude
        out["AltitudeMode"] = mode
    return out


def positional(
    command: int,
    east_m: float,
    north_m: float,
    alt_m: float | None,
    *,
    frame: int = 3,
    mode: int | None = 1,
    p1: float | None = 0.0,
    p2: float | None = 0.0,
    p3: float | None = 0.0,
    p4: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    lat, lon = at(east_m, north_m)
    return item(command, frame, [p1, p2, p3, p4, lat, lon, alt_m], mode=mode, **extra)


def takeoff(alt_rel_m: float = 40.0) -> dict[str, Any]:
    return positional(22, 0.0, 0.0, alt_rel_m)


def waypoint(east_m: float, north_m: float, alt_m: float = 40.0, **kw: Any) -> dict[str, Any]:
    return positional(16, east_m, north_m, alt_m, **kw)


def speed(mps: float = 8.0) -> dict[str, Any]:
    return item(178, 2, [1.0, mps, -1.0, 0.0, 0.0, 0.0, 0.0])


def rtl() -> dict[str, Any]:
    return item(20, 2, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])


def square_fence() -> list[list[float]]:
    """The inclusion square, clockwise, as [latitude, longitude] vertices."""
    h = HALF_M
    return [list(at(e, n)) for e, n in ((-h, -h), (-h, h), (h, h), (h, -h))]


def plan(
    items: list[dict[str, Any]],
    *,
    firmware: int = 12,
    home: GeoPoint = HOME,
    rally: list[list[float]] | None = None,
    circles: list[dict[str, Any]] | None = None,
    polygons: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A whole .plan: the items numbered as QGroundControl numbers them, a fence and rally."""
    numbered = [{**it, "doJumpId": k} for k, it in enumerate(items, start=1)]
    fence = [{"inclusion": True, "polygon": square_fence(), "version": 1}]
    return {
        "fileType": "Plan",
        "geoFence": {
            "circles": circles or [],
            "polygons": fence if polygons is None else polygons,
            "version": 2,
        },
        "groundStation": "QGroundControl",
        "mission": {
            "cruiseSpeed": 15,
            "firmwareType": firmware,
            "globalPlanAltitudeMode": 1,
            "hoverSpeed": 5,
            "items": numbered,
            "plannedHomePosition": [home.lat_deg, home.lon_deg, home.alt_amsl_m],
            "vehicleType": 2,
            "version": 2,
        },
        "rallyPoints": {"points": rally or [], "version": 2},
        "version": 1,
    }


def write(tmp_path: Path, doc: dict[str, Any], name: str = "qgc.plan") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=4))
    return path
