"""Areas as a pilot draws them: zones to patrol, no-fly exclusions, home, hot-spots and rally
points.

Loaders (GeoJSON, KML, QGC .plan) all end in `check_position` and `build_ring` (in `rings`), so
every file format gets the same checks and the same one-line messages: a coordinate out of range
(and whether it looks swapped), and each ring's own checks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import shapely
from shapely.geometry import Polygon

from geofence.errors import AreaError
from geofence.fence import RallyPoint
from geofence.frames import GeoPoint, LatLon, ground_distance_m
from geofence.rings import Ring

#: Features further than this from the first zone are taken as a coordinate mix-up.
MAX_AREA_SPAN_M = 200_000.0


class Role(Enum):
    """What a feature of an area file is for."""

    ZONE = "zone"
    EXCLUSION = "exclusion"
    HOME = "home"
    HOTSPOT = "hotspot"
    RALLY = "rally"


@dataclass(frozen=True, slots=True)
class AreaPolygon:
    """A zone or exclusion polygon (exterior ring only: holes become exclusions)."""

    name: str
    role: Role
    exterior: Ring


@dataclass(frozen=True, slots=True)
class AreaCircle:
    """A circular zone or exclusion (a helipad, a circular fence)."""

    name: str
    role: Role
    center: LatLon
    radius_m: float

    def __post_init__(self) -> None:
        if not (self.radius_m > 0 and math.isfinite(self.radius_m)):
            raise ValueError(f"radius_m > 0, got {self.radius_m}")


@dataclass(frozen=True, slots=True)
class AreaPoint:
    """A named point: a hot-spot to visit or a rally point to return to. A rally point read from
    a .plan keeps the altitude above home it was given there."""

    name: str
    role: Role
    position: LatLon
    alt_rel_m: float | None = None


Shape = AreaPolygon | AreaCircle


@dataclass(frozen=True, slots=True)
class Area:
    """Everything one area file says."""

    source: str
    zones: tuple[Shape, ...]
    exclusions: tuple[Shape, ...]
    home: GeoPoint | None
    hotspots: tuple[AreaPoint, ...] = ()
    rally: tuple[AreaPoint, ...] = ()
    breach_return: RallyPoint | None = None
    notes: tuple[str, ...] = ()  # what was read past (a KML line or a pin), one line each

    def zone_names(self) -> tuple[str, ...]:
        """Zone names in file order, each once."""
        return tuple(dict.fromkeys(z.name for z in self.zones))

    def zones_named(self, names: Sequence[str]) -> tuple[Shape, ...]:
        """The zones with these names (all parts of a multi-part zone)."""
        wanted = set(names)
        return tuple(z for z in self.zones if z.name in wanted)


def parse_role(value: object, *, path: str, feature: str, default: Role | None) -> Role:
    """The feature's role, with the valid roles listed when it is wrong."""
    if value is None:
        if default is None:
            valid = ", ".join(r.value for r in Role)
            raise AreaError(
                f"missing 'role' property; set it to one of: {valid}", path=path, feature=feature
            )
        return default
    for role in Role:
        if str(value).strip().lower() == role.value:
            return role
    valid = ", ".join(r.value for r in Role)
    raise AreaError(f"unknown role {value!r}; use one of: {valid}", path=path, feature=feature)


def check_position(lon: float, lat: float, *, path: str, feature: str, order: str) -> LatLon:
    """A validated coordinate; `order` names the file's axis order for the swap hint."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise AreaError("coordinate is not a finite number", path=path, feature=feature)
    if abs(lat) > 90.0 or abs(lon) > 180.0:
        if abs(lon) <= 90.0 and abs(lat) <= 180.0:
            raise AreaError(
                f"latitude {lat:g} is out of range: latitude and longitude look swapped; {order}",
                path=path,
                feature=feature,
            )
        raise AreaError(
            f"coordinate ({lon:g}, {lat:g}) is not WGS84 degrees (projected metres?); "
            "re-export the file in WGS84 (EPSG:4326)",
            path=path,
            feature=feature,
        )
    return LatLon(lat, lon)


def check_span(area: Area) -> None:
    """Reject features far from the first zone: the mark of swapped axes in one feature."""
    if not area.zones:
        return
    anchor = _shape_anchor(area.zones[0])
    named: list[tuple[str, LatLon]] = [(s.name, _shape_anchor(s)) for s in area.zones]
    named += [(s.name, _shape_anchor(s)) for s in area.exclusions]
    named += [(p.name, p.position) for p in (*area.hotspots, *area.rally)]
    if area.home is not None:
        named.append(("home", area.home.latlon))
    for name, where in named:
        distance_m = ground_distance_m(anchor, where)
        if distance_m > MAX_AREA_SPAN_M:
            raise AreaError(
                f"lies {distance_m / 1000:,.0f} km from zone {area.zones[0].name!r}; "
                "are its latitude and longitude swapped?",
                path=area.source,
                feature=name,
            )


def _shape_anchor(shape: Shape) -> LatLon:
    if isinstance(shape, AreaCircle):
        return shape.center
    centroid = shapely.centroid(Polygon([(p.lon_deg, p.lat_deg) for p in shape.exterior]))
    return LatLon(float(centroid.y), float(centroid.x))
