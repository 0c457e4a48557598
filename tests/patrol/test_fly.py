"""`patrol fly` against the simulator: to a landing, a fly-away caught, Ctrl-C, kill -9."""

import math
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from asyncclick.testing import CliRunner

from geofence.frames import LocalFrame
from missions import plan_file
from patrol.cli import cli, exit_code_of
from patrol.ending import Exit
from patrol.flight import FlightAbortedError
from sim.px4 import FlightMode
from sim.scenario import Fault, FaultKind, Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
SPEC = EXAMPLES / "hotspots.toml"


def _log(data_dir, with_times=False):
    (path,) = list(data_dir.glob("*.sqlite"))
    db = sqlite3.connect(path)
    rows = db.execute("SELECT t_s, lat_deg, lon_deg, alt_rel_m FROM telemetry").fetchall()
    timed = db.execute("SELECT t_s, kind FROM events ORDER BY t_s").fetchall()
    started = dict(db.execute("SELECT key, value FROM meta"))["started_utc"]
    db.close()
    events = [k for _t, k in timed]
    return (rows, timed, started) if with_times else (rows, events)


async def _fly(tmp_path, scenario, during=None):
    ports = make_ports()
    sim = Simulation(scenario, ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path)]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        if during is not None:
            tg.start_soon(during, sim)
        result = await CliRunner().invoke(cli, args)
        tg.cancel_scope.cancel()
    return result, sim


async def test_flies_the_patrol_to_a_landing_and_logs_the_whole_track(tmp_path):
    result, sim = await _fly(tmp_path, Scenario(speedup=20.0))
    assert result.exception is None, result.output
    assert "landed as planned" in result.output
    ap = sim.vehicles[0].ap
    assert not ap.armed
    assert ap.body.on_ground
    rows, events = _log(tmp_path)
    for kind in ("connected", "preflight", "armed", "mission started", "landed"):
        assert kind in events
    (path,) = list(tmp_path.glob("*.sqlite"))
    db = sqlite3.connect(path)
    said = [d for (d,) in db.execute("SELECT detail FROM events WHERE kind = 'supervisor'")]
    db.close()
    assert not any("replaced" in d for d in said), said  # its own return is no takeover
    duration = rows[-1][0] - rows[0][0]
    assert len(rows) / duration >= 5.0  # telemetry at 5 Hz or more
    at_cruise = [r for r in rows if abs(r[3] - 40.0) < 1.5]
    assert len(at_cruise) > len(rows) / 3  # the patrol flies at its 40 m
    assert max(r[3] for r in rows) < 61.0  # the return climbs to RTL_RETURN_ALT, no higher
    frame = LocalFrame(ap.home.latlon)
    plan = plan_file(SPEC)
    spots = [frame.geodetic2enu(h.position.lat_deg, h.position.lon_deg) for h in plan.area.hotspots]
    track = [frame.geodetic2enu(r[1], r[2]) for r in rows]
    for e, n in spots:  # the logged track passes over every hot-spot
        assert min((te - e) ** 2 + (tn - n) ** 2 for te, tn in track) < 3.0**2


async def test_a_fly_away_is_caught_by_the_fence_monitor(tmp_path):
    drift = Fault(0, FaultKind.DRIFT, 15.0, 120.0, 3.0)  # 3 m/s east, unseen by the autopilot
    result, _sim = await _fly(tmp_path, Scenario(speedup=20.0, faults=(drift,)))
    assert isinstance(result.exception, FlightAbortedError), result.output
    assert "fence monitor commanded return" in str(result.exception)
    rows, timed, _started = _log(tmp_path, with_times=True)
    decided_s = next(t for t, kind in timed if kind == "monitor: fence")  # the return
    plan = plan_file(SPEC)
    fence = plan.fence.in_frame(LocalFrame(plan.home.latlon))
    before = [r for r in rows if r[0] <= decided_s]
    worst = min(fence.clearance_m(*fence.frame.geodetic2enu(r[1], r[2])) for r in before)
    assert worst > 10.0 - 3.0 - 3.0  # return commanded within a few metres past the margin


async def _airborne(ap, polls=6000):
    """Until the vehicle is 20 m up (or `polls` hundredths of a second have passed)."""
    for _ in range(polls):
        if ap.body.up_m > 20:
            break
        await anyio.sleep(0.01)


async def _signal_in_flight(sim, signum):
    await _airborne(sim.vehicles[0].ap, polls=3000)
    os.kill(os.getpid(), signum)


async def test_ctrl_c_in_flight_returns_and_watches_to_the_landing(tmp_path):
    async def interrupt(sim):
        await _signal_in_flight(sim, signal.SIGINT)

    result, sim = await _fly(tmp_path, Scenario(speedup=20.0), during=interrupt)
    assert result.exit_code == 130, result.output
    assert "watching to the landing" in result.output
    assert "landed and disarmed" in result.output
    assert "the pilot commanded return" in result.output
    ap = sim.vehicles[0].ap
    assert not ap.armed
    assert ap.body.on_ground
    _rows, events = _log(tmp_path)
    assert events.index("pilot") < events.index("pilot: return") < events.index("landed")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_a_signal_just_after_arming_disarms_on_the_pad(tmp_path, signum):
    """Armed, not yet off the ground (telemetry may not even show the arming yet): the
    vehicle is disarmed there, and the pilot is told so."""

    async def right_after_arming(sim):
        ap = sim.vehicles[0].ap
        for _ in range(6000):
            if ap.armed:
                break
            await anyio.sleep(0.005)
        os.kill(os.getpid(), signum)

    result, sim = await _fly(tmp_path, Scenario(speedup=2.0), during=right_after_arming)
    assert result.exit_code == 130, result.output
    assert "disarmed on the pad" in result.output
    assert "returning to launch" not in result.output
    ap = sim.vehicles[0].ap
    assert not ap.armed
    assert ap.body.on_ground
    _rows, events = _log(tmp_path)
    assert "disarmed" in events
    assert "return" not in events


