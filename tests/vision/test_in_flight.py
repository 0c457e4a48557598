"""Detection in flight, end to end in the simulator: its camera, a real MJPEG stream through
OpenCV, MAVSDK telemetry, the tracker, the flight log. Scored against the simulator's truth."""

import sqlite3

import anyio
import pytest
from asyncclick.testing import CliRunner

from bench.scoring import layout, mission, score, targets
from missions import plan_text
from patrol.cli import cli
from patrol.errors import RefusedError
from patrol.vision.errors import VisionError
from sim.ports import free_tcp_port
from sim.scenario import CameraSpec, Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio


async def _fly(tmp_path, video="sim", detector="thermal", speedup=5.0):
    plan, stations, truths = layout()
    source = tmp_path / "scoring.plan"
    source.write_text(plan_text(mission(plan, stations)))
    ports, port = make_ports(), free_tcp_port()
    scenario = Scenario(
        speedup=speedup, camera=CameraSpec(enabled=True, port=port), targets=targets(plan, truths)
    )
    sim = Simulation(scenario, ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", str(source), "--vehicle", url, "--data-dir", str(tmp_path / "logs")]
    if video == "sim":
        video = f"http://127.0.0.1:{port}/video.mjpg"
    args += ["--video", video, "--detector", detector]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, args)
        tg.cancel_scope.cancel()
    (log,) = (tmp_path / "logs").glob("*.sqlite")
    return result, plan, truths, log


async def test_hits_are_where_the_targets_are_and_never_outside_the_zone(tmp_path):
    result, plan, truths, log = await _fly(tmp_path)
    assert result.exception is None, result.output
    s = score(plan, truths, log)
    assert s.hits_outside == 0  # nothing across the river or beyond the zone, ever
    assert s.recall >= 0.8
    assert s.precision >= 0.8
    assert s.duplicates <= 0.2
    assert s.median_error_m <= 2.0
    db = sqlite3.connect(log)
    snapshots = [bytes(b) for (b,) in db.execute("SELECT snapshot_jpeg FROM hits")]
    kinds = [k for (k,) in db.execute("SELECT kind FROM events")]
    dropped = db.execute("SELECT detail FROM events WHERE kind = 'vision summary'").fetchone()
    db.close()
    assert all(b[:2] == b"\xff\xd8" for b in snapshots)  # JPEG pictures
    assert "vision" in kinds
    assert "outside the zones" in dropped[0]
    assert "hit: person" in " ".join(result.output.split())


async def test_a_stream_that_cannot_be_opened_is_refused_before_anything_flies(tmp_path):
    result, _plan, _truths, log = await _fly(
        tmp_path, video="http://127.0.0.1:9/nothing.mjpg", speedup=20.0
    )
    assert isinstance(result.exception, RefusedError), result.output
    assert str(result.exception).startswith(
        "--video: video http://127.0.0.1:9/nothing.mjpg: cannot be opened"
    )
    db = sqlite3.connect(log)
    kinds = [k for (k,) in db.execute("SELECT kind FROM events")]
    db.close()
    assert "refused" in kinds
    assert "armed" not in kinds


async def test_an_unknown_detector_is_refused_before_anything_flies(tmp_path):
    result = await CliRunner().invoke(
        cli,
        [
            "fly",
            str(EXAMPLES / "hotspots.toml"),
            "--vehicle",
            "udpin://127.0.0.1:9",
            "--video",
            "sim",
            "--detector",
            "yolo",
        ],
    )
    assert isinstance(result.exception, VisionError)
    assert "use thermal, motion or onnx:PATH" in str(result.exception)
