"""Missions to and from QGroundControl .plan files (fileType "Plan", version 1; mission version 2).

Export writes all three sections, as QGroundControl does, so the file opens there with its fence and
rally points. Import reads SimpleItems only (a Survey or other ComplexItem must be flattened in
QGroundControl first) and is the exact inverse of export: export -> import gives the same Mission.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from geofence.errors import AreaError
from geofence.frames import GeoPoint
from geofence.mavlink import MavFrame, MavItem
from geofence.qgcplan import (
    fence_from_section,
    geofence_section,
    rally_from_section,
    rally_section,
    read_plan_json,
)
from missions.mission import FIRMWARE_TYPE, NAV_COMMANDS, VEHICLE_TYPE_QUADROTOR, Mission
from missions.spec import Autopilot

PLAN_VERSION = 1
MISSION_VERSION = 2
_ALTITUDE_MODE_RELATIVE = 1


def _simple_item(item: MavItem, jump_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "autoContinue": item.autocontinue,
        "command": int(item.command),
        "doJumpId": jump_id,
        "frame": int(item.frame),
        "params": [*item.params, item.x_lat_deg, item.y_lon_deg, item.z_alt_m],
        "type": "SimpleItem",
    }
    if item.command in NAV_COMMANDS and item.frame == MavFrame.GLOBAL_RELATIVE_ALT:
        out |= {"AMSLAltAboveTerrain": None, "Altitude": item.z_alt_m, "AltitudeMode": 1}
    return out


def plan_document(mission: Mission) -> dict[str, Any]:
    """The .plan JSON object for a mission."""
    home = mission.home
    return {
        "fileType": "Plan",
        "geoFence": geofence_section(mission.fence),
        "groundStation": "patrol",
        "mission": {
            "cruiseSpeed": mission.cruise_speed_mps,
            "firmwareType": FIRMWARE_TYPE[mission.autopilot],
            "globalPlanAltitudeMode": _ALTITUDE_MODE_RELATIVE,
            "hoverSpeed": mission.cruise_speed_mps,
            "items": [_simple_item(item, k) for k, item in enumerate(mission.items, start=1)],
            "plannedHomePosition": [home.lat_deg, home.lon_deg, home.alt_amsl_m],
            "vehicleType": VEHICLE_TYPE_QUADROTOR,
            "version": MISSION_VERSION,
        },
        "rallyPoints": rally_section(mission.rally),
        "version": PLAN_VERSION,
    }


def plan_text(mission: Mission) -> str:
    return json.dumps(plan_document(mission), indent=4) + "\n"


def _param(value: Any, source: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AreaError(f"param {value!r} is not a number or null", path=source, feature=where)
    return float(value)


def _item(raw: Any, source: str, index: int) -> MavItem:
    where = f"mission item {index}"
    if not isinstance(raw, dict):
        raise AreaError("is not an object", path=source, feature=where)
    if raw.get("type") != "SimpleItem":
        kind = raw.get("complexItemType", raw.get("type"))
        raise AreaError(
            f"is a {kind!r} item; only SimpleItems can be flown as they are: in "
            "QGroundControl convert it to simple waypoints first",
            path=source,
            feature=where,
        )
    params = raw.get("params")
    if not isinstance(params, list) or len(params) != 7:
        raise AreaError("needs 7 params", path=source, feature=where)
    values = [_param(v, source, where) for v in params]
    command, frame = raw.get("command"), raw.get("frame")
    if not isinstance(command, int) or not isinstance(frame, int):
        raise AreaError("'command' and 'frame' must be integers", path=source, feature=where)
    return MavItem(
        command,
        frame,
        values[0],
        values[1],
        values[2],
        values[3],
        values[4] or 0.0,
        values[5] or 0.0,
        values[6] or 0.0,
        autocontinue=bool(raw.get("autoContinue", True)),
    )


def mission_from_document(doc: dict[str, Any], source: str, name: str) -> Mission:
    """A Mission from a parsed .plan object (SimpleItems only)."""
    section = doc.get("mission")
    if not isinstance(section, dict):
        raise AreaError("has no 'mission' object", path=source)
    if section.get("version") != MISSION_VERSION:
        raise AreaError(
            f"mission version {section.get('version')!r} is not supported; save the "
            "plan with a current QGroundControl (mission version 2)",
            path=source,
        )
    raw_items = section.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise AreaError("mission has no items", path=source)
    items = tuple(_item(raw, source, k) for k, raw in enumerate(raw_items, start=1))
    planned = section.get("plannedHomePosition")
    if not (isinstance(planned, list) and len(planned) == 3):
        raise AreaError("mission has no plannedHomePosition [lat, lon, alt]", path=source)
    home = GeoPoint(float(planned[0]), float(planned[1]), float(planned[2]))
    firmware = {v: k for k, v in FIRMWARE_TYPE.items()}.get(
        section.get("firmwareType", 12), Autopilot.PX4
    )
    speed = section.get("hoverSpeed") or section.get("cruiseSpeed") or 5.0
    return Mission(
        name=name,
        home=home,
        items=items,
        fence=fence_from_section(doc.get("geoFence", {"version": 2}), source),
        rally=rally_from_section(doc.get("rallyPoints", {"points": []}), source),
        cruise_speed_mps=float(speed),
        autopilot=firmware,
    )


def load_plan(path: Path) -> Mission:
    """Read a .plan file as a Mission to fly as it is."""
    return mission_from_document(read_plan_json(path), str(path), path.stem)