async def test_sigterm_in_flight_commands_return_and_exits_at_once(tmp_path):
    async def terminate(sim):
        await _signal_in_flight(sim, signal.SIGTERM)

    result, sim = await _fly(tmp_path, Scenario(speedup=20.0), during=terminate)
    assert result.exit_code == 130, result.output
    assert "commanding return to launch" in result.output
    assert sim.vehicles[0].ap.mode is FlightMode.RETURN
    assert sim.vehicles[0].ap.armed, "a service stop does not wait for the landing"
    _rows, events = _log(tmp_path)
    assert "pilot" in events
    assert "return" in events


async def test_a_closed_terminal_sighup_in_flight_commands_return_and_logs_it(tmp_path):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=5.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path)]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        proc = await anyio.open_process(
            [sys.executable, "-m", "patrol", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ap = sim.vehicles[0].ap
        await _airborne(ap)
        proc.send_signal(signal.SIGHUP)
        assert await proc.wait() == 130
        assert ap.mode is FlightMode.RETURN
        tg.cancel_scope.cancel()
    _rows, events = _log(tmp_path)
    assert "return" in events


async def test_ctrl_c_after_the_output_pipe_closed_still_watches_to_the_landing(tmp_path):
    """`patrol fly … | tee`: the same Ctrl-C ends tee first; the controller's writes then fail,
    and must not cut its watch short or change its exit code."""
    ports = make_ports()
    sim = Simulation(Scenario(speedup=10.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path)]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        proc = await anyio.open_process(
            [sys.executable, "-m", "patrol", *args], stderr=subprocess.DEVNULL
        )
        ap = sim.vehicles[0].ap
        await _airborne(ap)
        assert proc.stdout is not None
        await proc.stdout.aclose()  # the reader is gone
        proc.send_signal(signal.SIGINT)
        assert await proc.wait() == 130
        assert not ap.armed
        tg.cancel_scope.cancel()
    _rows, events = _log(tmp_path)
    assert "landed" in events


async def test_kill_9_leaves_a_readable_log_up_to_its_last_second(tmp_path):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=5.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        proc = await anyio.open_process(
            [
                sys.executable,
                "-m",
                "patrol",
                "fly",
                str(SPEC),
                "--vehicle",
                url,
                "--data-dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ap = sim.vehicles[0].ap
        await _airborne(ap)
        await anyio.sleep(2.0)
        proc.kill()  # SIGKILL: no cleanup of any kind
        killed = datetime.now(UTC)
        await proc.wait()
        tg.cancel_scope.cancel()
    rows, timed, started = _log(tmp_path, with_times=True)
    assert "mission started" in [kind for _t, kind in timed]
    last_logged = datetime.fromisoformat(started) + timedelta(seconds=rows[-1][0])
    assert (killed - last_logged).total_seconds() < 1.5  # at most about a second lost
    assert rows[-1][3] > 15.0  # it was logging in the air until the end
    assert ap.armed  # the vehicle flies on: its mission and failsafes need no controller


async def test_a_link_drop_returns_the_vehicle_and_the_controller_records_it(tmp_path):
    # 16 wall seconds without the link (320 sim s at 20x): longer than the 10 s COM_DL_LOSS_T
    # preflight sets, so the autopilot's own failsafe brings the vehicle back
    drop = Fault(0, FaultKind.LINK_DROP, 40.0, 320.0)
    result, sim = await _fly(tmp_path, Scenario(speedup=20.0, faults=(drop,)))
    _rows, events = _log(tmp_path)
    assert "link lost" in events
    assert "link regained" in events
    ap = sim.vehicles[0].ap
    # the autopilot's link-loss failsafe brought it to the nearest safe point, while the link
    # was down (PX4 then holds on the ground)
    to_e, to_n = ap.return_to
    assert math.hypot(ap.body.east_m - to_e, ap.body.north_m - to_n) < 3.0
    assert ap.store.current_seq < len(ap.store.items[0])  # before the mission's end
    assert not ap.armed
    assert isinstance(result.exception, FlightAbortedError)  # not the flight that was planned
    assert exit_code_of(result.exception) is Exit.ENDED_EARLY
    assert "landed before its mission ended" in str(result.exception)


async def test_low_battery_brings_it_home(tmp_path):
    sag = Fault(0, FaultKind.BATTERY_SAG, 60.0, 0.0, 0.55)  # a failing pack mid-patrol
    result, sim = await _fly(tmp_path, Scenario(speedup=20.0, faults=(sag,)))
    assert isinstance(result.exception, FlightAbortedError), result.output
    assert exit_code_of(result.exception) is Exit.ENDED_EARLY  # exit code 4: back early, safely
    assert "energy monitor commanded return" in str(result.exception)
    assert not sim.vehicles[0].ap.armed
    _rows, events = _log(tmp_path)
    assert "monitor: energy" in events
