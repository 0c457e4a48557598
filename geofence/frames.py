"""Frames and units: the one module that converts between WGS84 and local metres.

Planning geometry is done in a local East-North-Up frame in metres whose origin is the home point.
pymap3d works with heights above the ellipsoid; MAVLink altitudes are AMSL or relative to home. The
planner only needs the horizontal plane, so the frame is anchored at the ellipsoid height of the
origin
and callers pass altitudes relative to home; nothing else in the project calls pymap3d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pymap3d

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LatLon:
    """A WGS84 position in degrees."""

    lat_deg: float
    lon_deg: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat_deg <= 90.0) or not math.isfinite(self.lat_deg):
            raise ValueError(f"-90 <= lat_deg <= 90, got {self.lat_deg}")
        if not (-180.0 <= self.lon_deg <= 180.0) or not math.isfinite(self.lon_deg):
            raise ValueError(f"-180 <= lon_deg <= 180, got {self.lon_deg}")


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position with its altitude above mean sea level (AMSL) in metres."""

    lat_deg: float
    lon_deg: float
    alt_amsl_m: float = 0.0

    def __post_init__(self) -> None:
        LatLon(self.lat_deg, self.lon_deg)  # validates the ranges

    @property
    def latlon(self) -> LatLon:
        return LatLon(self.lat_deg, self.lon_deg)


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """A local ENU frame in metres with its origin at `origin` (usually home)."""

    origin: LatLon

    def geodetic2enu(self, lat_deg: float, lon_deg: float) -> tuple[float, float]:
        """East and north metres of a WGS84 point on the origin's tangent plane."""
        e, n, _u = pymap3d.geodetic2enu(
            lat_deg, lon_deg, 0.0, self.origin.lat_deg, self.origin.lon_deg, 0.0
        )
        return float(e), float(n)

    def enu2geodetic(self, east_m: float, north_m: float) -> LatLon:
        """The WGS84 point whose place on the ellipsoid lies at east/north metres of the origin.

        The tangent plane rises above the ellipsoid away from the origin; the up coordinate is
        lowered until the point is back on the ellipsoid, so this is the exact inverse of
        `geodetic2enu` (which reads points on the ellipsoid).
        """
        lat, lon = self._ellipsoid_point(east_m, north_m)
        return LatLon(float(lat), float(lon))

    def _ellipsoid_point(self, east_m: Any, north_m: Any) -> tuple[Any, Any]:
        up_m = np.zeros_like(np.asarray(east_m, dtype=float))
        for _ in range(3):
            lat, lon, h = pymap3d.enu2geodetic(
                east_m, north_m, up_m, self.origin.lat_deg, self.origin.lon_deg, 0.0
            )
            up_m = up_m - h
        return lat, lon

    def geodetic2enu_many(self, lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
        """Vectorised `geodetic2enu`: an (N, 2) array of east, north metres."""
        zeros = np.zeros_like(lat_deg)
        e, n, _u = pymap3d.geodetic2enu(
            lat_deg, lon_deg, zeros, self.origin.lat_deg, self.origin.lon_deg, 0.0
        )
        return np.column_stack([np.asarray(e, float), np.asarray(n, float)])

    def enu2geodetic_many(self, east_m: FloatArray, north_m: FloatArray) -> FloatArray:
        """Vectorised `enu2geodetic`: an (N, 2) array of latitude, longitude degrees."""
        lat, lon = self._ellipsoid_point(east_m, north_m)
        return np.column_stack([np.asarray(lat, float), np.asarray(lon, float)])


def ground_distance_m(a: LatLon, b: LatLon) -> float:
    """Distance between two points along the ground (metres, on a local tangent plane at `a`)."""
    east_m, north_m = LocalFrame(a).geodetic2enu(b.lat_deg, b.lon_deg)
    return math.hypot(east_m, north_m)
