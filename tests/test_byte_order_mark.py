"""Every file patrol reads takes a UTF-8 byte-order mark: Windows editors (Notepad, Excel's
"UTF-8" CSV/JSON export, some GIS tools) write one at the start of the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from geofence import load_area
from geofence.qgcplan import read_plan_json
from missions import load_plan, load_spec, plan_file, plan_text
from patrol.station.cli import station_link
from patrol.station.tokens import Role, Tokens, add_token
from patrol.vision.errors import VisionError
from patrol.vision.georef import Intrinsics
from patrol.vision.onnx import read_class_names
from sim.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.geofence.test_formats import KML, _kml_coords
from tests.geometries import lonlat_ring, square

BOM = "\ufeff"


def _with_bom(path: Path) -> Path:
    """The file rewritten with a byte-order mark in front (as Notepad saves "UTF-8 with BOM")."""
    path.write_text(BOM + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    return path


def test_geojson_area_and_spec_with_a_bom(tmp_path):
    area = _with_bom(Path(shutil.copy(EXAMPLES / "area.geojson", tmp_path / "area.geojson")))
    spec = _with_bom(Path(shutil.copy(EXAMPLES / "hotspots.toml", tmp_path / "hotspots.toml")))
    assert load_area(area).zone_names()
    assert load_spec(spec).area_path == area.resolve()
    assert plan_file(spec).missions


def test_kml_area_with_a_bom(tmp_path):
    path = tmp_path / "area.kml"
    home = lonlat_ring([(0.0, 0.0)])[0]
    path.write_text(
        KML.format(
            zone=_kml_coords(lonlat_ring(square(300))),
            hole=_kml_coords(lonlat_ring(square(40, 150, 150))),
            home=f"{home[0]},{home[1]}",
            pad=f"{home[0] + 0.0005},{home[1] + 0.0005}",
        )
    )
    assert load_area(_with_bom(path)).zone_names() == ("Block 1",)


def test_plan_with_a_bom_as_mission_and_as_area(tmp_path):
    mission = plan_file(EXAMPLES / "hotspots.toml").missions[0]
    path = tmp_path / "round.plan"
    path.write_text(plan_text(mission))
    _with_bom(path)
    assert load_plan(path).items == mission.items
    assert load_area(path).zones


def test_scenario_tokens_class_names_and_station_token_with_a_bom(tmp_path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text("speedup = 4.0\n[[vehicles]]\nhome = [16.5424, 104.7246, 140.0]\n")
    assert load_scenario(_with_bom(scenario)).speedup == 4.0
    tokens = tmp_path / "tokens.txt"
    token = add_token(tokens, Role.VEHICLE, "drone-1")
    assert Tokens.load(_with_bom(tokens)).holder(token) is not None
    names = tmp_path / "model.names"
    names.write_text("person\ncar\n")
    assert read_class_names(_with_bom(names)) == ("person", "car")
    token_file = tmp_path / "vehicle.token"
    token_file.write_text(token + "\n")
    link = station_link("http://127.0.0.1:8080", _with_bom(token_file), None)
    assert link is not None
    assert link.token == token


def test_calibration_with_a_bom(tmp_path):
    path = tmp_path / "calibration.yaml"
    fs = cv2.FileStorage(str(path), cv2.FILE_STORAGE_WRITE)
    fs.write("camera_matrix", np.array([[800.0, 0, 320], [0, 800.0, 256], [0, 0, 1]]))
    fs.write("distortion_coefficients", np.zeros((1, 5)))
    fs.write("image_width", 640)
    fs.write("image_height", 512)
    fs.release()
    assert Intrinsics.from_file(_with_bom(path)).width_px == 640


def test_a_broken_calibration_file_is_one_line(tmp_path):
    path = tmp_path / "calibration.yaml"
    path.write_text("%YAML:1.0\n---\ncamera_matrix: [1, 2\n")
    with pytest.raises(VisionError, match="not an OpenCV calibration file") as info:
        Intrinsics.from_file(path)
    assert "\n" not in str(info.value)


def test_plan_json_is_still_json(tmp_path):
    """A BOM is taken off only at the very start; the document itself is read as it is."""
    path = tmp_path / "x.plan"
    path.write_text(BOM + json.dumps({"fileType": "Plan", "version": 1}))
    assert read_plan_json(path)["fileType"] == "Plan"
