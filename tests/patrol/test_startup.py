"""`patrol fly` refuses at start-up what cannot work, before any vehicle is touched: a video
that gives no frame, a model that does not load, a station token that is not a vehicle's, and
detection options without a video. Against the simulator and a real station."""

import sqlite3

import anyio
import cv2
import numpy as np
import pytest
from asyncclick.testing import CliRunner

from patrol.cli import cli, exit_code_of
from patrol.ending import Exit
from patrol.errors import RefusedError
from sim.scenario import Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports
from tests.station.helpers import STAFF_TOKEN, station

pytestmark = pytest.mark.anyio
SPEC = EXAMPLES / "hotspots.toml"


def _video(path, frames=5):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for k in range(frames):
        writer.write(np.full((120, 160, 3), 40 + k, np.uint8))
    writer.release()
    return path


async def _fly(tmp_path, *options, env=None):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=20.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path / "logs"), *options]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, args, env=env)
        tg.cancel_scope.cancel()
    return result, sim


def _assert_refused_untouched(result, sim, tmp_path, option):
    """Refused with one line naming `option`, exit code 3, and no vehicle connected."""
    error = result.exception
    assert isinstance(error, RefusedError), result.output
    assert exit_code_of(error) is Exit.REFUSED
    assert error.option.startswith(option)
    text = str(error)
    assert text.startswith(option)
    assert text.endswith("nothing was armed")
    assert "\n" not in text
    ap = sim.vehicles[0].ap
    assert not ap.armed
    assert ap.body.on_ground
    (log,) = (tmp_path / "logs").glob("*.sqlite")
    db = sqlite3.connect(log)
    events = [kind for (kind,) in db.execute("SELECT kind FROM events")]
    db.close()
    assert "refused" in events
    assert "connected" not in events  # the checks come before any vehicle is touched
    assert "armed" not in events
    return text


async def test_a_video_file_that_is_not_there_is_refused(tmp_path):
    missing = tmp_path / "missing.mp4"
    result, sim = await _fly(tmp_path, "--video", str(missing))
    text = _assert_refused_untouched(result, sim, tmp_path, "--video")
    assert f"video {missing}: cannot be opened" in text


async def test_a_model_that_is_not_there_is_refused(tmp_path):
    video = _video(tmp_path / "clip.avi")
    model = tmp_path / "none.onnx"
    result, sim = await _fly(tmp_path, "--video", str(video), "--detector", f"onnx:{model}")
    text = _assert_refused_untouched(result, sim, tmp_path, "--detector")
    assert f"{model}: no such model file" in text
    assert "--detector thermal" in text  # how to mend it


async def test_a_model_that_cannot_be_loaded_is_refused(tmp_path):
    video = _video(tmp_path / "clip.avi")
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a model")
    model.with_suffix(".names").write_text("person\n")
    result, sim = await _fly(tmp_path, "--video", str(video), "--detector", f"onnx:{model}")
    text = _assert_refused_untouched(result, sim, tmp_path, "--detector")
    assert "not a model onnxruntime can load" in text


@pytest.mark.parametrize(
    ("token", "said"),
    [(STAFF_TOKEN, "a staff token, which cannot post hits"), ("x" * 24, "does not know")],
)
async def test_a_station_token_that_is_not_a_vehicles_is_refused(tmp_path, token, said):
    token_file = tmp_path / "token.txt"
    token_file.write_text(token)
    async with station(tmp_path / "station") as st:
        result, sim = await _fly(
            tmp_path, "--station", st.url, "--station-token-file", str(token_file)
        )
    text = _assert_refused_untouched(result, sim, tmp_path, "--station-token-file")
    assert said in text


@pytest.mark.parametrize(
    "options",
    [
        ("--detector", "motion"),
        ("--classes", "coco.names"),
        ("--calibration", "camera.yaml"),
    ],
)
async def test_detection_options_without_a_video_are_a_usage_error(options):
    args = ["fly", str(SPEC), "--vehicle", "udpin://127.0.0.1:9", *options]
    result = await CliRunner().invoke(cli, args)
    assert result.exit_code == Exit.BAD_INPUT
    assert f"{options[0]} is for detection, which needs --video" in result.output


async def test_an_unknown_detector_without_a_video_is_named_first():
    args = ["fly", str(SPEC), "--vehicle", "udpin://127.0.0.1:9", "--detector", "yolo"]
    result = await CliRunner().invoke(cli, args)
    assert exit_code_of(result.exception) is Exit.BAD_INPUT
    assert "use thermal, motion or onnx:PATH" in str(result.exception)
