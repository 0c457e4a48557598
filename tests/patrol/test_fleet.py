"""Several vehicles: one sector each, their own altitudes, kept apart."""

import itertools
import math
import re
import sqlite3

import anyio
import pytest
from asyncclick.testing import CliRunner

from geofence.frames import GeoPoint, LocalFrame
from patrol.cli import cli
from patrol.errors import PreflightError
from sim.scenario import DEFAULT_HOME, Scenario, VehicleSpec
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
SPEC = EXAMPLES / "hotspots.toml"
SEPARATION_M = 8.0  # hotspots.toml leaves [patrol] separation_m at its default


async def _fly_fleet(tmp_path, scenario):
    count = len(scenario.vehicles)
    ports = make_ports(count)
    sim = Simulation(scenario, ports)
    args = ["fly", str(SPEC), "--data-dir", str(tmp_path)]
    for k in range(count):
        args += ["--vehicle", f"udpin://127.0.0.1:{ports.api_remote_base + k}"]
    closest = [math.inf]

    async def watch_truth():
        """The true closest approach while both fly, from the simulator's own bodies."""
        frame = LocalFrame(DEFAULT_HOME.latlon)
        while True:
            bodies = []
            for v in sim.vehicles:
                if not v.ap.body.on_ground:
                    here = v.ap.frame.enu2geodetic(v.ap.body.east_m, v.ap.body.north_m)
                    e, n = frame.geodetic2enu(here.lat_deg, here.lon_deg)
                    bodies.append((e, n, v.ap.body.up_m))
            for a, b in itertools.combinations(bodies, 2):
                closest[0] = min(closest[0], math.dist(a, b))
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        tg.start_soon(watch_truth)
        result = await CliRunner().invoke(cli, args)
        tg.cancel_scope.cancel()
    return result, sim, closest[0]


async def test_two_vehicles_fly_their_sectors_apart(tmp_path):
    result, sim, closest_m = await _fly_fleet(tmp_path, Scenario(speedup=20.0).with_vehicles(2))
    assert result.exception is None, result.output
    assert result.output.count("landed as planned") == 2
    assert closest_m >= SEPARATION_M  # the truth, not the controller's own figure
    reported = float(re.search(r"closest approach between vehicles: ([\d.]+) m", result.output)[1])
    assert reported >= SEPARATION_M
    logs = sorted(tmp_path.glob("*.sqlite"))
    assert len(logs) == 2
    cruise = []
    for path in logs:
        db = sqlite3.connect(path)
        meta = dict(db.execute("SELECT key, value FROM meta"))
        alts = [a for (a,) in db.execute("SELECT alt_rel_m FROM telemetry WHERE in_air = 1")]
        db.close()
        assert meta["sectors"] == "2"
        cruise.append((int(meta["sector"]), sorted(alts)[len(alts) // 2]))
    by_sector = dict(cruise)
    assert by_sector[0] == pytest.approx(40.0, abs=1.5)  # the spec's altitude
    assert by_sector[1] == pytest.approx(50.0, abs=1.5)  # alt_step_m higher
    for v in sim.vehicles:
        assert not v.ap.armed
        assert v.ap.body.on_ground
    # each vehicle flew its own share of the hot-spots
    loiters = [{(i.x, i.y) for i in v.ap.store.items[0] if i.command == 19} for v in sim.vehicles]
    assert loiters[0]
    assert loiters[1]
    assert not loiters[0] & loiters[1]


async def test_vehicles_standing_too_close_are_not_armed(tmp_path):
    near = VehicleSpec(GeoPoint(DEFAULT_HOME.lat_deg, DEFAULT_HOME.lon_deg + 3e-5, 140.0))
    scenario = Scenario(speedup=20.0, vehicles=(VehicleSpec(DEFAULT_HOME), near))
    result, sim, _closest = await _fly_fleet(tmp_path, scenario)
    assert isinstance(result.exception, PreflightError)
    assert "stand 3.2 m apart" in str(result.exception)
    assert "separation_m" in str(result.exception)
    assert not any(v.ap.armed for v in sim.vehicles)
