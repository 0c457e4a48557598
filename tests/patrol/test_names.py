"""`--name`: what the pilot calls each vehicle, said before arming, in the log and at the
station; names a dashboard row cannot carry are refused before any vehicle is touched."""

import re
import sqlite3
import subprocess
import sys

import anyio
import pytest
from asyncclick.testing import CliRunner

from patrol.cli import cli
from patrol.station.records import vehicle_name
from sim.scenario import Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import free_port_block, make_ports

SPEC = EXAMPLES / "hotspots.toml"
PORT = free_port_block(2)  # refused before anything opens them
URL = f"udpin://127.0.0.1:{PORT}"


def _patrol(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "patrol", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("names", "says"),
    [
        (("a", "b"), "given 2 times for 1 vehicle(s)"),
        (("nok", "nok"), "the same name"),
        (("a-very-long-drone-name",), "more than the 12 a dashboard row has"),
        (("bad\x1bname",), "control characters"),
        ((" nok",), "no spaces around it"),
    ],
)
def test_names_a_dashboard_cannot_carry_are_refused_before_connecting(names, says):
    urls = ["--vehicle", URL]
    if names == ("nok", "nok"):
        urls = ["--vehicle", URL, "--vehicle", f"udpin://127.0.0.1:{PORT + 1}"]
    args = [arg for name in names for arg in ("--name", name)]
    done = _patrol("fly", str(SPEC), *urls, *args, "--timeout", "0.5")
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("patrol: error: --name")
    assert says in line


def test_a_thai_name_is_measured_in_columns_not_characters():
    from patrol.names import check_name

    assert check_name("โดรน1") == "โดรน1"


def test_the_station_knows_the_vehicle_by_its_name_else_its_number_else_its_link():
    assert vehicle_name({"vehicle_name": "nok", "vehicle_label": "2"}) == "nok"
    assert vehicle_name({"vehicle_name": "", "vehicle_label": "2"}) == "vehicle 2"
    assert vehicle_name({"vehicle_url": URL}) == URL


@pytest.mark.anyio
async def test_the_headline_names_what_is_flown_before_arming_and_the_log_keeps_the_name(
    tmp_path,
):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=20.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", str(SPEC), "--vehicle", url, "--name", "nok", "--data-dir", str(tmp_path)]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, args)
        tg.cancel_scope.cancel()
    assert result.exception is None, result.output
    out = result.output
    headline = f"flying nok on {url}: "
    assert headline in out
    assert "sortie 1 of 1" in out
    assert re.search(r"sortie 1 of 1, \d+ items", out)
    assert out.index(headline) < out.index("armed")
    assert "nok: armed" in out
    (path,) = tmp_path.glob("*.sqlite")
    db = sqlite3.connect(path)
    meta = dict(db.execute("SELECT key, value FROM meta"))
    db.close()
    assert meta["vehicle_name"] == "nok"
