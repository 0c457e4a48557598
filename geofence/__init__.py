"""Areas and fences: loading zone files, the local metric frame, containment and clearance.

Pure and deterministic: no asyncio, no sockets, no vehicle.
"""

from geofence.areas import Area, AreaCircle, AreaPoint, AreaPolygon, Role
from geofence.build import fence_from_area, select_zones
from geofence.errors import AreaError, FenceError, PatrolError
from geofence.fence import (
    Fence,
    FenceCircle,
    FencePolygon,
    LocalFence,
    RallyPoint,
    check_home_inside,
)
from geofence.frames import GeoPoint, LatLon, LocalFrame
from geofence.loaders import load_area
from geofence.mavlink import MavCmd, MavFrame, MavItem, fence_from_items, fence_items, rally_items

__all__ = [
    "Area",
    "AreaCircle",
    "AreaError",
    "AreaPoint",
    "AreaPolygon",
    "Fence",
    "FenceCircle",
    "FenceError",
    "FencePolygon",
    "GeoPoint",
    "LatLon",
    "LocalFence",
    "LocalFrame",
    "MavCmd",
    "MavFrame",
    "MavItem",
    "PatrolError",
    "RallyPoint",
    "Role",
    "check_home_inside",
    "fence_from_area",
    "fence_from_items",
    "fence_items",
    "load_area",
    "rally_items",
    "select_zones",
]
