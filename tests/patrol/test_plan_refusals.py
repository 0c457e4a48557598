"""`python -m patrol plan X.plan` as a pilot runs it: every refusal of a .plan is one line on
stderr naming the file and what to mend, exit code 2, and no traceback."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.missions import qgc_fixtures as q

OUT_M = q.HALF_M + 190.0
T, R = q.takeoff, q.rtl


def _patrol(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "patrol", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _with(items: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return q.plan(items, **kw)


def _edit(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    doc = copy.deepcopy(q.plan([T(), q.waypoint(50.0, 50.0), R()]))
    change(doc)
    return doc


def _null_island(raw: dict[str, Any]) -> dict[str, Any]:
    raw["params"][4:6] = [0.0, 0.0]
    return raw


KEEP_OUT = {"circle": {"center": list(q.at(0.0, 0.0)), "radius": 30.0}, "version": 1}

CASES: list[tuple[str, dict[str, Any] | str, str]] = [
    (
        "amsl-underground",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=0, mode=2), R()]),
        "mission item 2: MAV_CMD 16 (NAV_WAYPOINT) in frame 0 (GLOBAL) at 40 m above mean sea "
        "level is 100 m below home",
    ),
    (
        "calculated-above-terrain",
        _with([T(), q.waypoint(50.0, 50.0, None, frame=0, mode=3, altitude=40.0), R()]),
        "in frame 0 (GLOBAL) flies a height above the terrain (QGroundControl's altitude mode "
        '"Calculated above terrain")',
    ),
    (
        "terrain-frame",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=10, mode=4), R()]),
        "in frame 10 (GLOBAL_TERRAIN_ALT) flies a height above the terrain",
    ),
    (
        "terrain-frame-int",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=11, mode=None), R()]),
        "in frame 11 (GLOBAL_TERRAIN_ALT_INT) flies a height above the terrain",
    ),
    (
        "altitudes-disagree",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=3, mode=1, altitude=60.0), R()]),
        "shows Altitude 60 m but uploads params[6] 40 m",
    ),
    (
        "local-frame",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=1, mode=None), R()]),
        "in frame 1 (LOCAL_NED) gives no global position",
    ),
    (
        "roi",
        _with([T(), q.positional(201, 50.0, 0.0, 0.0, mode=None), q.waypoint(9.0, 9.0), R()]),
        "mission item 2: MAV_CMD 201 (DO_SET_ROI) is not a command patrol can check; remove it "
        "in QGroundControl",
    ),
    (
        "jump",
        _with([T(), q.waypoint(9.0, 9.0), q.item(177, 2, [2.0, 3.0, 0, 0, 0, 0, 0]), R()]),
        "mission item 3: MAV_CMD 177 (DO_JUMP) is refused: it repeats part of the mission",
    ),
    (
        "set-home",
        _with([T(), q.positional(179, 50.0, 0.0, 0.0, mode=None), R()]),
        "mission item 2: MAV_CMD 179 (DO_SET_HOME) is refused: it moves home in flight",
    ),
    (
        "waypoint-outside",
        _with([T(), q.waypoint(OUT_M, 0.0), R()]),
        "mission item 2: MAV_CMD 16 (NAV_WAYPOINT) lies outside the fence (190.0 m out)",
    ),
    (
        "loiter-unlimited-outside",
        _with([T(), q.positional(17, OUT_M, 0.0, 40.0), R()]),
        "mission item 2: MAV_CMD 17 (NAV_LOITER_UNLIM) lies outside the fence (190.0 m out)",
    ),
    (
        "loiter-turns-outside",
        _with([T(), q.positional(18, OUT_M, 0.0, 40.0, p1=2.0), R()]),
        "mission item 2: MAV_CMD 18 (NAV_LOITER_TURNS) lies outside the fence (190.0 m out)",
    ),
    (
        "loiter-time-outside",
        _with([T(), q.positional(19, OUT_M, 0.0, 40.0, p1=30.0), R()]),
        "mission item 2: MAV_CMD 19 (NAV_LOITER_TIME) lies outside the fence (190.0 m out)",
    ),
    (
        "loiter-to-alt-outside",
        _with([T(), q.positional(31, OUT_M, 0.0, 40.0), R()]),
        "mission item 2: MAV_CMD 31 (NAV_LOITER_TO_ALT) lies outside the fence (190.0 m out)",
    ),
    (
        "loiter-circle",
        _with([T(), q.positional(18, q.HALF_M - 30.0, 0.0, 40.0, p1=2.0, p3=40.0), R()]),
        "mission item 2: MAV_CMD 18 (NAV_LOITER_TURNS) circles 40 m around its point (its "
        "radius param3), reaching 10.0 m beyond the fence",
    ),
    (
        "loiter-default-radius",
        _with([T(), q.positional(18, q.HALF_M - 4.0, 0.0, 40.0, p1=2.0), R()], firmware=3),
        "circles 10 m around its point (ArduCopter's default CIRCLE_RADIUS, as the radius is 0)",
    ),
    (
        "spline-outside",
        _with([T(), q.positional(82, OUT_M, 0.0, 40.0), R()]),
        "mission item 2: MAV_CMD 82 (NAV_SPLINE_WAYPOINT) lies outside the fence (190.0 m out)",
    ),
    (
        "spline-bow",
        _with(
            [T(), q.waypoint(-150.0, 190.0), q.positional(82, 150.0, 190.0, 40.0), R()],
        ),
        "mission item 3: MAV_CMD 82 (NAV_SPLINE_WAYPOINT) may bow up to 177.8 m from the "
        "straight leg",
    ),
    (
        "land-outside",
        _with([T(), q.waypoint(50.0, 0.0), q.positional(21, OUT_M, 0.0, 0.0)]),
        "mission item 3: MAV_CMD 21 (NAV_LAND) lands outside the fence (190.0 m out)",
    ),
    (
        "takeoff-outside",
        _with([q.positional(22, OUT_M, 0.0, 40.0), R()]),
        "mission item 1: MAV_CMD 22 (NAV_TAKEOFF) lies outside the fence (190.0 m out)",
    ),
    (
        "reposition-outside",
        _with([T(), q.positional(192, OUT_M, 0.0, 40.0, mode=None), R()]),
        "mission item 2: MAV_CMD 192 (DO_REPOSITION) lies outside the fence (190.0 m out)",
    ),
    (
        "land-start-outside",
        _with([T(), q.positional(189, OUT_M, 0.0, 0.0, mode=None), q.waypoint(9.0, 9.0), R()]),
        "mission item 2: MAV_CMD 189 (DO_LAND_START) marks a landing sequence 190.0 m outside",
    ),
    (
        "zero-zero-on-px4",
        _with([T(), _null_island(q.waypoint(50.0, 50.0)), R()]),
        "(latitude and longitude 0, 0: PX4 flies to that point",
    ),
    (
        "inclusion-string",
        _with(
            [T(), q.waypoint(50.0, 50.0), R()],
            circles=[{**KEEP_OUT, "inclusion": "false"}],
        ),
        "geoFence circle 1: 'inclusion' must be true or false (a JSON boolean, without quotes), "
        'got the string "false"',
    ),
    (
        "radius-string",
        _edit(
            lambda d: d["geoFence"]["circles"].append(
                {"circle": {"center": q.square_fence()[0], "radius": "20"}, "inclusion": False}
            )
        ),
        "geoFence circle 1: 'radius' must be a number, got the string \"20\"",
    ),
    (
        "firmware",
        _edit(lambda d: d["mission"].update(firmwareType=0)),
        "mission: firmwareType 0 is neither PX4 (12) nor ArduPilot (3)",
    ),
    (
        "auto-continue-string",
        _edit(lambda d: d["mission"]["items"][1].update(autoContinue="false")),
        "mission item 2: 'autoContinue' must be true or false",
    ),
    ("nan", '{"fileType": "Plan", "version": NaN}', "NaN is not a JSON number; write null"),
    (
        "relative-below-home",
        _with([T(), q.waypoint(50.0, 50.0, -5.0), R()]),
        "mission item 2: MAV_CMD 16 (NAV_WAYPOINT) in frame 3 (GLOBAL_RELATIVE_ALT) at -5 m "
        "relative to home is 5 m below home",
    ),
    (
        "altitude-mode-none",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=3, mode=5), R()]),
        'has altitude mode "None"; set its altitude mode to Relative (to home)',
    ),
    (
        "altitude-mode-unknown",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=3, mode=9), R()]),
        "mission item 2: AltitudeMode 9 is not one of QGroundControl's",
    ),
    (
        "mission-frame",
        _with([T(), q.waypoint(50.0, 50.0, 40.0, frame=2, mode=None), R()]),
        "in frame 2 (MISSION) gives no global position",
    ),
    (
        "null-position",
        _edit(lambda d: d["mission"]["items"][1]["params"].__setitem__(5, None)),
        "mission item 2: MAV_CMD 16 (NAV_WAYPOINT) has no position",
    ),
    (
        "param-string",
        _edit(lambda d: d["mission"]["items"][1]["params"].__setitem__(0, "5")),
        'mission item 2: params[0] must be a number or null, got the string "5"',
    ),
    (
        "spline-over-ceiling",
        _with([T(80.0), q.waypoint(0.0, 50.0, 40.0), q.positional(82, 100.0, 50.0, 80.0), R()]),
        "mission item 3: MAV_CMD 82 (NAV_SPLINE_WAYPOINT) may climb to 91.9 m on its curve",
    ),
    (
        "plan-ceiling-out-of-range",
        _edit(lambda d: d["geoFence"].update(patrolCeilingRelM=5000)),
        "geoFence patrolCeilingRelM: 5000 m is out of range",
    ),
    (
        "breach-return-without-altitude",
        _edit(lambda d: d["geoFence"].update(breachReturn=list(q.at(0.0, 0.0)))),
        "geoFence breachReturn: position",
    ),
    (
        "rally-version",
        _edit(lambda d: d["rallyPoints"].update(version="2")),
        "rallyPoints: 'version' must be a whole number, got the string \"2\"",
    ),
    (
        "rally-in-exclusion",
        _with(
            [T(), q.waypoint(-50.0, 50.0), R()],
            rally=[[*q.at(100.0, 10.0), 0.0]],
            circles=[
                {
                    **KEEP_OUT,
                    "circle": {"center": list(q.at(100.0, 0.0)), "radius": 30.0},
                    "inclusion": False,
                }
            ],
        ),
        "rally point 1 (16.542490, 104.725537) lies inside an exclusion",
    ),
    (
        "rally-outside",
        _with([T(), q.waypoint(50.0, 50.0), R()], rally=[[*q.at(OUT_M, 0.0), 0.0]]),
        "rally point 1 (16.542400, 104.728254) lies 190.0 m outside the fence; move it inside",
    ),
]


@pytest.mark.parametrize(("name", "doc", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_refusal_is_one_line_and_exit_2(tmp_path: Path, name, doc, expected):
    path = tmp_path / f"{name}.plan"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=4))
    done = _patrol("plan", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"patrol: error: {path}: "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_ceiling_under_an_item_is_refused_and_the_default_is_said(tmp_path: Path):
    path = tmp_path / "qgc.plan"
    path.write_text(json.dumps(q.plan([T(60.0), q.waypoint(50.0, 50.0, 60.0), R()])))
    low = _patrol("plan", str(path), "--ceiling", "50")
    assert low.returncode == 2
    assert (
        "mission item 1: MAV_CMD 22 (NAV_TAKEOFF) flies at 60 m, above the fence ceiling of 50 m;"
        " lower it, or raise --ceiling if the airspace allows" in low.stderr
    )
    ok = _patrol("plan", str(path))
    assert ok.returncode == 0, ok.stderr
    assert "patrol's default" in ok.stdout
    assert "90 m above home" in ok.stdout


def test_a_plan_written_with_a_byte_order_mark_is_checked(tmp_path: Path):
    path = tmp_path / "bom.plan"
    text = json.dumps(q.plan([T(), q.waypoint(50.0, 50.0), R()]))
    path.write_text("\ufeff" + text, encoding="utf-8")
    done = _patrol("plan", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert '"waypoints": 2' in done.stdout
