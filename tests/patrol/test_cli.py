"""`patrol plan` through its runner: outputs, figures, and one-line errors with exit code 2."""

import json
import os
import shutil
import stat
import xml.etree.ElementTree as ET

import pytest
from asyncclick.testing import CliRunner

from patrol.cli import cli, main
from tests.geometries import (
    collection,
    home_feature,
    polygon_feature,
    real_like_outline,
    write_area,
    write_spec,
)
from tests.sim.client import free_port_block

pytestmark = pytest.mark.anyio


async def _run(args):
    result = await CliRunner().invoke(cli, args, catch_exceptions=True)
    return result


async def test_plan_writes_every_output(tmp_path, examples):
    out = tmp_path / "out"
    result = await _run(
        [
            "plan",
            str(examples / "patrol.toml"),
            "-o",
            str(out / "m.plan"),
            "--geojson",
            str(out / "m.geojson"),
            "--svg",
            str(out / "m.svg"),
        ]
    )
    assert result.exit_code == 0, result.output
    plans = sorted(out.glob("m-*.plan"))
    assert len(plans) >= 2  # the sample needs several sorties
    assert json.loads(plans[0].read_text())["fileType"] == "Plan"
    geo = json.loads((out / "m.geojson").read_text())
    roles = {f["properties"]["role"] for f in geo["features"]}
    assert {"inclusion", "exclusion", "home", "route", "waypoint"} <= roles
    svg = ET.fromstring((out / "m.svg").read_text())
    assert svg.tag.endswith("svg")
    assert "min clearance" in result.output
    assert "coverage" in result.output
    assert "wrote" in result.output


async def test_plan_json_has_the_figures(examples):
    result = await _run(["plan", str(examples / "hotspots.toml"), "--json"])
    assert result.exit_code == 0
    figures = json.loads(result.output)
    for key in (
        "waypoints",
        "length_m",
        "duration_s",
        "battery_pct",
        "sorties",
        "coverage_pct",
        "min_clearance_m",
    ):
        assert key in figures
    assert figures["sorties"] == 1
    assert figures["min_clearance_m"] >= 10.0


