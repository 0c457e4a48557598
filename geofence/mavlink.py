"""Fence and rally points as MAVLink mission-protocol items (MAV_MISSION_TYPE_FENCE / _RALLY).

Polygon vertices go as consecutive items, each carrying the polygon's vertex count in param1,
clockwise
as QGroundControl sends them; circles carry the radius in param1. `fence_from_items` reverses
this, so
that what a vehicle hands back can be compared with what was sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum, IntEnum

from geofence.fence import Fence, FenceCircle, FencePolygon, RallyPoint
from geofence.frames import LatLon
from geofence.words import plural


class MavCmd(IntEnum):
    """The MAV_CMD values patrol writes, or reads and checks in a .plan (common.xml)."""

    NAV_WAYPOINT = 16
    NAV_LOITER_UNLIM = 17
    NAV_LOITER_TURNS = 18
    NAV_LOITER_TIME = 19
    NAV_RETURN_TO_LAUNCH = 20
    NAV_LAND = 21
    NAV_TAKEOFF = 22
    NAV_LOITER_TO_ALT = 31
    NAV_SPLINE_WAYPOINT = 82
    DO_CHANGE_SPEED = 178
    DO_LAND_START = 189
    DO_REPOSITION = 192
    NAV_FENCE_RETURN_POINT = 5000
    NAV_FENCE_POLYGON_VERTEX_INCLUSION = 5001
    NAV_FENCE_POLYGON_VERTEX_EXCLUSION = 5002
    NAV_FENCE_CIRCLE_INCLUSION = 5003
    NAV_FENCE_CIRCLE_EXCLUSION = 5004
    NAV_RALLY_POINT = 5100


class MavFrame(IntEnum):
    """MAV_FRAME values (common.xml); the `_INT` frames mean the same as their plain twins."""

    GLOBAL = 0
    LOCAL_NED = 1
    MISSION = 2
    GLOBAL_RELATIVE_ALT = 3
    LOCAL_ENU = 4
    GLOBAL_INT = 5
    GLOBAL_RELATIVE_ALT_INT = 6
    LOCAL_OFFSET_NED = 7
    BODY_NED = 8
    BODY_OFFSET_NED = 9
    GLOBAL_TERRAIN_ALT = 10
    GLOBAL_TERRAIN_ALT_INT = 11
    BODY_FRD = 12
    LOCAL_FRD = 20
    LOCAL_FLU = 21


class AltitudeReference(Enum):
    """What a frame measures an item's altitude from."""

    AMSL = "above mean sea level"
    HOME = "relative to home"
    TERRAIN = "above the terrain"
    LOCAL = "a local or body frame (metres, not latitude and longitude)"
    NONE = "no position (a command, not a place)"


_REFERENCE = {
    MavFrame.GLOBAL: AltitudeReference.AMSL,
    MavFrame.GLOBAL_INT: AltitudeReference.AMSL,
    MavFrame.GLOBAL_RELATIVE_ALT: AltitudeReference.HOME,
    MavFrame.GLOBAL_RELATIVE_ALT_INT: AltitudeReference.HOME,
    MavFrame.GLOBAL_TERRAIN_ALT: AltitudeReference.TERRAIN,
    MavFrame.GLOBAL_TERRAIN_ALT_INT: AltitudeReference.TERRAIN,
    MavFrame.MISSION: AltitudeReference.NONE,
}


def altitude_reference(frame: int) -> AltitudeReference | None:
    """What `frame` measures altitude from; None for a number MAV_FRAME does not define."""
    if frame not in MavFrame._value2member_map_:
        return None
    return _REFERENCE.get(MavFrame(frame), AltitudeReference.LOCAL)


def frame_label(frame: int) -> str:
    """`frame 10 (GLOBAL_TERRAIN_ALT)`, as a message names it."""
    if frame in MavFrame._value2member_map_:
        return f"frame {frame} ({MavFrame(frame).name})"
    return f"frame {frame} (not a MAV_FRAME)"


@dataclass(frozen=True, slots=True)
class MavItem:
    """One mission-protocol item; `None` params are unused (NaN on PX4, 0 on ArduPilot)."""

    command: int
    frame: int
    param1: float | None = 0.0
    param2: float | None = 0.0
    param3: float | None = 0.0
    param4: float | None = 0.0
    x_lat_deg: float = 0.0
    y_lon_deg: float = 0.0
    z_alt_m: float = 0.0
    autocontinue: bool = True

    def __post_init__(self) -> None:
        for name in ("param1", "param2", "param3", "param4"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} must be finite or None (unused), got {value}")

    @property
    def params(self) -> tuple[float | None, float | None, float | None, float | None]:
        return (self.param1, self.param2, self.param3, self.param4)


