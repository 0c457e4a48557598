"""Each ring a pilot draws is refused with its true reason: a symmetric bow-tie is
self-intersecting (not "zero area"), a ring round a pole encloses the pole, a zone across the
180° meridian crosses it (not "swapped?"), and a hole must lie inside its shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geofence import AreaError, load_area
from tests.geometries import collection, home_feature, polygon_feature, square


def _feature(ring: list[list[float]], holes: list[list[list[float]]] | None = None) -> Any:
    return {
        "type": "Feature",
        "properties": {"name": "Drawn"},
        "geometry": {"type": "Polygon", "coordinates": [ring, *(holes or [])]},
    }


def _error(tmp_path: Path, *features: Any) -> str:
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(collection(*features)))
    with pytest.raises(AreaError) as info:
        load_area(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_a_symmetric_bow_tie_is_self_intersecting_not_zero_area(tmp_path: Path) -> None:
    ring = [[104.0, 16.0], [104.01, 16.01], [104.01, 16.0], [104.0, 16.01], [104.0, 16.0]]
    message = _error(tmp_path, _feature(ring))
    assert "self-intersecting: its edges cross each other near 16.005000, 104.005000" in message
    assert "zero area" not in message


def test_vertices_on_one_line_are_zero_area(tmp_path: Path) -> None:
    ring = [[104.0, 16.0], [104.002, 16.0], [104.001, 16.0], [104.003, 16.0], [104.0, 16.0]]
    assert "zero area (its vertices lie on one line)" in _error(tmp_path, _feature(ring))


@pytest.mark.parametrize(
    ("ring", "pole"),
    [
        ([[0.0, 85.0], [120.0, 85.0], [-120.0, 85.0], [0.0, 85.0]], "north"),
        ([[-180.0, -80.0], [-90.0, -80.0], [0.0, -80.0], [90.0, -80.0], [180.0, -80.0]], "south"),
        ([[10.0, 80.0], [100.0, 81.0], [-170.0, 82.0], [-80.0, 81.0], [10.0, 80.0]], "north"),
    ],
)
def test_a_ring_round_a_pole_says_so(tmp_path: Path, ring: list[list[float]], pole: str) -> None:
    message = _error(tmp_path, _feature(ring))
    assert f"the ring goes round the {pole} pole" in message
    assert "zero area" not in message


def test_a_zone_across_the_antimeridian_says_so(tmp_path: Path) -> None:
    # Taveuni, Fiji: the 180th meridian runs across the island
    ring = [[179.99, -16.8], [-179.99, -16.8], [-179.99, -16.79], [179.99, -16.79], [179.99, -16.8]]
    message = _error(tmp_path, _feature(ring))
    assert "crosses the 180° meridian (antimeridian) between vertex 1" in message
    assert "patrol does not plan across it" in message
    assert "swapped" not in message


def test_a_hole_outside_its_shell_is_refused_by_feature_and_ring(tmp_path: Path) -> None:
    zone = polygon_feature(square(100), holes=[square(20, 20, 20), square(30, 300, 300)])
    message = _error(tmp_path, zone, home_feature())
    assert "feature 1 (Zone A) hole 2: lies wholly outside its polygon" in message
    assert "a hole must lie inside the outline it cuts" in message


def test_a_hole_across_its_shell_edge_says_where(tmp_path: Path) -> None:
    zone = polygon_feature(square(100), holes=[square(40, 30, 0)])
    message = _error(tmp_path, zone, home_feature())
    assert "feature 1 (Zone A) hole 1: reaches outside its polygon near 16.54" in message


def test_a_hole_inside_its_shell_is_an_exclusion(tmp_path: Path) -> None:
    path = tmp_path / "area.geojson"
    zone = polygon_feature(square(100), holes=[square(20, 0, 0)])
    path.write_text(json.dumps(collection(zone, home_feature())))
    assert [e.name for e in load_area(path).exclusions] == ["Zone A hole 1"]
