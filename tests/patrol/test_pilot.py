"""`patrol fly` on a terminal: the dashboard, the pilot's keys, and the Ctrl-C question."""

import sqlite3

import anyio
import pytest

from patrol.keys import leave_answer
from sim.px4 import FlightMode
from sim.scenario import Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.patrol.terminal import Terminal
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
SPEC = EXAMPLES / "hotspots.toml"


def _events(data_dir):
    (path,) = list(data_dir.glob("*.sqlite"))
    db = sqlite3.connect(path)
    try:
        return [kind for (kind,) in db.execute("SELECT kind FROM events ORDER BY t_s")]
    finally:
        db.close()


async def _on_mission(tmp_path, check):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=8.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        term = Terminal("fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path))
        try:
            ap = sim.vehicles[0].ap
            await term.until(
                lambda: ap.mode is FlightMode.MISSION and ap.body.up_m > 20, 60, "the mission"
            )
            await check(term, ap)
        finally:
            term.close()
            tg.cancel_scope.cancel()


async def test_keys_pause_and_resume_and_ctrl_c_returns_by_default(tmp_path):
    async def check(term, ap):
        await term.until(lambda: "waypoint" in term.text, 10, "the dashboard")
        for heading in ("mode", "battery", "fence", "link", "hits", "pause (hold)"):
            assert heading in term.text
        term.type("p")
        await term.until(lambda: ap.mode is FlightMode.HOLD, 10, "hold")
        term.type("c")
        await term.until(lambda: ap.mode is FlightMode.MISSION, 10, "the mission again")
        term.interrupt()
        await term.until(lambda: "return to launch? [Y/n]" in term.text, 10, "the question")
        assert ap.mode is FlightMode.MISSION  # nothing happens before the answer
        term.type("\r")  # Enter: the default, return
        assert await term.exit_code() == 130
        assert ap.mode is FlightMode.RETURN

    await _on_mission(tmp_path, check)
    events = _events(tmp_path)
    assert events.index("pilot: hold") < events.index("pilot: resume")
    assert "return" in events


async def test_ctrl_c_can_leave_the_vehicle_on_its_mission(tmp_path):
    async def check(term, ap):
        term.interrupt()
        await term.until(lambda: "return to launch? [Y/n]" in term.text, 10, "the question")
        term.type("n")
        assert await term.exit_code() == 130
        assert ap.mode is FlightMode.MISSION  # its mission ends with a return of its own
        assert ap.armed

    await _on_mission(tmp_path, check)
    events = _events(tmp_path)
    assert "left on mission" in events
    assert "return" not in events


async def test_the_land_key_lands_where_it_is(tmp_path):
    async def check(term, ap):
        term.type("l")
        await term.until(lambda: ap.mode is FlightMode.LAND, 10, "landing")
        assert await term.exit_code(60) == 4  # landed early, safely
        assert "the pilot commanded land" in term.text

    await _on_mission(tmp_path, check)
    assert "pilot: land" in _events(tmp_path)


def test_only_n_or_m_leave_the_vehicle_on_its_mission():
    assert leave_answer("n")
    assert leave_answer("m")
    for key in ("y", "\r", "\n", "x", None):
        assert not leave_answer(key)
