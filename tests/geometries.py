"""Canonical test areas in one place: square, concave, with a hole, self-intersecting, tiny, far
north; each built around a home point, in metres east/north converted to WGS84."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, Polygon
from shapely.ops import unary_union

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


def real_like_outline(
    seed: int, vertices: int, radius_m: float = 400.0, center: tuple[float, float] = (0.0, 0.0)
) -> list[tuple[float, float]]:
    """An outline like a surveyed park, block or province: concave, with bays and headlands at
    several scales and some straight runs, `vertices` vertices (within a few), around `center`
    (which it contains), metres east/north.

    A few overlapping blobs, each a star of random radii summed over octaves of noise, are
    united: the union is no longer star-shaped (bays reach behind headlands). Its outline is
    then resampled to the vertex count with a surveyor's jitter along and across it.
    """
    rng = random.Random(seed)
    blobs = []
    for k in range(rng.randint(1, 4)):
        cx, cy = (
            center
            if k == 0
            else (
                center[0] + rng.uniform(-0.7, 0.7) * radius_m,
                center[1] + rng.uniform(-0.7, 0.7) * radius_m,
            )
        )
        n = 400
        phases = [rng.uniform(0, 2 * math.pi) for _ in range(6)]
        size = radius_m * (1.0 if k == 0 else rng.uniform(0.3, 0.7))
        ring = []
        for j in range(n):
            a = 2 * math.pi * j / n
            wobble = sum(
                0.5**octave * math.sin((2**octave + 1) * a + phases[octave]) for octave in range(6)
            )
            r = size * max(0.35, 1.0 + 0.35 * wobble)
            ring.append((cx + r * math.cos(a), cy + r * math.sin(a)))
        blobs.append(Polygon(ring).buffer(0))
    union = unary_union(blobs)
    shape = max(getattr(union, "geoms", [union]), key=lambda g: g.area)
    exterior = LineString(shape.exterior.coords)
    step = exterior.length / vertices
    # jitter each sample along the outline, and off it a little, as a hand survey does
    out = []
    for j in range(vertices):
        p = exterior.interpolate((j + rng.uniform(-0.3, 0.3)) * step)
        out.append((p.x + rng.gauss(0, step * 0.05), p.y + rng.gauss(0, step * 0.05)))
    polygon = Polygon(out)
    if not polygon.is_valid:  # jitter crossed two close edges: take the samples as they lie
        out = [exterior.interpolate(j * step).coords[0] for j in range(vertices)]
    assert Polygon(out).is_valid
    return out
