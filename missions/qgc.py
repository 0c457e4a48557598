"""Missions to and from QGroundControl .plan files (fileType "Plan", version 1; mission version 2).

Export writes all three sections, as QGroundControl does, so the file opens there with its fence and
rally points; positional items go as QGroundControl writes a Relative item (frame
GLOBAL_RELATIVE_ALT, AltitudeMode 1). Import reads SimpleItems only (a Survey or other ComplexItem
must be flattened in QGroundControl first), takes every altitude to home's frame or refuses the
item (`missions.plan_item`), and refuses commands patrol cannot check (`missions.commands`).
Export then import gives the same Mission; import, export, import keeps what every item means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from geofence.errors import AreaError
from geofence.fence import DEFAULT_CEILING_REL_M
from geofence.jsonfields import integer, number
from geofence.mavlink import AltitudeReference, MavFrame, MavItem, altitude_reference
from geofence.qgcplan import (
    CEILING_KEY,
    PLAN_VERSION,
    fence_from_section,
    geofence_section,
    own_ceiling_rel_m,
    planned_home,
    rally_from_section,
    rally_section,
    read_plan_json,
)
from missions.commands import flies_at_altitude, is_positional
from missions.mission import FIRMWARE_TYPE, VEHICLE_TYPE_QUADROTOR, Mission
from missions.plan_item import item_from_json
from missions.spec import Autopilot

MISSION_VERSION = 2
#: QGroundControl's AltitudeMode "Relative" (frame GLOBAL_RELATIVE_ALT), per item and plan-wide.
ALTITUDE_MODE_RELATIVE = 1


def _simple_item(item: MavItem, jump_id: int) -> dict[str, Any]:
    """A SimpleItem as QGroundControl saves one: a positional item relative to home carries
    AltitudeMode 1 (Relative), its Altitude, and AMSLAltAboveTerrain null (QGroundControl's NaN)."""
    out: dict[str, Any] = {
        "autoContinue": item.autocontinue,
        "command": int(item.command),
        "doJumpId": jump_id,
        "frame": int(item.frame),
        "params": [*item.params, item.x_lat_deg, item.y_lon_deg, item.z_alt_m],
        "type": "SimpleItem",
    }
    if is_positional(item.command) and item.frame == MavFrame.GLOBAL_RELATIVE_ALT:
        out |= {
            "AMSLAltAboveTerrain": None,
            "Altitude": item.z_alt_m,
            "AltitudeMode": ALTITUDE_MODE_RELATIVE,
        }
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
            "globalPlanAltitudeMode": ALTITUDE_MODE_RELATIVE,
            "hoverSpeed": mission.cruise_speed_mps,
            "items": [_simple_item(item, k) for k, item in enumerate(mission.items, start=1)],
            "plannedHomePosition": [home.lat_deg, home.lon_deg, home.alt_amsl_m],
            "vehicleType": VEHICLE_TYPE_QUADROTOR,
            "version": MISSION_VERSION,
            # written relative to home, these were given above mean sea level: their height
            # above the sea is the vehicle's home's altitude away (preflight checks it)
            **({AMSL_KEY: list(mission.amsl_items)} if mission.amsl_items else {}),
        },
        "rallyPoints": rally_section(mission.rally),
        "version": PLAN_VERSION,
    }


#: patrol's key for the items of a mission section that were given above mean sea level.
AMSL_KEY = "patrolAmslItems"


def _amsl_kept(section: dict[str, Any], source: str, count: int) -> list[int]:
    """The items an export by patrol marks as given above mean sea level."""
    kept = section.get(AMSL_KEY)
    if kept is None:
        return []
    if not isinstance(kept, list):
        raise AreaError(f"mission {AMSL_KEY} must be a list of item numbers", path=source)
    out = [integer(k, path=source, feature=f"mission {AMSL_KEY}", what="an item") for k in kept]
    if any(not 1 <= k <= count for k in out):
        raise AreaError(f"mission {AMSL_KEY} names an item the mission does not have", path=source)
    return out


def plan_text(mission: Mission) -> str:
    return json.dumps(plan_document(mission), indent=4) + "\n"


def _firmware(section: dict[str, Any], source: str) -> Autopilot:
    """The autopilot the plan is for: what a rally altitude and a loiter's radius 0 mean."""
    raw = section.get("firmwareType")
    number = integer(raw, path=source, feature="mission", what="'firmwareType'")
    firmware = {v: k for k, v in FIRMWARE_TYPE.items()}.get(number)
    if firmware is None:
        raise AreaError(
            f"firmwareType {number} is neither PX4 (12) nor ArduPilot (3); choose the vehicle's "
            "firmware in QGroundControl's plan settings and save the plan again",
            path=source,
            feature="mission",
        )
    return firmware


