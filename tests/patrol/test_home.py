"""patrol writes nothing of its own accord under HOME or the cache, and does not load
onnxruntime, whose official builds write a device id and a usage record under
~/.cache/Microsoft/DeveloperTools/ for upload, unless an ONNX detector is used (and then with
its telemetry off). Real `patrol` processes with an empty HOME, cache and working directory."""

import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.conftest import EXAMPLES
from tests.sim.client import make_ports
from tests.vision.models import build

#: Variables that would switch onnxruntime's telemetry off by themselves (its opt-outs, and the
#: CI markers it stays quiet under): dropped, so the test shows what patrol itself does.
QUIETING = ("ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED", "ORT_RUNNING_UNIT_TESTS", "CI")


@pytest.fixture
def empty(tmp_path):
    """An empty HOME, cache and working directory, and the environment pointing at them."""
    dirs = {name: tmp_path / name for name in ("home", "cache", "cwd")}
    for path in dirs.values():
        path.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in QUIETING and not k.startswith("XDG_")}
    env |= {"HOME": str(dirs["home"]), "XDG_CACHE_HOME": str(dirs["cache"])}
    return dirs, env


def _patrol(empty, *args):
    dirs, env = empty
    return subprocess.run(
        [sys.executable, "-m", "patrol", *args],
        cwd=dirs["cwd"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _written(empty):
    dirs, _env = empty
    return sorted(str(p) for path in dirs.values() for p in path.rglob("*"))


@pytest.mark.parametrize(
    "args",
    [("--help",), ("plan", str(EXAMPLES / "patrol.toml")), ("fly", "--help")],
    ids=["help", "plan", "fly-help"],
)
def test_a_plain_command_writes_nothing_under_home(empty, args):
    done = _patrol(empty, *args)
    assert done.returncode == 0, done.stderr
    assert _written(empty) == []


def test_the_command_line_does_not_load_onnxruntime(empty):
    _dirs, env = empty
    code = "import sys, patrol.cli; print('onnxruntime' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_an_onnx_detector_runs_and_leaves_no_developer_tools_record(empty, tmp_path):
    """The ONNX path end to end at start-up (the model loads and runs on the video's first
    frame); no vehicle answers, so it stops there, before anything is armed."""
    rows = np.array([[320, 320, 40, 40, 0.9, 0.1]], np.float32)
    model = build(tmp_path / "model.onnx", rows, size=64, layout="v8")
    model.with_suffix(".names").write_text("person\ncar\n")
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for k in range(5):
        writer.write(np.full((120, 160, 3), 40 + k, np.uint8))
    writer.release()
    silent = f"udpin://127.0.0.1:{make_ports().api_remote_base}"  # nothing sends there
    done = _patrol(
        empty,
        "fly",
        str(EXAMPLES / "hotspots.toml"),
        "--vehicle",
        silent,
        "--timeout",
        "0.5",
        "--video",
        str(video),
        "--detector",
        f"onnx:{model}",
        "--data-dir",
        str(tmp_path / "logs"),
    )
    assert "detector onnx ran" in done.stdout, done.stdout + done.stderr  # the probe ran the model
    assert done.returncode == 3
    assert "no autopilot heard" in done.stderr
    assert _written(empty) == []
