"""Scenario files and the `patrol sim` command."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shapely import Point

from geofence.loaders import load_area
from missions import load_spec, plan_file
from sim.camera import View
from sim.scenario import FaultKind, ScenarioError, load_scenario
from tests.conftest import EXAMPLES

EXAMPLE_SCENARIO = EXAMPLES.parents[2] / "sim" / "examples" / "mukdahan.toml"

GOOD = """
speedup = 25.0
seed = 7
[wind]
east_mps = 2.0
gust_mps = 1.0
[[vehicles]]
home = [16.5424, 104.7246, 140.0]
gps_sigma_m = 1.5
[[vehicles]]
home = [16.5430, 104.7250, 141.0]
[[faults]]
vehicle = 1
kind = "link_drop"
at_s = 60.0
duration_s = 15.0
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


def test_scenario_loads(tmp_path):
    sc = load_scenario(_write(tmp_path, GOOD))
    assert sc.speedup == 25.0
    assert sc.seed == 7
    assert len(sc.vehicles) == 2
    assert sc.vehicles[0].gps_sigma_m == 1.5
    assert sc.faults[0].kind is FaultKind.LINK_DROP
    assert sc.faults[0].active(70.0)
    assert not sc.faults[0].active(76.0)
    assert len(sc.with_vehicles(4).vehicles) == 4


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("speedup", "speedp"), "speedp: unknown key; did you mean 'speedup'?"),
        (
            lambda s: s.replace('"link_drop"', '"lightning"'),
            "[[faults]] 1 kind: 'lightning' is not one of",
        ),
        (
            lambda s: s.replace("vehicle = 1", "vehicle = 5"),
            "[[faults]] 1 vehicle: 5 is out of range",
        ),
        (
            lambda s: s.replace("[16.5424, 104.7246, 140.0]", "[104.7246, 16.5424, 140.0]"),
            "[[vehicles]] 1 home latitude: 104.725 is out of range",
        ),
        (lambda s: s + "\n[wind]\n", "not valid TOML"),
    ],
)
def test_bad_scenario_names_the_key(tmp_path, edit, message):
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, edit(GOOD)))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_the_example_scenario_is_the_samples_zone():
    """sim/examples/mukdahan.toml, which the README teaches the format from, stays valid: at the
    sample's home, with the spec's thermal camera, targets inside the zone and one across the
    river."""
    scenario = load_scenario(EXAMPLE_SCENARIO)
    assert [v.home for v in scenario.vehicles] == [load_area(EXAMPLES / "area.geojson").home]
    assert scenario.camera.enabled
    assert scenario.camera.view is View.THERMAL
    assert scenario.camera.camera == load_spec(EXAMPLES / "patrol.toml").camera
    plan = plan_file(EXAMPLES / "hotspots.toml")
    inside = {
        t.name: all(
            plan.free.contains(Point(*plan.frame.geodetic2enu(p.lat_deg, p.lon_deg)))
            for p in t.path
        )
        for t in scenario.targets
    }
    assert [name for name, ok in inside.items() if not ok] == ["across the river"]
    assert {FaultKind.GUST} == {f.kind for f in scenario.faults}


def test_a_scenario_has_a_camera_unless_it_says_not(tmp_path):
    assert load_scenario(_write(tmp_path, GOOD)).camera.enabled
    off = load_scenario(_write(tmp_path, GOOD + "[camera]\nenabled = false\n"))
    assert not off.camera.enabled
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, GOOD + '[camera]\nenabled = "yes"\n'))
    assert "[camera] enabled: must be true or false, got 'yes'" in str(info.value)


def _patrol() -> list[str]:
    return [sys.executable, "-m", "patrol"]


def test_bad_scenario_exits_2_with_one_line(tmp_path):
    path = _write(tmp_path, GOOD.replace("speedup", "speedp"))
    done = subprocess.run(
        [*_patrol(), "sim", "--scenario", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("patrol: error: ")
    assert done.stderr.count("\n") == 1


def test_patrol_sim_prints_where_to_connect_and_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen(
        [*_patrol(), "sim", "--speedup", "5", "--vehicles", "2", "--free-ports"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 30
        lines: list[str] = []
        assert proc.stdout is not None
        while time.monotonic() < deadline and not any("Ctrl-C" in ln for ln in lines):
            lines.append(proc.stdout.readline())
        urls = [int(u) for ln in lines for u in re.findall(r"udpin://0\.0\.0\.0:(\d+)", ln)]
        assert len(urls) == 2
        assert urls[1] == urls[0] + 1  # vehicle i on the API port base + i
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped after" in out
