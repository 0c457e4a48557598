"""Load an area file by its suffix: GeoJSON, KML or a QGroundControl .plan."""

from __future__ import annotations

from pathlib import Path

from geofence.areas import Area, check_span
from geofence.errors import AreaError
from geofence.geojson import load_geojson
from geofence.kml import load_kml
from geofence.qgcplan import load_plan_area

_LOADERS = {
    ".geojson": load_geojson,
    ".json": load_geojson,
    ".kml": load_kml,
    ".plan": load_plan_area,
}


def load_area(path: Path) -> Area:
    """The area in `path`, checked; raises `AreaError` with one line naming what is wrong."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(_LOADERS))
        raise AreaError(
            f"unknown area file type {path.suffix!r}; use one of: {known}", path=str(path)
        )
    if not path.is_file():
        raise AreaError("file not found", path=str(path))
    area = loader(path)
    if not area.zones:
        raise AreaError(
            "has no zone polygon; give at least one polygon the role 'zone'", path=str(path)
        )
    check_span(area)
    return area