async def test_an_outline_of_over_a_thousand_vertices_plans_with_a_warning(tmp_path):
    """A park outline of 1,200 vertices: the fence is simplified to fit both autopilots (the spec
    names none), the pilot is told what it cost, and the plan keeps the margin."""
    outline = real_like_outline(11, 1_200, radius_m=350.0)
    area = write_area(tmp_path, collection(polygon_feature(outline), home_feature()))
    spec = write_spec(tmp_path, area, extra="[vehicle]\nbattery_wh = 2000.0\n")
    result = await _run(["plan", str(spec)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert (
        "warning: fence simplified from 1,200 to 64 items to fit PX4's 64 and ArduPilot's 70 "
        "(560 bytes) (no [patrol] autopilot is named, so both); the patrolled area shrinks by"
    ) in text
    assert "64 items, simplified from 1,200" in text
    figures = json.loads((await _run(["plan", str(spec), "--json"])).output)
    assert (figures["fence_items_drawn"], figures["fence_items"]) == (1_200, 64)
    assert min(figures["min_clearance_local_m"], figures["min_clearance_latlon_m"]) >= 10.0
    (warning,) = [w for w in figures["warnings"] if w.startswith("fence simplified")]
    lost_pct = float(warning.rsplit("by ", 1)[1].split(" %")[0])
    assert 0 < lost_pct < 5


async def test_plan_checks_a_plan_file(tmp_path, examples):
    out = tmp_path / "h.plan"
    assert (await _run(["plan", str(examples / "hotspots.toml"), "-o", str(out)])).exit_code == 0
    result = await _run(["plan", str(out), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["min_clearance_m"] >= 10.0


def _main(monkeypatch, capsys, args):
    monkeypatch.setattr("sys.argv", ["patrol", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: s.replace("alt_rel_m = 40.0", "alt_m = 40.0"),
            "[patrol] alt_m: unknown key; did you mean 'alt_rel_m'?",
        ),
        (
            lambda s: s.replace("alt_rel_m = 40.0", "alt_rel_m = 120.0"),
            "[patrol] alt_rel_m: 120 m is above the fence ceiling of 90 m",
        ),
        (lambda s: s.replace('"Si Sumang (part)"', '"Si Sumang"'), "has no zone named 'Si Sumang'"),
        (
            lambda s: s.replace("margin_m = 10.0", "margin_m = 400.0"),
            "narrower than twice the margin",
        ),
    ],
)
def test_bad_spec_gives_one_line_exit_2_and_writes_nothing(
    tmp_path, examples, monkeypatch, capsys, edit, expected
):
    shutil.copy(examples / "area.geojson", tmp_path / "area.geojson")
    spec = tmp_path / "patrol.toml"
    spec.write_text(edit((examples / "patrol.toml").read_text()))
    out = tmp_path / "out"
    code, stdout, stderr = _main(
        monkeypatch,
        capsys,
        ["plan", str(spec), "-o", str(out / "m.plan"), "--svg", str(out / "m.svg")],
    )
    assert code == 2
    assert stderr.count("\n") == 1
    assert expected in stderr
    assert stderr.startswith("patrol: error: ")
    assert "Traceback" not in stderr + stdout
    assert not out.exists()


def test_bad_area_file_names_the_feature(tmp_path, examples, monkeypatch, capsys):
    doc = json.loads((examples / "area.geojson").read_text())
    ring = doc["features"][1]["geometry"]["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]  # cross two edges
    (tmp_path / "area.geojson").write_text(json.dumps(doc))
    shutil.copy(examples / "patrol.toml", tmp_path / "patrol.toml")
    code, _out, err = _main(monkeypatch, capsys, ["plan", str(tmp_path / "patrol.toml")])
    assert code == 2
    assert "feature 2 (Si Sumang (part)): polygon is self-intersecting: its edges cross" in err


def test_missing_file(monkeypatch, capsys, tmp_path):
    code, _out, err = _main(monkeypatch, capsys, ["plan", str(tmp_path / "none.toml")])
    assert code == 2
    assert err.strip() == f"patrol: error: {tmp_path / 'none.toml'}: file not found"


def test_geojson_option_refused_for_a_plan(monkeypatch, capsys, tmp_path):
    path = tmp_path / "x.plan"
    path.write_text("{}")
    code, _out, err = _main(monkeypatch, capsys, ["plan", str(path), "--svg", "x.svg"])
    assert code == 2
    assert "--geojson and --svg need a patrol spec" in err


async def test_one_of_a_kind_is_said_in_the_singular(tmp_path, examples):
    plan, svg = tmp_path / "h.plan", tmp_path / "h.svg"
    written = await _run(
        ["plan", str(examples / "hotspots.toml"), "-o", str(plan), "--svg", str(svg)]
    )
    assert written.exit_code == 0, written.output
    result = await _run(["plan", str(plan)])
    assert "2 polygons, 1 circle," in result.output  # the helipad
    assert "1 circles" not in result.output
    drawing = svg.read_text()
    assert "1 sortie," in drawing
    assert "(s)" not in drawing


def test_a_sortie_the_patrol_does_not_have_is_one_line_saying_which_it_has(
    monkeypatch, capsys, examples
):
    url = f"udpin://127.0.0.1:{free_port_block(1)}"  # refused before anything opens it
    args = ["fly", str(examples / "hotspots.toml"), "--vehicle", url]
    code, _out, err = _main(monkeypatch, capsys, [*args, "--sortie", "2"])
    assert code == 2
    assert err == (
        "patrol: error: --sortie 2: the patrol has 1 sortie; give --sortie 1, or leave it out\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "SPEC", "--ceiling", "50"],
        ["check", "SPEC", "--vehicle", "udpin://127.0.0.1:9", "--ceiling", "50"],
        ["fly", "--resume", "20260101T000000Z-000000", "--ceiling", "50"],
    ],
)
def test_ceiling_is_for_a_plan(monkeypatch, capsys, examples, args):
    args = [str(examples / "hotspots.toml") if a == "SPEC" else a for a in args]
    code, _out, err = _main(monkeypatch, capsys, args)
    assert code == 2
    assert "--ceiling" in err
    assert "Traceback" not in err


async def test_plan_outputs_get_a_plain_files_mode(examples, tmp_path):
    spec = str(examples / "hotspots.toml")
    old = os.umask(0o022)
    try:
        written = await _run(["plan", spec, "-o", str(tmp_path / "a.plan")])
    finally:
        os.umask(old)
    assert written.exit_code == 0, written.output
    assert stat.S_IMODE((tmp_path / "a.plan").stat().st_mode) == 0o644


def test_a_directory_given_as_the_output_is_refused(monkeypatch, capsys, examples, tmp_path):
    spec = str(examples / "hotspots.toml")
    code, _out, err = _main(monkeypatch, capsys, ["plan", spec, "-o", str(tmp_path)])
    assert code == 2
    assert (
        err
        == f"patrol: error: {tmp_path}: is a directory; give a file name, e.g. {tmp_path / 'x'}\n"
    )


def test_a_file_that_cannot_be_written_is_named(monkeypatch, capsys, examples, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    target = blocker / "a.plan"  # a folder that is a file
    args = ["plan", str(examples / "hotspots.toml"), "-o", str(target)]
    code, _out, err = _main(monkeypatch, capsys, args)
    assert code == 2
    assert err.startswith(f"patrol: error: {blocker}")
    assert err.count("\n") == 1
