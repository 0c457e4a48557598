"""Areas from GeoJSON (RFC 7946): Polygon, MultiPolygon and Point features with a `role` property.

Polygons without a role are zones; holes in a zone are exclusions. Points need a role (`home`,
`hotspot`, `rally`), or a `radius_m` to be a circular zone or exclusion (a helipad).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geofence.areas import (
    Area,
    AreaCircle,
    AreaPoint,
    AreaPolygon,
    Role,
    Shape,
    check_position,
    parse_role,
)
from geofence.errors import AreaError
from geofence.frames import GeoPoint, LatLon
from geofence.jsonfields import describe, is_number, loads, number
from geofence.rings import build_ring, check_hole_inside

_ORDER = "GeoJSON positions are [longitude, latitude]"
_WGS84_CRS = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
}


def load_geojson(path: Path) -> Area:
    """Read an area from a GeoJSON file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AreaError(f"cannot read file ({exc.__class__.__name__}: {exc})", path=source) from exc
    return area_from_geojson(loads(text, path=source), source)


def area_from_geojson(doc: Any, source: str) -> Area:
    """An area from a parsed GeoJSON document."""
    if not isinstance(doc, dict):
        raise AreaError("top level must be a GeoJSON object", path=source)
    _check_crs(doc, source)
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise AreaError("FeatureCollection has no 'features' list", path=source)
    elif kind == "Feature":
        features = [doc]
    else:
        raise AreaError(
            f"top-level type {kind!r} is not a Feature or FeatureCollection; wrap the "
            "geometries in features with a 'role' property",
            path=source,
        )
    builder = _Builder(source)
    for index, feature in enumerate(features, start=1):
        builder.add(index, feature)
    return builder.area()


_CRS_SHAPE = '{"type": "name", "properties": {"name": "EPSG:4326"}}'


def _check_crs(doc: dict[str, Any], source: str) -> None:
    """An old-style (2008) named `crs` must name WGS84; RFC 7946 GeoJSON has none (always WGS84)."""
    if "crs" not in doc or doc["crs"] is None:
        return
    crs = doc["crs"]
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str):
        if not isinstance(crs, dict):
            got = describe(crs)
        elif not isinstance(props, dict):
            got = f"'properties' {describe(props)}"
        else:
            got = f"'name' {describe(name)}"
        raise AreaError(
            f"'crs' must be a named coordinate reference system like {_CRS_SHAPE}, got {got}; "
            "remove 'crs' (GeoJSON is WGS84 without it) or re-export in EPSG:4326",
            path=source,
        )
    if name not in _WGS84_CRS:
        raise AreaError(
            f"coordinate reference system {name!r} is not WGS84; re-export in EPSG:4326",
            path=source,
        )


