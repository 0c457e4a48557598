"""Frames and units: the one module that converts between WGS84 and local metres.

Planning geometry is done in a local East-North-Up frame in metres whose origin is the home point.
pymap3d works with heights above the ellipsoid; MAVLink altitudes are AMSL or relative to home. The
planner only needs the horizontal plane, so the frame is anchored at the ellipsoid height of the
origin and callers pass altitudes relative to home; nothing else in the project calls pymap3d.
Altitudes above mean sea level become altitudes above home here too (`amsl2rel`), with home's own
altitude above mean sea level: the controller reasons in one vertical frame, relative to home.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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


# WGS84 ellipsoid
_A_M = 6378137.0
_F = 1 / 298.257223563
_B_M = _A_M * (1 - _F)
_E2 = _F * (2 - _F)
_EP2 = (_A_M**2 - _B_M**2) / _B_M**2


def _geodetic2ecef(lat_deg: float, lon_deg: float, h_m: float) -> tuple[float, float, float]:
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    sin_lat = math.sin(lat)
    n_m = _A_M / math.sqrt(1 - _E2 * sin_lat * sin_lat)
    return (
        (n_m + h_m) * math.cos(lat) * math.cos(lon),
        (n_m + h_m) * math.cos(lat) * math.sin(lon),
        (n_m * (1 - _E2) + h_m) * sin_lat,
    )


def _ecef2geodetic(x: float, y: float, z: float) -> tuple[float, float, float]:
    """Closed-form (Zhu / Heikkinen) ECEF to latitude, longitude, height: exact, no iteration."""
    p = math.hypot(x, y)
    big_f = 54 * _B_M**2 * z * z
    g = p * p + (1 - _E2) * z * z - _E2 * (_A_M**2 - _B_M**2)
    c = _E2 * _E2 * big_f * p * p / g**3
    s = (1 + c + math.sqrt(c * c + 2 * c)) ** (1 / 3)
    k = s + 1 + 1 / s
    big_p = big_f / (3 * k * k * g * g)
    q = math.sqrt(1 + 2 * _E2 * _E2 * big_p)
    r0 = -(big_p * _E2 * p) / (1 + q) + math.sqrt(
        _A_M**2 / 2 * (1 + 1 / q) - big_p * (1 - _E2) * z * z / (q * (1 + q)) - big_p * p * p / 2
    )
    u = math.hypot(p - _E2 * r0, z)
    v = math.sqrt((p - _E2 * r0) ** 2 + (1 - _E2) * z * z)
    z0 = _B_M**2 * z / (_A_M * v)
    h_m = u * (1 - _B_M**2 / (_A_M * v))
    return math.degrees(math.atan2(z + _EP2 * z0, p)), math.degrees(math.atan2(y, x)), h_m


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """A local ENU frame in metres with its origin at `origin` (usually home).

    Points are taken on the ellipsoid and projected onto the origin's tangent plane, so both
    directions are exact inverses. Single points use plain float arithmetic (fast on the
    simulator's and controller's hot paths); arrays go through pymap3d.
    """

    origin: LatLon
    _origin_ecef: tuple[float, float, float] = field(init=False, repr=False, compare=False)
    _rot: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # computed once: every conversion needs the origin in ECEF and the ENU axes
        lat, lon = math.radians(self.origin.lat_deg), math.radians(self.origin.lon_deg)
        sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
        # rows: east, north, up unit vectors in ECEF
        rot = (-so, co, 0.0, -sl * co, -sl * so, cl, cl * co, cl * so, sl)
        origin = _geodetic2ecef(self.origin.lat_deg, self.origin.lon_deg, 0.0)
        object.__setattr__(self, "_origin_ecef", origin)
        object.__setattr__(self, "_rot", rot)

    def _basis(self) -> tuple[tuple[float, float, float], tuple[float, ...]]:
        return self._origin_ecef, self._rot

    def geodetic2enu(self, lat_deg: float, lon_deg: float) -> tuple[float, float]:
        """East and north metres of a WGS84 point (on the ellipsoid) from the origin."""
        (ox, oy, oz), r = self._basis()
        x, y, z = _geodetic2ecef(lat_deg, lon_deg, 0.0)
        dx, dy, dz = x - ox, y - oy, z - oz
        return (r[0] * dx + r[1] * dy + r[2] * dz, r[3] * dx + r[4] * dy + r[5] * dz)

    def enu2geodetic(self, east_m: float, north_m: float) -> LatLon:
        """The WGS84 point on the ellipsoid whose projection lies at east/north metres.

        The tangent plane rises above the ellipsoid away from the origin; the up coordinate is
        lowered until the point is back on the ellipsoid (three rounds reach well below 1 mm).
        """
        (ox, oy, oz), r = self._basis()
        up_m = 0.0
        lat = lon = 0.0
        for _ in range(3):
            x = ox + r[0] * east_m + r[3] * north_m + r[6] * up_m
            y = oy + r[1] * east_m + r[4] * north_m + r[7] * up_m
            z = oz + r[2] * east_m + r[5] * north_m + r[8] * up_m
            lat, lon, h_m = _ecef2geodetic(x, y, z)
            up_m -= h_m
        return LatLon(lat, lon)

    def geodetic2enu_many(self, lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
        """Vectorised `geodetic2enu`: an (N, 2) array of east, north metres."""
        zeros = np.zeros_like(lat_deg)
        e, n, _u = pymap3d.geodetic2enu(
            lat_deg, lon_deg, zeros, self.origin.lat_deg, self.origin.lon_deg, 0.0
        )
        return np.column_stack([np.asarray(e, float), np.asarray(n, float)])

    def enu2geodetic_many(self, east_m: FloatArray, north_m: FloatArray) -> FloatArray:
        """Vectorised `enu2geodetic`: an (N, 2) array of latitude, longitude degrees."""
        up_m = np.zeros_like(np.asarray(east_m, dtype=float))
        lat = lon = up_m
        for _ in range(3):
            lat, lon, h = pymap3d.enu2geodetic(
                east_m, north_m, up_m, self.origin.lat_deg, self.origin.lon_deg, 0.0
            )
            up_m = up_m - h
        return np.column_stack([np.asarray(lat, float), np.asarray(lon, float)])


def amsl2rel(alt_amsl_m: float, home_alt_amsl_m: float) -> float:
    """Altitude above home from altitude above mean sea level (MAVLink GLOBAL to
    GLOBAL_RELATIVE_ALT), home's own altitude being `home_alt_amsl_m`."""
    return alt_amsl_m - home_alt_amsl_m


