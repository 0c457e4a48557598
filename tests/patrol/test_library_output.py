"""What MAVSDK, OpenCV and FFmpeg say stays off the pilot's screen and goes into the flight log
(its library table); -v shows it. Real `patrol fly` processes, their output piped, against the
simulator on free ports."""

import sqlite3
import sys

import anyio
import pytest

from geofence.frames import GeoPoint
from sim.ports import free_tcp_port
from sim.scenario import Scenario, VehicleSpec
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
SPEC = EXAMPLES / "hotspots.toml"
#: What a library's own line looks like on a screen (MAVSDK's level tags and colours, OpenCV's
#: and FFmpeg's prefixes, the link warnings), none of which patrol says itself.
LIBRARY_MARKS = ("[Info", "[Debug", "[Warn", "mavsdk_server", "\x1b[", "Heartbeats", "[ WARN:")


async def _patrol(*args, sim=None):
    command = [sys.executable, "-m", "patrol", *args]
    if sim is None:
        return await anyio.run_process(command, check=False)
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        done = await anyio.run_process(command, check=False)
        tg.cancel_scope.cancel()
    return done


def _library(data_dir):
    (path,) = data_dir.glob("*.sqlite")
    db = sqlite3.connect(path)
    rows = db.execute("SELECT source, level, text FROM library ORDER BY t_s").fetchall()
    db.close()
    return rows, path


async def test_a_flight_prints_no_library_line_and_logs_them_all(tmp_path):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=20.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    done = await _patrol("fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path), sim=sim)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, out + err
    assert err == ""
    for mark in LIBRARY_MARKS:
        assert mark not in out, mark
    assert "mavsdk" not in out.lower()
    rows, log = _library(tmp_path)
    assert rows[0][:2] == ("mavsdk", "info")
    assert rows[0][2].startswith("MAVSDK version: ")
    assert any(text.startswith("New system on") for _s, _l, text in rows)
    # a pipe is not a terminal: no line is wrapped at 80 columns, so the log's path is whole
    assert f"log {log}" in out
    assert any(len(line) > 100 for line in out.splitlines())
    assert out.splitlines()[0].endswith("the flight logs keep UTC")  # the zone, said once


async def test_verbose_shows_what_mavsdk_says(tmp_path):
    ports = make_ports()
    far = GeoPoint(16.5524, 104.7246, 140.0)  # 1.1 km north of the planned home: refused
    sim = Simulation(Scenario(speedup=20.0, vehicles=(VehicleSpec(home=far),)), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ("fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path), "-v")
    done = await _patrol(*args, sim=sim)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 3, out + err  # refused in preflight, after connecting
    assert "] mavsdk info: MAVSDK version: " in out
    assert "] mavsdk info: New system on" in out
    assert "\x1b[" not in out + err
    assert err.count("\n") == 1  # the error's one line: MAVSDK writes nothing to stderr
    rows, _log = _library(tmp_path)
    assert rows[0][:2] == ("mavsdk", "info")


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
async def test_ffmpegs_complaint_about_a_stream_goes_to_the_log(tmp_path, verbose):
    """A stream nobody serves: refused at start-up in one line; FFmpeg's own words (a refused
    TCP connection) are in the log, and on screen only with -v."""
    video = f"http://127.0.0.1:{free_tcp_port()}/video.mjpg"
    silent = f"udpin://127.0.0.1:{make_ports().api_remote_base}"
    args = ["fly", str(SPEC), "--vehicle", silent, "--video", video, "--data-dir", str(tmp_path)]
    done = await _patrol(*args, *(["-v"] if verbose else []))
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 3, out + err
    assert err.startswith("patrol: error: --video: ")
    assert err.count("\n") == 1
    assert ("ffmpeg error: tcp: Connection to" in out) is verbose
    assert "[tcp @" not in out + err
    rows, _log = _library(tmp_path)
    assert any(source == "ffmpeg" and "Connection to" in text for source, _l, text in rows)
