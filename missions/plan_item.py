"""One QGroundControl SimpleItem as the item patrol uploads, its altitude taken to home's frame.

What QGroundControl uploads is the item's `frame` and `params` as they stand in the file; its
`AltitudeMode`, `Altitude` and `AMSLAltAboveTerrain` only say how the planner shows the item.
So the frame decides what an altitude means: above mean sea level (0, 5: less home's own
altitude above mean sea level, from `plannedHomePosition`), relative to home (3, 6), or above the
terrain (10, 11: refused, patrol has no terrain data). `AltitudeMode` 3 ("calculated above
terrain") is refused too, though its frame is 0: its altitude was computed from QGroundControl's
terrain tiles, and when they were missing it is null. An `Altitude` that differs from params[6]
in frame 0 is the same calculated kind (QGroundControl before 4.1 numbered that mode 2); in
frame 3 it is a file QGroundControl shows one way and uploads another. AltitudeMode numbers
(QGroundControl 4.1 on): 0 mixed, 1 relative, 2 absolute, 3 calculated above terrain, 4 terrain
frame, 5 none.

Every positional item comes out in frame GLOBAL_RELATIVE_ALT: the one frame the controller, the
checks and the uploads reason in. An altitude below home is refused (the vehicle would fly into
the ground unless it falls away), except a landing's, which is the ground where it lands.
"""

from __future__ import annotations

from typing import Any

from geofence.errors import AreaError
from geofence.frames import GeoPoint, amsl2rel
from geofence.jsonfields import boolean, describe, integer, is_number
from geofence.mavlink import AltitudeReference, MavFrame, MavItem, altitude_reference, frame_label
from missions.commands import ACCEPTED, Command, Kind, refusal

#: QGroundControl's AltitudeMode values (QGroundControlQmlGlobal::AltMode, 4.1 on).
_MODES = {
    0: "Mixed",
    1: "Relative",
    2: "Absolute",
    3: "Calculated above terrain",
    4: "Terrain frame",
    5: "None",
}
_TERRAIN_MODES = (3, 4)
#: Altitude and params[6] agree when written from the same number.
_SAME_M = 1e-3


def item_from_json(raw: Any, index: int, home: GeoPoint, source: str) -> MavItem:
    """The MavItem for .plan mission item `index` (1-based, as QGroundControl numbers it)."""
    where = f"mission item {index}"
    if not isinstance(raw, dict):
        raise AreaError(f"is {describe(raw)}, not an object", path=source, feature=where)
    if raw.get("type") != "SimpleItem":
        kind = raw.get("complexItemType", raw.get("type"))
        raise AreaError(
            f"is a {kind!r} item; only SimpleItems can be flown as they are: in "
            "QGroundControl convert it to simple waypoints first",
            path=source,
            feature=where,
        )
    number = integer(raw.get("command"), path=source, feature=where, what="'command'")
    frame = integer(raw.get("frame"), path=source, feature=where, what="'frame'")
    autocontinue = boolean(
        raw.get("autoContinue"), path=source, feature=where, what="'autoContinue'"
    )
    p = _params(raw.get("params"), source, where)
    command = ACCEPTED.get(number)
    if command is None:
        raise AreaError(refusal(number), path=source, feature=where)
    if not command.has_position:  # params 5-7 are the command's own values here
        x, y, z = (v if v is not None else 0.0 for v in p[4:])
        return MavItem(number, frame, p[0], p[1], p[2], p[3], x, y, z, autocontinue)
    lat, lon = p[4], p[5]
    if lat is None or lon is None:
        raise AreaError(
            f"{command.label} has no position (params[4] and params[5], latitude and "
            "longitude, are null); place the item on the map in QGroundControl",
            path=source,
            feature=where,
        )
    alt_rel_m = _alt_rel_m(raw, command, frame, p[6], home, source, where)
    return MavItem(
        number,
        MavFrame.GLOBAL_RELATIVE_ALT,
        p[0],
        p[1],
        p[2],
        p[3],
        lat,
        lon,
        alt_rel_m,
        autocontinue,
    )


