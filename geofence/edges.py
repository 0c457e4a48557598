"""A fence polygon's edges as the planner draws them and as the autopilot tests them.

patrol plans in a local east-north plane (`LocalFrame`), where an edge is the straight chord
between two vertices. Both autopilots test an edge straight in latitude/longitude instead:

- PX4, `src/modules/navigator/geofence.cpp`, `Geofence::insidePolygon`: PNPOLY on the vertices'
  latitude/longitude (doubles), the vehicle's position in the same degrees;
- ArduPilot, `libraries/AC_Fence/AC_PolyFence_loader.cpp`, `breached()`: `Polygon_outside` on the
  vertices' latitude/longitude x 1e7 (`points_lla`). Its copy in north-east centimetres from the
  EKF origin (`scale_latlon_from_origin`) serves distances, margins and avoidance, not the breach.

Seen in the local plane, an edge straight in degrees bows away from the chord, by an amount that
grows with the square of its length and is largest east-west (a meridian is straight in both).
Near 16 N, east-west: 0.1 mm over 100 m, 3 mm over 700 m (the Mukdahan sample's longest edge),
15 cm over 5 km, 2.3 m over 20 km, 14.5 m over 50 km. That curve is drawn here as a polyline
through points interpolated in degrees, dense enough to be within `EDGE_TOLERANCE_M` of it (a
piece 1/k as long bows about 1/k^2 as much).

Vertices are taken as the vehicle stores them: MISSION_ITEM_INT carries latitude and longitude as
integers of 1e-7 degree (about 1 cm), so that is where the autopilot's polygon has its corners.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum

import numpy as np

from geofence.frames import FloatArray, LatLon, LocalFrame

#: How far the drawn polyline may be from an edge straight in degrees; well below
#: `fence.SAFETY_EPS_M`, which every free space is eroded by beyond its margin.
EDGE_TOLERANCE_M = 0.001
#: MISSION_ITEM_INT's latitude and longitude: integers of 1e-7 degree.
COORDINATE_PER_DEG = 1e7
#: The most points one edge is drawn with (a 300 km edge at the tolerance needs about 2,000).
_MOST_PIECES = 4096


class EdgeModel(Enum):
    """Which edges a `LocalFence` holds: straight in the local plane, straight in degrees (as
    the autopilot tests them), or the worse of the two at every point (what the planner uses)."""

    LOCAL = "local"
    LATLON = "latlon"
    BOTH = "both"


def stored_deg(deg: float) -> float:
    """A latitude or longitude as the vehicle stores it (as the vehicle link and the simulator
    round it)."""
    return round(deg * COORDINATE_PER_DEG) / COORDINATE_PER_DEG


def as_stored(lat_deg: FloatArray, lon_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """`stored_deg` over arrays."""
    scale = COORDINATE_PER_DEG
    return np.round(lat_deg * scale) / scale, np.round(lon_deg * scale) / scale


def ring_arrays(vertices: Sequence[LatLon]) -> tuple[FloatArray, FloatArray]:
    """A ring's vertices as the vehicle stores them, as latitude and longitude arrays."""
    lat = np.array([v.lat_deg for v in vertices], dtype=float)
    lon = np.array([v.lon_deg for v in vertices], dtype=float)
    return as_stored(lat, lon)


def latlon_ring(
    lat_deg: FloatArray,
    lon_deg: FloatArray,
    frame: LocalFrame,
    tolerance_m: float = EDGE_TOLERANCE_M,
) -> tuple[FloatArray, float]:
    """The ring with its edges straight in degrees, drawn in `frame` as an (N, 2) polyline of
    east/north metres, and the largest bow of any edge from its chord (metres)."""
    lat_next, lon_next = np.roll(lat_deg, -1), np.roll(lon_deg, -1)
    ends = frame.geodetic2enu_many(lat_deg, lon_deg)
    mids = frame.geodetic2enu_many((lat_deg + lat_next) / 2, (lon_deg + lon_next) / 2)
    chords = (ends + np.roll(ends, -1, axis=0)) / 2
    bow_m = np.hypot(*(mids - chords).T)
    if not len(bow_m) or float(bow_m.max()) <= tolerance_m:
        return ends, float(bow_m.max(initial=0.0))
    pieces = np.clip(np.ceil(np.sqrt(bow_m / tolerance_m)), 1, _MOST_PIECES).astype(int)
    edge = np.repeat(np.arange(len(lat_deg)), pieces)
    first = np.cumsum(pieces) - pieces
    t = (np.arange(int(pieces.sum())) - np.repeat(first, pieces)) / np.repeat(pieces, pieces)
    lat = lat_deg[edge] + t * (lat_next[edge] - lat_deg[edge])
    lon = lon_deg[edge] + t * (lon_next[edge] - lon_deg[edge])
    return frame.geodetic2enu_many(lat, lon), float(bow_m.max())


def bow_m(a: LatLon, b: LatLon, frame: LocalFrame) -> float:
    """How far the edge from `a` to `b`, straight in degrees, bows from the local chord."""
    mid_e, mid_n = frame.geodetic2enu((a.lat_deg + b.lat_deg) / 2, (a.lon_deg + b.lon_deg) / 2)
    a_e, a_n = frame.geodetic2enu(a.lat_deg, a.lon_deg)
    b_e, b_n = frame.geodetic2enu(b.lat_deg, b.lon_deg)
    return math.hypot(mid_e - (a_e + b_e) / 2, mid_n - (a_n + b_n) / 2)
