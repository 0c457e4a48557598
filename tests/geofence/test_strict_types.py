"""JSON types are taken at their word: "false" is a string, not false; "40" is not 40.

A loose reader once turned `"inclusion": "false"` into a patrol zone (Python's bool("false") is
True); each case here is one line naming the file, the feature, what came and what to write."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from geofence import AreaError, load_area
from tests.geofence.test_formats import _plan
from tests.geometries import lonlat_ring, point_feature, polygon_feature, square

RING = [[lat, lon] for lon, lat in lonlat_ring(square(300))[:-1]]


def _good() -> dict[str, Any]:
    return _plan(
        [{"inclusion": True, "polygon": RING, "version": 1}],
        circles=[{"circle": {"center": RING[0], "radius": 20.0}, "inclusion": False, "version": 1}],
        home=[16.5424, 104.7246, 140.0],
        breach=[16.5425, 104.7247, 30.0],
    )


def _circle(doc: dict[str, Any]) -> dict[str, Any]:
    circle: dict[str, Any] = doc["geoFence"]["circles"][0]
    return circle


CASES = [
    (
        lambda d: _circle(d).update(inclusion="false"),
        "geoFence circle 1: 'inclusion' must be true or false (a JSON boolean, without quotes), "
        'got the string "false"',
    ),
    (lambda d: _circle(d).update(inclusion=0), "'inclusion' must be true or false"),
    (lambda d: _circle(d).pop("inclusion"), "geoFence circle 1: has no 'inclusion'; set it to"),
    (
        lambda d: d["geoFence"]["polygons"][0].update(inclusion="true"),
        "geoFence polygon 1: 'inclusion' must be true or false",
    ),
    (
        lambda d: _circle(d)["circle"].update(radius="20"),
        "geoFence circle 1: 'radius' must be a number, got the string \"20\"; write 20 without "
        "quotes",
    ),
    (lambda d: _circle(d)["circle"].update(radius=True), "'radius' must be a number, got true"),
    (lambda d: d["geoFence"].update(version="2"), "'version' must be a whole number"),
    (
        lambda d: d["geoFence"]["polygons"][0]["polygon"].__setitem__(1, [True, 104.7]),
        "geoFence polygon 1: position [True, 104.7] is not [latitude, longitude] in numbers",
    ),
    (
        lambda d: d["geoFence"].update(breachReturn=[16.5425, 104.7247]),
        "geoFence breachReturn: position [16.5425, 104.7247] is not [latitude, longitude, "
        "altitude]",
    ),
    (
        lambda d: d["rallyPoints"]["points"].__setitem__(0, [16.5424, 104.7246]),
        "rally point 1: position [16.5424, 104.7246] is not [latitude, longitude, altitude]",
    ),
    (
        lambda d: d["rallyPoints"]["points"].__setitem__(0, [16.5424, 104.7246, "30"]),
        "rally point 1: position",
    ),
    (lambda d: d["rallyPoints"].update(version=3), "rallyPoints version 3 is not supported"),
    (lambda d: d["geoFence"].update(polygons={}), "'polygons' must be a list, got an object"),
    (
        lambda d: d["mission"].update(plannedHomePosition=[16.5424, 104.7246, "140"]),
        "plannedHomePosition: position",
    ),
    (lambda d: d.update(version=2), "plan file version 2 is not supported"),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_plan_fields_must_have_their_json_type(tmp_path, edit, expected):
    doc = copy.deepcopy(_good())
    edit(doc)
    path = tmp_path / "typed.plan"
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError) as info:
        load_area(path)
    assert expected in str(info.value)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_the_good_plan_loads(tmp_path):
    path = tmp_path / "typed.plan"
    path.write_text(json.dumps(_good()))
    area = load_area(path)
    assert len(area.exclusions) == 1


def test_nan_is_not_json(tmp_path):
    path = tmp_path / "nan.plan"
    path.write_text(json.dumps(_good()).replace("140.0", "NaN"))
    with pytest.raises(AreaError, match="NaN is not a JSON number; write null"):
        load_area(path)


GEOJSON_CASES = [
    ({"radius_m": True}, "feature 2 (pad): 'radius_m' must be a number, got true"),
    ({"radius_m": "30"}, "'radius_m' must be a number, got the string \"30\"; write 30 without"),
    ({"radius_m": -3}, "'radius_m' -3 must be > 0"),
]


@pytest.mark.parametrize(("props", "expected"), GEOJSON_CASES)
def test_geojson_numbers_are_numbers(tmp_path, props, expected):
    doc = {
        "type": "FeatureCollection",
        "features": [
            polygon_feature(square(300)),
            point_feature(100, 100, "exclusion", name="pad", **props),
            point_feature(0, 0, "home", name="home"),
        ],
    }
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError) as info:
        load_area(path)
    assert expected in str(info.value)


def test_geojson_home_altitude_and_properties(tmp_path):
    home = point_feature(0, 0, "home", name="home", alt_amsl_m="140")
    doc = {"type": "FeatureCollection", "features": [polygon_feature(square(300)), home]}
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError, match=r"'alt_amsl_m' .* must be a number, got the string"):
        load_area(path)
    home["properties"] = ["home"]
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError, match="feature 2: 'properties' must be an object, got a list"):
        load_area(path)