def _params(raw: Any, source: str, where: str) -> tuple[float | None, ...]:
    if not isinstance(raw, list) or len(raw) != 7:
        raise AreaError(
            f"'params' must be a list of 7 numbers or nulls, got {describe(raw)}",
            path=source,
            feature=where,
        )
    out: list[float | None] = []
    for k, value in enumerate(raw):
        if value is not None and not is_number(value):
            raise AreaError(
                f"params[{k}] must be a number or null, got {describe(value)}",
                path=source,
                feature=where,
            )
        out.append(None if value is None else float(value))
    return tuple(out)


def _alt_rel_m(
    raw: dict[str, Any],
    command: Command,
    frame: int,
    alt_m: float | None,
    home: GeoPoint,
    source: str,
    where: str,
) -> float:
    """The item's altitude above home, or one line saying why it cannot be had."""
    what = f"{command.label} in {frame_label(frame)}"
    mode = _altitude_mode(raw, source, where)
    reference = altitude_reference(frame)

    def refuse(message: str) -> AreaError:
        return AreaError(f"{what} {message}", path=source, feature=where)

    if mode in _TERRAIN_MODES or reference is AltitudeReference.TERRAIN:
        how = _MODES[mode] if mode in _TERRAIN_MODES else "Terrain frame"
        raise refuse(
            f'flies a height above the terrain (QGroundControl\'s altitude mode "{how}"), and '
            "patrol has no terrain data to check it against; set the item's altitude mode to "
            "Relative (to home) in QGroundControl"
        )
    if mode == 5:
        raise refuse(
            'has altitude mode "None"; set its altitude mode to Relative (to home) in '
            "QGroundControl"
        )
    if reference is None or reference in (AltitudeReference.LOCAL, AltitudeReference.NONE):
        kind = "not a MAV_FRAME" if reference is None else reference.value
        raise refuse(
            f"gives no global position ({kind}); patrol places items by latitude, longitude "
            "and an altitude relative to home or above mean sea level: re-enter the item in "
            "QGroundControl"
        )
    shown = raw.get("Altitude", alt_m)
    if alt_m is None or shown is None:
        raise refuse(
            "has no altitude (null, as QGroundControl saves an altitude it could not compute); "
            "set the item's altitude relative to home in QGroundControl"
        )
    if not is_number(shown):
        raise AreaError(
            f"'Altitude' must be a number or null, got {describe(shown)}",
            path=source,
            feature=where,
        )
    if abs(float(shown) - alt_m) > _SAME_M:
        if reference is AltitudeReference.AMSL:
            raise refuse(
                f"is {shown:g} m above the terrain, calculated by QGroundControl as {alt_m:g} m "
                "above mean sea level from its terrain tiles, which patrol cannot check; set the "
                "item's altitude mode to Relative (to home) in QGroundControl"
            )
        raise refuse(
            f"shows Altitude {shown:g} m but uploads params[6] {alt_m:g} m; set the item's "
            "altitude again in QGroundControl"
        )
    if reference is AltitudeReference.AMSL:
        alt_rel_m = amsl2rel(alt_m, home.alt_amsl_m)
        given = f"at {alt_m:g} m above mean sea level"
    else:
        alt_rel_m = alt_m
        given = f"at {alt_m:g} m relative to home"
    if alt_rel_m < 0 and command.kind is not Kind.LAND and command.flies_at_altitude:
        raise refuse(
            f"{given} is {-alt_rel_m:g} m below home ({home.alt_amsl_m:g} m above mean sea level,"
            " plannedHomePosition): underground there unless the ground falls away, and patrol "
            "has no terrain data; set the item's altitude relative to home in QGroundControl"
        )
    return alt_rel_m


def _altitude_mode(raw: dict[str, Any], source: str, where: str) -> int | None:
    if raw.get("AltitudeMode") is None:
        return None
    mode = integer(raw["AltitudeMode"], path=source, feature=where, what="'AltitudeMode'")
    if mode not in _MODES:
        valid = ", ".join(f"{k} {v}" for k, v in _MODES.items())
        raise AreaError(
            f"AltitudeMode {mode} is not one of QGroundControl's ({valid})",
            path=source,
            feature=where,
        )
    return mode
