"""`patrol sim`'s ports and camera from the command line: `--base-port`, `--free-ports`,
`--camera`, a port already taken, and `patrol fly --video sim[:PORT]` finding the camera."""

import io
import socket
import subprocess
import urllib.request

import cv2
import numpy as np
import pytest
from rich.console import Console

from patrol.cli import main
from patrol.vision.setup import video_for
from sim.cli import _placed, _print_ports
from sim.ports import DEFAULT_BASE_PORT, free_port_block, is_free, ports_from_base
from sim.scenario import CameraSpec, Scenario
from sim.server import Ports, Simulation
from tests.conftest import EXAMPLES
from tests.sim.running import PATROL, PYTHON_M_SIM, READY, SimProcess, free_base

EXAMPLE_SCENARIO = EXAMPLES.parents[2] / "sim" / "examples" / "mukdahan.toml"

GCS = Ports().gcs_remote  # the ground station port of PX4's numbering


def _frame(port: int) -> np.ndarray:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/frame.jpg", timeout=10) as reply:
        data = reply.read()
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_base_port_moves_every_port_and_camera_colour_is_colour():
    base = free_base()
    moved = ports_from_base(base)
    with SimProcess("--base-port", base, "--camera", "colour") as sim:
        text = _flat(sim.wait_for(READY))
        assert f"API client udpin://0.0.0.0:{moved.api_remote_base}" in text
        assert f"ground station udp port {moved.gcs_remote}" in text
        assert f"vehicle 1 camera (colour): http://127.0.0.1:{base}/video.mjpg" in text
        assert f"--video sim:{base}" in text
        assert not is_free(moved.api_local(0))  # it listens where PX4 SITL would, moved
        assert not is_free(moved.gcs_local(0))
        assert _frame(base).ndim == 3
        code, err = sim.stop()
    assert code == 0, err
    assert moved.api_remote_base - base == Ports().api_remote_base - DEFAULT_BASE_PORT  # spacing
    assert moved.gcs_local(0) - base == 18570 - DEFAULT_BASE_PORT


def test_plain_patrol_sim_has_a_thermal_camera_where_video_sim_looks():
    scenario, ports = _placed(Scenario(camera=CameraSpec(enabled=True)), None, False)
    assert ports == Ports()  # no option: PX4 SITL's numbering
    out = io.StringIO()
    _print_ports(Console(file=out, width=80), Simulation(scenario, ports))  # nothing bound
    text = _flat(out.getvalue())
    assert f"vehicle 1 camera (thermal): {video_for('sim', 0)}" in text
    assert text.endswith("patrol fly … --video sim")


def test_free_ports_gives_each_vehicle_a_thermal_camera_and_says_which():
    with SimProcess("--free-ports", "--vehicles", "2") as sim:
        text = _flat(sim.wait_for(READY))
        (hint,) = [w for w in text.split() if w.startswith("sim:")]
        first = int(hint.removeprefix("sim:"))
        for k in (0, 1):
            url = video_for(hint, k)
            assert f"vehicle {k + 1} camera (thermal): {url}" in text
        assert _frame(first + 1).ndim == 2  # thermal: one channel
        code, err = sim.stop()
    assert code == 0, err


@pytest.mark.parametrize("command", [(*PATROL, "sim"), PYTHON_M_SIM], ids=["patrol", "python-m"])
def test_a_second_simulator_on_the_same_ports_is_one_line_exit_2(command):
    base = free_base()
    with SimProcess("--base-port", base) as first:
        first.wait_for(READY)
        done = subprocess.run(
            [*command, "--base-port", str(base)], capture_output=True, text=True, timeout=60
        )
        assert first.proc.poll() is None  # the first one runs on
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr + done.stdout
    api_port = ports_from_base(base).api_local(0)
    assert f"port {api_port} (UDP, vehicle 1's API client link)" in done.stderr
    assert "--base-port N" in done.stderr
    assert "--free-ports" in done.stderr


def test_anything_on_the_camera_port_is_named_and_nothing_stays_bound():
    base = free_base()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base))
        squatter.listen()
        done = subprocess.run(
            [*PATROL, "sim", "--base-port", str(base)], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert f"port {base} (TCP, vehicle 1's camera video)" in done.stderr
    assert "--base-port N" in done.stderr
    assert is_free(ports_from_base(base).api_local(0))  # its MAVLink sockets were closed


def _main(monkeypatch, capsys, args):
    monkeypatch.setattr("sys.argv", ["patrol", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return info.value.code, captured.err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--base-port", "1023"], "--base-port 1023: out of range; with 1 vehicle"),
        (["--base-port", "55766"], "so use 1024 to 55765"),
        (["--vehicles", "10", "--base-port", "55765"], "with 10 vehicles"),
        (["--vehicles", "11"], f"vehicle 11 would send to the ground station's port {GCS}"),
        (["--base-port", "20000", "--free-ports"], "--base-port and --free-ports both"),
    ],
)
def test_a_base_port_out_of_range_is_one_line_exit_2(monkeypatch, capsys, args, said):
    code, err = _main(monkeypatch, capsys, ["sim", *args])
    assert code == 2
    assert err.startswith("patrol: error: ")
    assert err.count("\n") == 1
    assert said in err


def test_video_sim_with_a_bad_port_is_one_line_exit_2(monkeypatch, capsys):
    spec = str(EXAMPLES / "hotspots.toml")
    args = ["fly", spec, "--vehicle", "udpin://127.0.0.1:9", "--video", "sim:80000"]
    code, err = _main(monkeypatch, capsys, args)
    assert code == 2
    assert err.count("\n") == 1
    assert "--video 'sim:80000': give sim, or sim:PORT" in err


def test_fly_finds_the_camera_of_a_simulator_moved_by_base_port(tmp_path):
    """The example scenario's thermal camera on a moved base, through `--video sim:PORT`, with
    the default detector: the start-up check passes, then no vehicle answers (exit 3)."""
    base = free_base()
    with SimProcess("--base-port", base, "--scenario", EXAMPLE_SCENARIO) as sim:
        sim.wait_for(READY)
        nobody = f"udpin://127.0.0.1:{free_port_block(1)}"
        fly = [*PATROL, "fly", str(EXAMPLES / "hotspots.toml"), "--vehicle", nobody]
        done = subprocess.run(
            [*fly, "--timeout", "1", "--video", f"sim:{base}", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    said = _flat(done.stdout)
    assert f"video http://127.0.0.1:{base}/video.mjpg: 640x512; detector thermal ran" in said
    assert done.returncode == 3, done.stderr  # refused before arming: nobody at that port
    assert "no autopilot heard" in done.stderr