def fence_items(fence: Fence) -> tuple[MavItem, ...]:
    """The fence as items in upload order: polygons, then circles, then the breach return point."""
    items: list[MavItem] = []
    for poly in fence.polygons:
        cmd = (
            MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION
            if poly.inclusion
            else MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION
        )
        count = float(len(poly.vertices))
        items += [
            MavItem(cmd, MavFrame.GLOBAL, count, 0.0, 0.0, 0.0, v.lat_deg, v.lon_deg, 0.0)
            for v in poly.vertices
        ]
    for circle in fence.circles:
        cmd = (
            MavCmd.NAV_FENCE_CIRCLE_INCLUSION
            if circle.inclusion
            else MavCmd.NAV_FENCE_CIRCLE_EXCLUSION
        )
        items.append(
            MavItem(
                cmd,
                MavFrame.GLOBAL,
                circle.radius_m,
                0.0,
                0.0,
                0.0,
                circle.center.lat_deg,
                circle.center.lon_deg,
                0.0,
            )
        )
    if fence.breach_return is not None:
        point = fence.breach_return
        items.append(
            MavItem(
                MavCmd.NAV_FENCE_RETURN_POINT,
                MavFrame.GLOBAL_RELATIVE_ALT,
                0.0,
                0.0,
                0.0,
                0.0,
                point.lat_deg,
                point.lon_deg,
                point.alt_rel_m,
            )
        )
    return tuple(items)


def fence_from_items(
    items: tuple[MavItem, ...], *, ceiling_rel_m: float = 90.0, margin_m: float = 0.0
) -> Fence:
    """The fence a list of fence items describes (the inverse of `fence_items`)."""
    polygons: list[FencePolygon] = []
    circles: list[FenceCircle] = []
    breach_return: RallyPoint | None = None
    vertex_cmds = {
        MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
        MavCmd.NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
    }
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in vertex_cmds:
            count = int(item.param1 or 0)
            group = items[i : i + count]
            if count < 3 or len(group) < count or any(g.command != item.command for g in group):
                vertices = plural(count, "vertex", "vertices")
                raise ValueError(f"fence item {i}: polygon of {vertices} is incomplete")
            polygons.append(
                FencePolygon(
                    tuple(LatLon(g.x_lat_deg, g.y_lon_deg) for g in group),
                    inclusion=item.command == MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION,
                )
            )
            i += count
            continue
        if item.command in (MavCmd.NAV_FENCE_CIRCLE_INCLUSION, MavCmd.NAV_FENCE_CIRCLE_EXCLUSION):
            circles.append(
                FenceCircle(
                    LatLon(item.x_lat_deg, item.y_lon_deg),
                    float(item.param1 or 0.0),
                    inclusion=item.command == MavCmd.NAV_FENCE_CIRCLE_INCLUSION,
                )
            )
        elif item.command == MavCmd.NAV_FENCE_RETURN_POINT:
            breach_return = RallyPoint(item.x_lat_deg, item.y_lon_deg, item.z_alt_m)
        else:
            raise ValueError(f"fence item {i}: command {item.command} is not a fence item")
        i += 1
    return Fence(
        tuple(polygons),
        tuple(circles),
        ceiling_rel_m=ceiling_rel_m,
        margin_m=margin_m,
        breach_return=breach_return,
    )


def rally_items(points: tuple[RallyPoint, ...]) -> tuple[MavItem, ...]:
    """Rally points as items, altitudes relative to home (MAV_FRAME_GLOBAL_RELATIVE_ALT).

    What the altitude means is the autopilot's: PX4 reads it as the ground at the point (it
    returns RTL_RETURN_ALT above that and lands there), ArduPilot as the altitude it returns at.
    The mission planner stores each autopilot's meaning (`missions.returns.rally_alt_rel_m`).
    """
    return tuple(
        MavItem(
            MavCmd.NAV_RALLY_POINT,
            MavFrame.GLOBAL_RELATIVE_ALT,
            0.0,
            0.0,
            0.0,
            0.0,
            p.lat_deg,
            p.lon_deg,
            p.alt_rel_m,
        )
        for p in points
    )
