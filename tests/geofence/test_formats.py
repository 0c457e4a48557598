"""KML and QGC .plan areas load to the same shapes as GeoJSON."""

import json

import pytest

from geofence import AreaError, Role, load_area
from tests.geometries import lonlat_ring, square

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
<Placemark><name>Block 1</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>{zone}</coordinates></LinearRing>
  </outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>{hole}</coordinates></LinearRing>
  </innerBoundaryIs></Polygon></Placemark>
<Placemark><name>Station</name><ExtendedData><Data name="role"><value>home</value></Data>
  </ExtendedData><Point><coordinates>{home}</coordinates></Point></Placemark>
<Placemark><name>Helipad</name><ExtendedData><SchemaData><SimpleData
name="role">exclusion</SimpleData>
  <SimpleData name="radius_m">30</SimpleData></SchemaData></ExtendedData>
  <Point><coordinates>{pad}</coordinates></Point></Placemark>
</Folder></Document></kml>"""


def _kml_coords(ring):
    return " ".join(f"{lon},{lat},0" for lon, lat in ring)


def test_kml_polygons_points_and_extended_data(tmp_path):
    zone = lonlat_ring(square(300))
    hole = lonlat_ring(square(40, 150, 150))
    home = lonlat_ring([(0.0, 0.0)])[0]
    pad = lonlat_ring([(60.0, 60.0)])[0]
    path = tmp_path / "area.kml"
    path.write_text(
        KML.format(
            zone=_kml_coords(zone),
            hole=_kml_coords(hole),
            home=f"{home[0]},{home[1]}",
            pad=f"{pad[0]},{pad[1]}",
        )
    )
    area = load_area(path)
    assert area.zone_names() == ("Block 1",)
    assert area.home is not None
    assert area.home.lat_deg == pytest.approx(home[1])
    names = sorted(e.name for e in area.exclusions)
    assert names == ["Block 1 hole 1", "Helipad"]
    pad_shape = next(e for e in area.exclusions if e.name == "Helipad")
    assert pad_shape.radius_m == 30.0  # type: ignore[union-attr]


def test_kml_not_xml(tmp_path):
    path = tmp_path / "area.kml"
    path.write_text("<kml><Placemark>")
    with pytest.raises(AreaError, match="not valid XML"):
        load_area(path)


def test_kml_swapped_coordinates(tmp_path):
    path = tmp_path / "area.kml"
    ring = " ".join(f"{lat},{lon}" for lon, lat in lonlat_ring(square(100)))
    path.write_text(
        f"<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
    )
    with pytest.raises(AreaError, match="KML coordinates are longitude,latitude"):
        load_area(path)


def _plan(polygons, circles=(), home=None, breach=None):
    fence = {"circles": list(circles), "polygons": polygons, "version": 2}
    if breach:
        fence["breachReturn"] = breach
    return {
        "fileType": "Plan",
        "geoFence": fence,
        "groundStation": "QGroundControl",
        "mission": {"items": [], "plannedHomePosition": home, "version": 2},
        "rallyPoints": {"points": [[16.5424, 104.7246, 30.0]], "version": 2},
        "version": 1,
    }


def test_plan_geofence_as_area(tmp_path):
    ring = [[lat, lon] for lon, lat in lonlat_ring(square(300))[:-1]]
    doc = _plan(
        [
            {"inclusion": True, "polygon": ring, "version": 1},
            {
                "inclusion": False,
                "polygon": [[lat, lon] for lon, lat in lonlat_ring(square(30, 100, 100))[:-1]],
                "version": 1,
            },
        ],
        circles=[{"circle": {"center": ring[0], "radius": 20.0}, "inclusion": False, "version": 1}],
        home=[16.5424, 104.7246, 140.0],
        breach=[16.5425, 104.7247, 30.0],
    )
    path = tmp_path / "fence.plan"
    path.write_text(json.dumps(doc))
    area = load_area(path)
    assert [z.role for z in area.zones] == [Role.ZONE]
    assert len(area.exclusions) == 2
    assert area.home is not None
    assert area.home.alt_amsl_m == 140.0
    assert area.breach_return is not None
    assert area.breach_return.alt_rel_m == 30.0
    assert len(area.rally) == 1


def test_plan_with_old_geofence_version(tmp_path):
    doc = _plan([])
    doc["geoFence"]["version"] = 1
    path = tmp_path / "old.plan"
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError, match="geoFence version 1 is not supported"):
        load_area(path)


def test_not_a_plan(tmp_path):
    path = tmp_path / "x.plan"
    path.write_text(json.dumps({"fileType": "Mission"}))
    with pytest.raises(AreaError, match='fileType must be "Plan"'):
        load_area(path)
