"""Canonical test areas in one place: square, concave, with a hole, self-intersecting, tiny, far
north; each built around a home point, in metres east/north converted to WGS84."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from geofence.frames import LatLon, LocalFrame

ORIGIN = LatLon(16.5424, 104.7246)  # near the Mukdahan sample
FAR_NORTH = LatLon(69.65, 18.96)  # Tromsø: metres per degree of longitude shrink


def lonlat_ring(xy: list[tuple[float, float]], origin: LatLon = ORIGIN) -> list[list[float]]:
    """Metres east/north of `origin` as a closed GeoJSON ring of [lon, lat]."""
    frame = LocalFrame(origin)
    ring = [[p.lon_deg, p.lat_deg] for p in (frame.enu2geodetic(e, n) for e, n in xy)]
    return [*ring, ring[0]]


def square(side_m: float, x0: float = -50.0, y0: float = -50.0) -> list[tuple[float, float]]:
    return [(x0, y0), (x0 + side_m, y0), (x0 + side_m, y0 + side_m), (x0, y0 + side_m)]


CONCAVE_L = [
    (-50.0, -50.0),
    (350.0, -50.0),
    (350.0, 100.0),
    (100.0, 100.0),
    (100.0, 350.0),
    (-50.0, 350.0),
]
BOWTIE = [(-50.0, -50.0), (200.0, 200.0), (200.0, -50.0), (-50.0, 200.0)]


def polygon_feature(
    xy: list[tuple[float, float]],
    role: str = "zone",
    name: str = "Zone A",
    holes: list[list[tuple[float, float]]] | None = None,
    origin: LatLon = ORIGIN,
) -> dict[str, Any]:
    rings = [lonlat_ring(xy, origin)] + [lonlat_ring(h, origin) for h in holes or []]
    return {
        "type": "Feature",
        "properties": {"role": role, "name": name},
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def point_feature(
    east_m: float, north_m: float, role: str, name: str = "p", origin: LatLon = ORIGIN, **props: Any
) -> dict[str, Any]:
    p = LocalFrame(origin).enu2geodetic(east_m, north_m)
    return {
        "type": "Feature",
        "properties": {"role": role, "name": name, **props},
        "geometry": {"type": "Point", "coordinates": [p.lon_deg, p.lat_deg]},
    }


def home_feature(origin: LatLon = ORIGIN) -> dict[str, Any]:
    return point_feature(0.0, 0.0, "home", "station", origin)


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def write_area(tmp: Path, doc: dict[str, Any], name: str = "area.geojson") -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc))
    return path


def write_spec(tmp: Path, area: Path, extra: str = "", patrol: str = "") -> Path:
    path = tmp / "patrol.toml"
    path.write_text(
        f'[patrol]\narea = "{area.name}"\nalt_rel_m = 40.0\nmargin_m = 10.0\n{patrol}\n{extra}\n'
    )
    return path
