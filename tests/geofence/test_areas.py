import json

import pytest

from geofence import AreaError, Role, load_area
from tests.geometries import (
    BOWTIE,
    FAR_NORTH,
    collection,
    home_feature,
    point_feature,
    polygon_feature,
    square,
    write_area,
)


def test_sample_area_loads_with_its_roles(examples):
    area = load_area(examples / "area.geojson")
    assert area.zone_names() == (
        "Si Mongkhon Yot Kaeo",
        "Si Sumang (part)",
        "Government centre block (part)",
    )
    assert {e.name for e in area.exclusions} == {
        "Mekong River (Thai-Lao border)",
        "Hospital helipad",
    }
    assert area.home is not None
    assert area.home.alt_amsl_m == 140.0
    assert len(area.hotspots) == 4
    assert [r.name for r in area.rally] == ["Government centre field"]


def test_holes_in_a_zone_become_exclusions(tmp_path):
    doc = collection(polygon_feature(square(300), holes=[square(50, 100, 100)]), home_feature())
    area = load_area(write_area(tmp_path, doc))
    assert len(area.zones) == 1
    assert [e.name for e in area.exclusions] == ["Zone A hole 1"]
    assert area.exclusions[0].role is Role.EXCLUSION


def test_multipolygon_zone_gives_parts_with_one_name(tmp_path):
    a = polygon_feature(square(100))["geometry"]["coordinates"]
    b = polygon_feature(square(100, 200, 0))["geometry"]["coordinates"]
    feature = {
        "type": "Feature",
        "properties": {"name": "Two blocks"},
        "geometry": {"type": "MultiPolygon", "coordinates": [a, b]},
    }
    area = load_area(write_area(tmp_path, collection(feature, home_feature())))
    assert area.zone_names() == ("Two blocks",)
    assert len(area.zones) == 2


def _error(tmp_path, doc, name="area.geojson") -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(AreaError) as info:
        load_area(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_unreadable_json_names_line_and_column(tmp_path):
    message = _error(tmp_path, '{"type": "FeatureCollection", "features": [}')
    assert "not valid JSON at line 1 column" in message


def test_non_wgs84_crs_is_refused(tmp_path):
    doc = collection(polygon_feature(square(100)))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}
    assert "is not WGS84; re-export in EPSG:4326" in _error(tmp_path, doc)


def test_projected_metres_are_refused(tmp_path):
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[500000, 1830000], [500100, 1830000], [500100, 1830100], [500000, 1830000]]
            ],
        },
    }
    assert "is not WGS84 degrees" in _error(tmp_path, collection(feature))


def test_swapped_coordinates_are_named(tmp_path):
    feature = polygon_feature(square(100))
    feature["geometry"]["coordinates"] = [
        [[lat, lon] for lon, lat in ring] for ring in feature["geometry"]["coordinates"]
    ]
    message = _error(tmp_path, collection(feature))
    assert "latitude 104.7" in message
    assert "look swapped" in message
    assert "feature 1 (Zone A)" in message


def test_swapped_point_far_from_the_zone_is_named(tmp_path):
    # Near Tromso both numbers are valid either way round: only the distance gives it away.
    zone = polygon_feature(square(100), origin=FAR_NORTH)
    home = home_feature(FAR_NORTH)
    lon, lat = home["geometry"]["coordinates"]
    home["geometry"]["coordinates"] = [lat, lon]
    message = _error(tmp_path, collection(zone, home))
    assert "home: lies" in message
    assert "km from zone 'Zone A'; are its latitude and longitude swapped?" in message


def test_self_intersecting_polygon_says_where(tmp_path):
    message = _error(tmp_path, collection(polygon_feature(BOWTIE)))
    assert "edges cross each other near 16.54" in message
    assert "reorder its vertices" in message


def test_fewer_than_three_distinct_vertices(tmp_path):
    feature = polygon_feature(square(100))
    ring = feature["geometry"]["coordinates"][0]
    feature["geometry"]["coordinates"] = [[ring[0], ring[1], ring[1], ring[0]]]
    assert "2 distinct vertices; a polygon needs at least 3" in _error(
        tmp_path, collection(feature)
    )


def test_zero_area_polygon(tmp_path):
    feature = polygon_feature([(0.0, 0.0), (100.0, 0.0), (200.0, 0.0)])
    feature["geometry"]["coordinates"] = [
        [[104.0, 16.0], [104.001, 16.0], [104.002, 16.0], [104.0, 16.0]]
    ]
    assert "zero area" in _error(tmp_path, collection(feature))


def test_unknown_role_lists_the_valid_ones(tmp_path):
    doc = collection(polygon_feature(square(100), role="nofly"))
    assert "unknown role 'nofly'; use one of: zone, exclusion" in _error(tmp_path, doc)


def test_point_without_role(tmp_path):
    feature = point_feature(0, 0, "home")
    del feature["properties"]["role"]
    doc = collection(polygon_feature(square(100)), feature)
    assert "missing 'role' property" in _error(tmp_path, doc)


def test_two_homes(tmp_path):
    doc = collection(polygon_feature(square(100)), home_feature(), home_feature())
    assert "a second home point" in _error(tmp_path, doc)


def test_no_zone(tmp_path):
    assert "has no zone polygon" in _error(tmp_path, collection(home_feature()))


def test_unknown_suffix(tmp_path):
    assert "unknown area file type '.shp'" in _error(tmp_path, "x", name="area.shp")


def test_missing_file(tmp_path):
    with pytest.raises(AreaError, match="file not found"):
        load_area(tmp_path / "nope.geojson")
