"""A KML drawn in Google Earth holds more than areas: a road as a LineString, a pin without a
role. Those are read past with a one-line note naming each; a KML with no area is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from geofence import AreaError, load_area
from tests.geometries import lonlat_ring, square


def _coords(ring: list[list[float]]) -> str:
    return " ".join(f"{lon},{lat},0" for lon, lat in ring)


ZONE = (
    "<Placemark><name>Block 1</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
    f"{_coords(lonlat_ring(square(300)))}</coordinates></LinearRing></outerBoundaryIs>"
    "</Polygon></Placemark>"
)
HOME = lonlat_ring([(0.0, 0.0)])[0]
STATION = (
    '<Placemark><name>Station</name><ExtendedData><Data name="role"><value>home</value></Data>'
    f"</ExtendedData><Point><coordinates>{HOME[0]},{HOME[1]}</coordinates></Point></Placemark>"
)
ROAD = (
    "<Placemark><name>Road</name><LineString><coordinates>"
    f"{_coords(lonlat_ring([(0.0, 0.0), (100.0, 0.0)])[:2])}</coordinates></LineString>"
    "</Placemark>"
)
PIN = (
    "<Placemark><name>Market</name><Point><coordinates>"
    f"{HOME[0]},{HOME[1]}</coordinates></Point></Placemark>"
)


def write_kml(tmp_path: Path, *placemarks: str) -> Path:
    path = tmp_path / "area.kml"
    body = "".join(placemarks)
    path.write_text(
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>'
    )
    return path


def test_lines_and_pins_are_skipped_with_a_note_each(tmp_path: Path) -> None:
    path = write_kml(tmp_path, ZONE, ROAD, STATION, PIN)
    area = load_area(path)
    assert area.zone_names() == ("Block 1",)
    assert area.home is not None
    assert area.notes == (
        f"{path}: Placemark 2 (Road): a LineString, not an area: skipped",
        f"{path}: Placemark 4 (Market): a point with no 'role' (home, hotspot or rally) in "
        "ExtendedData: skipped",
    )


def test_a_kml_of_lines_only_is_refused(tmp_path: Path) -> None:
    path = write_kml(tmp_path, ROAD)
    with pytest.raises(AreaError, match="no Polygon or Point placemark found") as info:
        load_area(path)
    assert "Placemark 1 (Road): a LineString" in str(info.value)


def test_a_kml_without_a_polygon_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AreaError, match="has no zone polygon"):
        load_area(write_kml(tmp_path, ROAD, STATION))
