"""Every member of an area file set to null or to a JSON value of the wrong type is one line
naming the file (an `AreaError`), never a Python error: tried systematically over a GeoJSON area
and a .plan area, member by member."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geofence import load_area
from geofence.errors import AreaError
from tests.geometries import collection, home_feature, point_feature, polygon_feature, square
from tests.missions import qgc_fixtures as q

WRONG: tuple[Any, ...] = (None, True, 2, 1.5, "x", [], {}, [None], [[None]], {"a": None})


def _geojson() -> dict[str, Any]:
    doc = collection(
        polygon_feature(square(300), holes=[square(50, 100, 100)]),
        home_feature(),
        point_feature(10, 10, "hotspot", "h"),
        point_feature(20, 20, "rally", "r"),
        point_feature(100, 100, "exclusion", "c", radius_m=5),
    )
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:4326"}}
    return doc


def _plan() -> dict[str, Any]:
    doc = q.plan([q.takeoff(), q.waypoint(50.0, 50.0), q.rtl()], rally=[[*q.at(30, 30), 20.0]])
    keep_out = [list(q.at(10, 10)), list(q.at(20, 10)), list(q.at(20, 20))]
    doc["geoFence"]["polygons"].append({"inclusion": False, "polygon": keep_out, "version": 1})
    doc["geoFence"]["circles"].append(
        {"inclusion": False, "circle": {"center": list(q.at(-50, -50)), "radius": 5.0}}
    )
    return doc


def _members(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(doc, dict | list):
        children = doc.items() if isinstance(doc, dict) else enumerate(doc)
        for key, value in children:
            yield from _members(value, (*path, key))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _refusal(path: Path) -> str | None:
    """The one line an area file is refused with, None when it loads; anything else escapes."""
    try:
        load_area(path)
    except AreaError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(("name", "make"), [("area.geojson", _geojson), ("area.plan", _plan)])
def test_every_member_null_or_mistyped_is_one_line(tmp_path: Path, name: str, make: Any) -> None:
    doc = make()
    path = tmp_path / name
    tried = 0
    for member in _members(doc):
        for value in WRONG:
            path.write_text(json.dumps(_set(doc, member, value)))
            message = _refusal(path)
            assert message is None or ("\n" not in message and str(path) in message)
            tried += 1
    assert tried > 300


@pytest.mark.parametrize(
    ("crs", "said"),
    [
        ({"properties": None}, "got 'properties' null"),
        ({"type": "name"}, "got 'properties' null"),
        ("EPSG:4326", 'got the string "EPSG:4326"'),
        ({"properties": {"name": None}}, "got 'name' null"),
        ({"properties": {"name": ["EPSG:4326"]}}, "got 'name' a list"),
    ],
)
def test_a_crs_of_the_wrong_shape_is_named(tmp_path: Path, crs: Any, said: str) -> None:
    doc = _geojson()
    doc["crs"] = crs
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError, match="'crs' must be a named coordinate reference system") as e:
        load_area(path)
    assert said in str(e.value)
    assert "remove 'crs'" in str(e.value)


def test_a_null_crs_is_no_crs(tmp_path: Path) -> None:
    doc = _geojson()
    doc["crs"] = None
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc))
    assert load_area(path).zone_names() == ("Zone A",)


def test_a_name_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    doc = _geojson()
    doc["features"][0]["properties"]["name"] = 7
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(AreaError, match="feature 1: 'name' must be a string, got 7"):
        load_area(path)