def rel2amsl(alt_rel_m: float, home_alt_amsl_m: float) -> float:
    """Altitude above mean sea level from altitude above home (the inverse of `amsl2rel`)."""
    return alt_rel_m + home_alt_amsl_m


@dataclass(frozen=True, slots=True)
class LatLonPlane:
    """Latitude and longitude scaled to metres at `origin`: an affine map of degrees.

    Both autopilots test a fence polygon in raw degrees (PX4's `Geofence::insidePolygon` runs
    PNPOLY on latitude/longitude; ArduPilot's `AC_PolyFence_loader::breached` runs
    `Polygon_outside` on the vertices' latitude/longitude x 1e7), so a fence edge is straight in
    degrees. An affine map keeps straight lines straight and containment exact, so fence geometry
    the autopilot will hold can be worked on here, in metres near `origin` (the scale is exact at
    the origin's latitude and drifts with the distance north or south: areas are approximate).
    """

    origin: LatLon
    m_per_deg_lat: float = field(init=False)
    m_per_deg_lon: float = field(init=False)

    def __post_init__(self) -> None:
        lat = math.radians(self.origin.lat_deg)
        w = math.sqrt(1 - _E2 * math.sin(lat) ** 2)
        meridian_m = _A_M * (1 - _E2) / w**3
        normal_m = _A_M / w
        object.__setattr__(self, "m_per_deg_lat", math.radians(meridian_m))
        object.__setattr__(self, "m_per_deg_lon", math.radians(normal_m * math.cos(lat)))

    def latlon2xy(self, lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
        """An (N, 2) array of x (east), y (north) plane metres."""
        x = (np.asarray(lon_deg, float) - self.origin.lon_deg) * self.m_per_deg_lon
        y = (np.asarray(lat_deg, float) - self.origin.lat_deg) * self.m_per_deg_lat
        return np.column_stack([x, y])

    def xy2latlon(self, x_m: FloatArray, y_m: FloatArray) -> FloatArray:
        """An (N, 2) array of latitude, longitude degrees."""
        lat = np.asarray(y_m, float) / self.m_per_deg_lat + self.origin.lat_deg
        lon = np.asarray(x_m, float) / self.m_per_deg_lon + self.origin.lon_deg
        return np.column_stack([lat, lon])


def ground_distance_m(a: LatLon, b: LatLon) -> float:
    """Distance between two points along the ground (metres, on a local tangent plane at `a`)."""
    east_m, north_m = LocalFrame(a).geodetic2enu(b.lat_deg, b.lon_deg)
    return math.hypot(east_m, north_m)