class _Builder:
    """Collects features into an `Area`, naming each feature in its messages."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.zones: list[Shape] = []
        self.exclusions: list[Shape] = []
        self.points: list[AreaPoint] = []
        self.home: GeoPoint | None = None

    def add(self, index: int, feature: Any) -> None:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise AreaError(
                "is not a GeoJSON Feature", path=self.source, feature=f"feature {index}"
            )
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise AreaError(
                f"'properties' must be an object, got {describe(props)}",
                path=self.source,
                feature=f"feature {index}",
            )
        raw_name = props.get("name")
        if raw_name is not None and not isinstance(raw_name, str):
            raise AreaError(
                f"'name' must be a string, got {describe(raw_name)}; write it in quotes",
                path=self.source,
                feature=f"feature {index}",
            )
        name = raw_name or f"feature {index}"
        label = f"feature {index} ({name})" if raw_name else f"feature {index}"
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            raise AreaError("has no geometry", path=self.source, feature=label)
        kind = geometry.get("type")
        coords = geometry.get("coordinates")
        if kind == "Polygon":
            self._add_polygon(name, label, props, [coords])
        elif kind == "MultiPolygon":
            if not isinstance(coords, list):
                raise AreaError(
                    "MultiPolygon coordinates must be a list", path=self.source, feature=label
                )
            self._add_polygon(name, label, props, coords)
        elif kind == "Point":
            self._add_point(name, label, props, coords)
        else:
            raise AreaError(
                f"geometry type {kind!r} is not supported; use Polygon, MultiPolygon or Point",
                path=self.source,
                feature=label,
            )

    def _position(self, raw: Any, label: str) -> LatLon:
        ok = isinstance(raw, list) and len(raw) >= 2
        if not ok or not all(is_number(v) for v in raw[:2]):
            raise AreaError(
                f"position {raw!r} is not [longitude, latitude]", path=self.source, feature=label
            )
        return check_position(
            float(raw[0]), float(raw[1]), path=self.source, feature=label, order=_ORDER
        )

    def _add_polygon(self, name: str, label: str, props: dict[str, Any], polys: Any) -> None:
        role = parse_role(props.get("role"), path=self.source, feature=label, default=Role.ZONE)
        if role not in (Role.ZONE, Role.EXCLUSION):
            raise AreaError(
                f"a polygon cannot have role {role.value!r}; use 'zone' or 'exclusion'",
                path=self.source,
                feature=label,
            )
        for rings in polys:
            if not isinstance(rings, list) or not rings:
                raise AreaError(
                    "Polygon coordinates must be a list of rings", path=self.source, feature=label
                )
            for k, raw_ring in enumerate(rings):
                if not isinstance(raw_ring, list):
                    raise AreaError(
                        "a ring must be a list of positions", path=self.source, feature=label
                    )
                ring_label = label if k == 0 else f"{label} hole {k}"
                ring = build_ring(
                    [self._position(p, ring_label) for p in raw_ring],
                    path=self.source,
                    feature=ring_label,
                )
                if k == 0:
                    shell = ring
                    target = self.zones if role is Role.ZONE else self.exclusions
                    target.append(AreaPolygon(name, role, ring))
                    continue
                check_hole_inside(shell, ring, path=self.source, feature=ring_label)
                if role is Role.ZONE:
                    self.exclusions.append(AreaPolygon(f"{name} hole {k}", Role.EXCLUSION, ring))

    def _add_point(self, name: str, label: str, props: dict[str, Any], raw: Any) -> None:
        position = self._position(raw, label)
        radius = props.get("radius_m")
        default = Role.EXCLUSION if radius is not None else None
        role = parse_role(props.get("role"), path=self.source, feature=label, default=default)
        if role in (Role.ZONE, Role.EXCLUSION):
            if radius is None:
                raise AreaError(
                    f"a {role.value} point needs a 'radius_m' property > 0 (a circle)",
                    path=self.source,
                    feature=label,
                )
            radius_m = number(radius, path=self.source, feature=label, what="'radius_m'")
            if not radius_m > 0:
                raise AreaError(
                    f"'radius_m' {radius_m:g} must be > 0 (a circle's radius in metres)",
                    path=self.source,
                    feature=label,
                )
            target = self.zones if role is Role.ZONE else self.exclusions
            target.append(AreaCircle(name, role, position, radius_m))
        elif role is Role.HOME:
            if self.home is not None:
                raise AreaError(
                    "a second home point; keep exactly one feature with role 'home'",
                    path=self.source,
                    feature=label,
                )
            alt_m = number(
                props.get("alt_amsl_m", 0.0),
                path=self.source,
                feature=label,
                what="'alt_amsl_m' (metres above mean sea level)",
            )
            self.home = GeoPoint(position.lat_deg, position.lon_deg, alt_m)
        else:
            self.points.append(AreaPoint(name, role, position))

    def area(self) -> Area:
        return Area(
            source=self.source,
            zones=tuple(self.zones),
            exclusions=tuple(self.exclusions),
            home=self.home,
            hotspots=tuple(p for p in self.points if p.role is Role.HOTSPOT),
            rally=tuple(p for p in self.points if p.role is Role.RALLY),
        )
