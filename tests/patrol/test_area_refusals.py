"""`python -m patrol plan SPEC` over area files a pilot draws: each refusal is one line on
stderr naming the file and what to mend, exit code 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.geometries import collection, home_feature, polygon_feature, square, write_spec
from tests.missions import qgc_fixtures as q


def patrol_plan(spec: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "patrol", "plan", str(spec)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refusal(tmp_path: Path, doc: dict[str, Any] | str, name: str = "area.geojson") -> str:
    """The one line `patrol plan` gives for a spec over this area file."""
    area = tmp_path / name
    area.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    done = patrol_plan(write_spec(tmp_path, area))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(area.resolve()) in lines[0] or area.name in lines[0]
    return lines[0]


def test_crs_with_null_properties(tmp_path: Path) -> None:
    doc = collection(polygon_feature(square(300)), home_feature())
    doc["crs"] = {"properties": None}
    assert "'crs' must be a named coordinate reference system" in refusal(tmp_path, doc)


def test_plan_area_with_null_polygons(tmp_path: Path) -> None:
    doc = q.plan([q.takeoff(), q.rtl()])
    doc["geoFence"]["polygons"] = None
    line = refusal(tmp_path, doc, "area.plan")
    assert "geoFence: 'polygons' must be a list, got null" in line


def _drawn(ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": "Drawn"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_bow_tie(tmp_path: Path) -> None:
    ring = [[104.0, 16.0], [104.01, 16.01], [104.01, 16.0], [104.0, 16.01], [104.0, 16.0]]
    line = refusal(tmp_path, collection(_drawn(ring), home_feature()))
    assert "feature 1 (Drawn): polygon is self-intersecting: its edges cross each other" in line


def test_ring_round_the_pole(tmp_path: Path) -> None:
    ring = [[0.0, 85.0], [120.0, 85.0], [-120.0, 85.0], [0.0, 85.0]]
    assert "goes round the north pole" in refusal(tmp_path, collection(_drawn(ring)))


def test_zone_across_the_antimeridian(tmp_path: Path) -> None:
    ring = [[179.99, -16.8], [-179.99, -16.8], [-179.99, -16.79], [179.99, -16.79], [179.99, -16.8]]
    line = refusal(tmp_path, collection(_drawn(ring)))
    assert "crosses the 180° meridian (antimeridian)" in line
    assert "patrol does not plan across it" in line


def test_hole_outside_its_shell(tmp_path: Path) -> None:
    zone = polygon_feature(square(300), holes=[square(30, 400, 400)])
    line = refusal(tmp_path, collection(zone, home_feature()))
    assert "feature 1 (Zone A) hole 1: lies wholly outside its polygon" in line


def test_kml_lines_are_noted_and_the_plan_goes_on(tmp_path: Path) -> None:
    from tests.geofence.test_kml_skips import ROAD, STATION, ZONE, write_kml

    spec = write_spec(tmp_path, write_kml(tmp_path, ZONE, ROAD, STATION))
    done = patrol_plan(spec)
    assert done.returncode == 0, done.stderr
    assert "Placemark 2 (Road): a LineString, not an area: skipped" in done.stdout


def test_kml_of_lines_only(tmp_path: Path) -> None:
    from tests.geofence.test_kml_skips import ROAD

    kml = f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{ROAD}</Document></kml>'
    assert "no Polygon or Point placemark found" in refusal(tmp_path, kml, "area.kml")
