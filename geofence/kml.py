"""Areas from KML (OGC KML 2.2, as Google Earth writes it): Placemarks with Polygon or Point.

The role comes from an ExtendedData field named `role` (Data or SimpleData); polygons without one
are
zones. KML coordinates are always WGS84 `longitude,latitude[,altitude]`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

from geofence.areas import Area, check_position
from geofence.errors import AreaError
from geofence.geojson import area_from_geojson

_ORDER = "KML coordinates are longitude,latitude[,altitude]"
_NOT_AREAS = ("LineString", "LinearRing", "Track", "MultiTrack", "Model", "GroundOverlay")


def load_kml(path: Path) -> Area:
    """Read an area from a KML file (Placemarks at any depth)."""
    source = str(path)
    try:
        root = ElementTree.fromstring(path.read_bytes())
    except OSError as exc:
        raise AreaError(f"cannot read file ({exc.__class__.__name__}: {exc})", path=source) from exc
    except ElementTree.ParseError as exc:
        raise AreaError(f"not valid XML: {exc}", path=source) from exc
    features: list[dict[str, object]] = []
    notes: list[str] = []
    for index, placemark in enumerate(_all(root, "Placemark"), start=1):
        feature = _feature(placemark, index, source)
        if isinstance(feature, str):
            notes.append(feature)
        else:
            features.append(feature)
    if not features:
        found = f" ({notes[0]}{', …' if len(notes) > 1 else ''})" if notes else ""
        raise AreaError(
            f"no Polygon or Point placemark found{found}; draw the zones as polygons in Google "
            "Earth or a GIS tool",
            path=source,
        )
    # One set of checks for every format: hand the parsed shapes to the GeoJSON builder.
    area = area_from_geojson({"type": "FeatureCollection", "features": features}, source)
    return replace(area, notes=tuple(f"{source}: {note}" for note in notes))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(node: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [el for el in node.iter() if _local(el.tag) == name]


def _first_text(node: ElementTree.Element, name: str) -> str | None:
    for el in node.iter():
        if _local(el.tag) == name and el.text:
            return el.text.strip()
    return None


def _feature(placemark: ElementTree.Element, index: int, source: str) -> dict[str, object] | str:
    """The placemark as a GeoJSON feature, or a note saying why it was read past: a line, a
    track or a pin without a role (Google Earth's own kinds) is no part of an area."""
    name = None
    for child in placemark:
        if _local(child.tag) == "name" and child.text:
            name = child.text.strip()
    label = f"Placemark {index}" + (f" ({name})" if name else "")
    props: dict[str, object] = {"name": name} if name else {}
    for data in _all(placemark, "Data") + _all(placemark, "SimpleData"):
        key = data.get("name")
        value = _first_text(data, "value") if _local(data.tag) == "Data" else data.text
        if key in ("role", "radius_m", "alt_amsl_m") and value is not None:
            props[key] = _number_or_text(value.strip())
    if _is_pin(placemark, props):
        return f"{label}: a point with no 'role' (home, hotspot or rally) in ExtendedData: skipped"
    polygons = _all(placemark, "Polygon")
    if polygons:
        rings = [
            [_ring(p, "outerBoundaryIs", label, source)]
            + [_coords(r, label, source) for r in _boundaries(p, "innerBoundaryIs")]
            for p in polygons
        ]
        geometry: dict[str, object] = {"type": "MultiPolygon", "coordinates": rings}
    else:
        points = _all(placemark, "Point")
        if not points:
            return f"{label}: {_kind(placemark)}, not an area: skipped"
        coords = _coords(points[0], label, source)
        geometry = {"type": "Point", "coordinates": coords[0]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _is_pin(placemark: ElementTree.Element, props: dict[str, object]) -> bool:
    """A lone point with neither a role nor a radius: a pin dropped in Google Earth."""
    has_point = bool(_all(placemark, "Point")) and not _all(placemark, "Polygon")
    return has_point and "role" not in props and "radius_m" not in props


def _kind(placemark: ElementTree.Element) -> str:
    """What a placemark without a Polygon or Point holds, in KML's words."""
    for el in placemark.iter():
        if _local(el.tag) in _NOT_AREAS:
            return f"a {_local(el.tag)}"
    return "no geometry"


def _number_or_text(value: str) -> object:
    try:
        return float(value)
    except ValueError:
        return value


def _boundaries(polygon: ElementTree.Element, which: str) -> list[ElementTree.Element]:
    return [el for el in polygon if _local(el.tag) == which]


def _ring(polygon: ElementTree.Element, which: str, label: str, source: str) -> list[list[float]]:
    found = _boundaries(polygon, which)
    if not found:
        raise AreaError(f"Polygon has no {which}", path=source, feature=label)
    return _coords(found[0], label, source)


def _coords(node: ElementTree.Element, label: str, source: str) -> list[list[float]]:
    text = _first_text(node, "coordinates")
    if not text:
        raise AreaError("has no coordinates", path=source, feature=label)
    out: list[list[float]] = []
    for token in text.split():
        parts = token.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError) as exc:
            raise AreaError(
                f"coordinate {token!r} is not longitude,latitude[,altitude]",
                path=source,
                feature=label,
            ) from exc
        check_position(lon, lat, path=source, feature=label, order=_ORDER)
        out.append([lon, lat])
    return out