def _speed_mps(section: dict[str, Any], source: str) -> float:
    for key in ("hoverSpeed", "cruiseSpeed"):
        if section.get(key) is not None:
            speed = number(section[key], path=source, feature="mission", what=f"'{key}'")
            if speed > 0:
                return speed
    return 5.0


class CeilingSource(Enum):
    """Where a .plan's ceiling comes from, as the check output says it."""

    OPTION = "--ceiling"
    PLAN = "the plan's own"
    DEFAULT = "patrol's default"


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The ceiling a .plan is held to, metres above home, and where it comes from."""

    rel_m: float
    source: CeilingSource

    def short(self) -> str:
        return f"{self.rel_m:g} m above home ({self.source.value})"

    def describe(self) -> str:
        if self.source is CeilingSource.OPTION:
            return f"{self.rel_m:g} m above home (--ceiling)"
        if self.source is CeilingSource.PLAN:
            return f"{self.rel_m:g} m above home (the plan's own, {CEILING_KEY})"
        return (
            f"{self.rel_m:g} m above home (patrol's default, as for a spec: the plan sets no "
            "ceiling; give --ceiling METRES for the airspace's own)"
        )


def ceiling_of(doc: dict[str, Any], source: str, option_rel_m: float | None) -> Ceiling:
    """--ceiling when given; else the ceiling the plan carries (patrol writes one in its
    geoFence; QGroundControl keeps none); else patrol's default, said as such."""
    if option_rel_m is not None:
        return Ceiling(option_rel_m, CeilingSource.OPTION)
    own = own_ceiling_rel_m(doc.get("geoFence"), source)
    if own is not None:
        return Ceiling(own, CeilingSource.PLAN)
    return Ceiling(DEFAULT_CEILING_REL_M, CeilingSource.DEFAULT)


@dataclass(frozen=True, slots=True)
class PlanFile:
    """A .plan read as a mission, with the ceiling it is held to."""

    mission: Mission
    ceiling: Ceiling


def mission_from_document(
    doc: dict[str, Any], source: str, name: str, *, ceiling_rel_m: float | None = None
) -> Mission:
    """A Mission from a parsed .plan object (SimpleItems only), every positional item's altitude
    relative to home (`missions.plan_item`); its fence's ceiling is `ceiling_of`'s."""
    section = doc.get("mission")
    if not isinstance(section, dict):
        raise AreaError("has no 'mission' object", path=source)
    version = integer(section.get("version"), path=source, feature="mission", what="'version'")
    if version != MISSION_VERSION:
        raise AreaError(
            f"mission version {version} is not supported; save the "
            "plan with a current QGroundControl (mission version 2)",
            path=source,
        )
    if "plannedHomePosition" not in section:
        raise AreaError(
            "mission has no plannedHomePosition [lat, lon, alt]; open the plan in QGroundControl"
            " and save it again",
            path=source,
        )
    home = planned_home(section["plannedHomePosition"], source)
    firmware = _firmware(section, source)
    raw_items = section.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise AreaError("mission has no items", path=source)
    items = tuple(item_from_json(raw, k, home, source) for k, raw in enumerate(raw_items, start=1))
    amsl = tuple(
        sorted(
            {
                k
                for k, (raw, item) in enumerate(zip(raw_items, items, strict=True), start=1)
                if flies_at_altitude(item.command)
                and altitude_reference(
                    integer(
                        raw.get("frame"), path=source, feature=f"mission item {k}", what="'frame'"
                    )
                )
                is AltitudeReference.AMSL
            }
            | set(_amsl_kept(section, source, len(items)))
        )
    )
    return Mission(
        name=name,
        home=home,
        items=items,
        fence=fence_from_section(
            doc.get("geoFence"), source, ceiling_rel_m=ceiling_of(doc, source, ceiling_rel_m).rel_m
        ),
        rally=rally_from_section(doc.get("rallyPoints"), source),
        cruise_speed_mps=_speed_mps(section, source),
        autopilot=firmware,
        source=source,
        amsl_items=amsl,
    )


def read_plan(path: Path, *, ceiling_rel_m: float | None = None) -> PlanFile:
    """Read a .plan file as a Mission to fly as it is, held to `ceiling_of`'s ceiling."""
    doc = read_plan_json(path)
    mission = mission_from_document(doc, str(path), path.stem, ceiling_rel_m=ceiling_rel_m)
    return PlanFile(mission, ceiling_of(doc, str(path), ceiling_rel_m))


def load_plan(path: Path, *, ceiling_rel_m: float | None = None) -> Mission:
    """Read a .plan file as a Mission to fly as it is."""
    return read_plan(path, ceiling_rel_m=ceiling_rel_m).mission
