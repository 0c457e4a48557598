"""A `Mission`: exactly what is uploaded to one vehicle for one sortie (items, fence, rally).

Items are MAVLink mission items: take-off at home, a speed change, waypoints (loiters at hot-spots),
return to launch. Unused params are None (PX4 reads NaN as "keep current"; the vehicle link writes 0
for ArduPilot, which rejects NaN). Every item with a position is in frame GLOBAL_RELATIVE_ALT, so
its `z_alt_m` is metres above home: a .plan in other frames is converted on import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geofence.fence import Fence, RallyPoint
from geofence.frames import GeoPoint, LocalFrame
from geofence.mavlink import MavCmd, MavFrame, MavItem, rally_items
from missions.commands import flies_at_altitude, is_positional
from missions.returns import rally_alt_rel_m
from missions.route import Waypoint
from missions.spec import Autopilot

#: MAV_AUTOPILOT values for the .plan firmwareType.
FIRMWARE_TYPE = {Autopilot.PX4: 12, Autopilot.ARDUPILOT: 3}
#: MAV_TYPE_QUADROTOR.
VEHICLE_TYPE_QUADROTOR = 2
#: DO_CHANGE_SPEED param1: ground speed.
SPEED_TYPE_GROUND = 1.0


@dataclass(frozen=True, slots=True)
class Mission:
    """One sortie's upload: items, fence and rally points, with its planned home.

    A rally point's `alt_rel_m` is its item's altitude above home as `autopilot` reads it: PX4 takes
    it as the ground there (it lands there, returning RTL_RETURN_ALT above it), ArduPilot as the
    altitude it returns at (at least RTL_ALT). See `missions.returns`.
    """

    name: str
    home: GeoPoint
    items: tuple[MavItem, ...]
    fence: Fence
    rally: tuple[RallyPoint, ...] = ()
    cruise_speed_mps: float = 8.0
    autopilot: Autopilot = Autopilot.PX4
    source: str = field(default="", compare=False)  # the file it was read from, for messages
    #: items given above mean sea level, made relative with the planned home's altitude: they
    #: fly where planned only if the vehicle's home is at that altitude (preflight checks)
    amsl_items: tuple[int, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a mission needs at least one item")
        for k, item in enumerate(self.items, start=1):
            if is_positional(item.command) and item.frame != MavFrame.GLOBAL_RELATIVE_ALT:
                raise ValueError(
                    f"item {k}: positional items are relative to home (frame "
                    f"GLOBAL_RELATIVE_ALT), got frame {item.frame}"
                )

    @property
    def cruise_alt_rel_m(self) -> float:
        """The highest altitude the mission flies at, relative to home."""
        flown = (i.z_alt_m for i in self.items if flies_at_altitude(i.command))
        return max(flown, default=0.0)

    def uploaded_rally(self) -> tuple[RallyPoint, ...]:
        """The rally points to upload: the mission's, or home alone when it has none.

        Home replaces whatever an earlier mission left (MAVLink cannot send an empty list), at the
        altitude this autopilot reads from a rally item: on PX4 the ground (0 m above home), on
        ArduPilot the altitude it returns at (the cruise altitude, as RTL_ALT).
        """
        if self.rally:
            return self.rally
        alt_m = rally_alt_rel_m(self.autopilot, self.cruise_alt_rel_m)
        return (RallyPoint(self.home.lat_deg, self.home.lon_deg, alt_m),)

    def rally_items(self) -> tuple[MavItem, ...]:
        """`uploaded_rally` as MAVLink rally items (frame GLOBAL_RELATIVE_ALT)."""
        return rally_items(self.uploaded_rally())

    def nav_items(self) -> tuple[MavItem, ...]:
        """Items with a position (take-off, waypoints, loiters, land, reposition, markers)."""
        return tuple(i for i in self.items if is_positional(i.command))


def takeoff_item(home: GeoPoint, alt_rel_m: float) -> MavItem:
    return MavItem(
        MavCmd.NAV_TAKEOFF,
        MavFrame.GLOBAL_RELATIVE_ALT,
        0.0,
        0.0,
        0.0,
        None,
        home.lat_deg,
        home.lon_deg,
        alt_rel_m,
    )


def speed_item(speed_mps: float) -> MavItem:
    return MavItem(
        MavCmd.DO_CHANGE_SPEED, MavFrame.MISSION, SPEED_TYPE_GROUND, speed_mps, -1.0, 0.0
    )


def return_item() -> MavItem:
    return MavItem(MavCmd.NAV_RETURN_TO_LAUNCH, MavFrame.MISSION, 0.0, 0.0, 0.0, 0.0)


def plain_waypoint(lat_deg: float, lon_deg: float, alt_rel_m: float) -> MavItem:
    """A waypoint flown through without holding, at an altitude above home."""
    return MavItem(
        MavCmd.NAV_WAYPOINT,
        MavFrame.GLOBAL_RELATIVE_ALT,
        0.0,
        0.0,
        0.0,
        None,
        lat_deg,
        lon_deg,
        alt_rel_m,
    )


def waypoint_item(wp: Waypoint, lat_deg: float, lon_deg: float, alt_rel_m: float) -> MavItem:
    """A waypoint (or a loiter, when the waypoint has a loiter time) at a WGS84 position."""
    command = MavCmd.NAV_LOITER_TIME if wp.loiter_s > 0 else MavCmd.NAV_WAYPOINT
    hold_s = wp.loiter_s if wp.loiter_s > 0 else 0.0  # param1: loiter time, or hold time (0)
    return MavItem(
        command, MavFrame.GLOBAL_RELATIVE_ALT, hold_s, 0.0, 0.0, None, lat_deg, lon_deg, alt_rel_m
    )


def sortie_items(
    frame: LocalFrame,
    home: GeoPoint,
    waypoints: tuple[Waypoint, ...],
    *,
    alt_rel_m: float,
    speed_mps: float,
    keep_last: bool = False,
) -> tuple[MavItem, ...]:
    """Take-off, speed, every waypoint but the last (home: the return flies there), return.

    `keep_last` keeps the last waypoint too, for when a rally point is as near as home to the one
    before it: the final RTL would head there instead.
    """
    body = waypoints if keep_last else waypoints[:-1]
    east = np.array([w.east_m for w in body], dtype=float)
    north = np.array([w.north_m for w in body], dtype=float)
    latlon = frame.enu2geodetic_many(east, north)
    items = [
        waypoint_item(wp, float(lat), float(lon), alt_rel_m)
        for wp, (lat, lon) in zip(body, latlon, strict=True)
    ]
    return (takeoff_item(home, alt_rel_m), speed_item(speed_mps), *items, return_item())
