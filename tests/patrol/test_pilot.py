"""`patrol fly` on a terminal: the dashboard, the pilot's keys, and the Ctrl-C question."""

import re
import sqlite3

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from patrol.keys import CONFIRM_S, Confirming, leave_answer
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


async def _on_mission(tmp_path, check, **size):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=8.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        term = Terminal("fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path), **size)
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
        await term.until(lambda: "battery" in term.text, 10, "the dashboard")
        for heading in ("mode", "battery", "fence m", "link", "hits", "pause (hold)"):
            assert heading in term.text
        term.type("p")
        await term.until(lambda: ap.mode is FlightMode.HOLD, 10, "hold")
        term.type("c")
        await term.until(lambda: ap.mode is FlightMode.MISSION, 10, "the mission again")
        term.interrupt()
        await term.until(lambda: "return to launch? [Y/n]" in term.text, 10, "the question")
        assert ap.mode is FlightMode.MISSION  # nothing happens before the answer
        term.type("\r")  # Enter: the default, return
        await term.until(lambda: ap.mode is FlightMode.RETURN, 10, "the return")
        assert term.proc.poll() is None, "the controller stays on watch during the return"
        assert await term.exit_code(120) == 130
        assert not ap.armed, "it exited once the vehicle had landed"
        assert "landed and disarmed" in term.text

    await _on_mission(tmp_path, check)
    events = _events(tmp_path)
    assert events.index("pilot: hold") < events.index("pilot: resume")
    assert "pilot: return" in events
    assert "landed" in events


async def test_a_second_ctrl_c_leaves_the_return_to_the_autopilot(tmp_path):
    async def check(term, ap):
        term.interrupt()
        await term.until(lambda: "return to launch? [Y/n]" in term.text, 10, "the question")
        term.type("y")
        await term.until(lambda: "Ctrl-C again" in term.text, 10, "the watch")
        await term.until(lambda: ap.mode is FlightMode.RETURN, 10, "the return")
        term.interrupt()
        assert await term.exit_code() == 130
        assert "the autopilot's return continues alone" in term.text
        assert ap.armed
        assert ap.mode is FlightMode.RETURN

    await _on_mission(tmp_path, check)
    events = _events(tmp_path)
    assert "left returning" in events
    assert "landed" not in events


async def test_return_and_land_keys_wait_for_a_second_press(tmp_path):
    async def check(term, ap):
        await term.until(lambda: "battery" in term.text, 10, "the dashboard")
        term.type("r")
        await term.until(lambda: "press r again" in term.text, 10, "the confirmation")
        term.type("x")  # any other key cancels
        await term.until(lambda: "return cancelled: nothing sent" in term.text, 10, "cancel")
        term.type("l")
        await term.until(lambda: "press l again" in term.text, 10, "the confirmation")
        term.type("r")  # another confirmed key: its own first press, the land is cancelled
        await term.until(lambda: "land cancelled" in term.text, 10, "cancel")
        assert ap.mode is FlightMode.MISSION
        for k, burst in enumerate(("hello", "rr", "\x1bOP", "\x1b[C")):  # paste, F1, arrow
            term.type(burst)
            await term.until(lambda k=k: term.text.count("came at once") > k, 10, burst)
        assert ap.mode is FlightMode.MISSION, "nothing typed at once commands anything"
        mark = len(term.text)
        term.type("r")
        await term.until(lambda: "press r again" in term.text[mark:], 10, "the confirmation")
        term.type("r")
        await term.until(lambda: ap.mode is FlightMode.RETURN, 10, "the return")
        term.interrupt()  # it still asks; Enter keeps the return
        await term.until(lambda: "return to launch? [Y/n]" in term.text, 10, "the question")
        term.type("\r")
        await term.until(lambda: "Ctrl-C again" in term.text, 10, "the watch")
        term.interrupt()
        assert await term.exit_code() == 130

    await _on_mission(tmp_path, check)
    events = _events(tmp_path)
    assert events.count("pilot: return") >= 1
    assert "pilot: land" not in events


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
        await term.until(lambda: "press l again" in term.text, 10, "the confirmation")
        term.type("l")
        await term.until(lambda: ap.mode is FlightMode.LAND, 10, "landing")
        assert await term.exit_code(60) == 4  # landed early, safely
        assert "the pilot commanded land" in term.text

    await _on_mission(tmp_path, check)
    assert "pilot: land" in _events(tmp_path)


async def test_ctrl_c_on_the_pad_disarms_there_without_a_question(tmp_path):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=2.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        term = Terminal("fly", str(SPEC), "--vehicle", url, "--data-dir", str(tmp_path))
        try:
            ap = sim.vehicles[0].ap
            await term.until(lambda: ap.armed, 60, "the arming")
            term.interrupt()
            assert await term.exit_code() == 130
            assert "disarmed on the pad" in term.text
            assert "[Y/n]" not in term.text
            assert not ap.armed
            assert ap.body.on_ground
        finally:
            term.close()
            tg.cancel_scope.cancel()


async def test_at_80x24_messages_scroll_above_a_dashboard_that_stays_whole(tmp_path):
    async def check(term, ap):
        await term.until(lambda: "battery" in term.text, 10, "the dashboard")
        for k in range(30):  # more messages than the screen has rows
            term.type("x")
            await term.until(lambda k=k: term.text.count("does nothing") > k, 10, "the message")
        screen = term.screen()
        headings = [n for n, line in enumerate(screen) if line.startswith("vehicle mode")]
        assert len(headings) == 1, "\n".join(screen)
        (top,) = headings
        row, keys, target = screen[top + 1 : top + 4]
        for figure in ("mission", "min", "ok"):
            assert figure in row, row
        assert re.search(r" \d+/\d+ ", row), row
        assert "hold" in keys
        assert "return" in keys
        assert target == "commands go to all vehicles"
        above = screen[:top]
        assert sum("does nothing" in line for line in above) >= top - 2, "\n".join(screen)
        term.interrupt()
        await term.until(lambda: "return to launch? [Y/n]" in term.text, 10, "the question")
        term.type("n")
        assert await term.exit_code() == 130

    await _on_mission(tmp_path, check, cols=80, rows=24)


def test_the_second_key_must_come_within_the_confirmation_time():
    confirming = Confirming()
    assert confirming.press("p", 0.0), "hold needs no confirmation"
    assert not confirming.press("r", 1.0)
    assert confirming.press("r", 1.0 + CONFIRM_S)
    assert not confirming.press("l", 10.0)
    assert not confirming.expired(10.0 + CONFIRM_S)
    assert confirming.expired(10.1 + CONFIRM_S)
    assert not confirming.press("l", 10.2 + CONFIRM_S), "a late second press is a first press"


@given(
    st.lists(st.tuples(st.sampled_from("rlpcx1a\r"), st.floats(0.0, 2 * CONFIRM_S)), max_size=60)
)
def test_a_return_or_landing_is_only_ever_sent_on_its_second_press(presses):
    """Over any sequence of keys and pauses: r or l acts only when the press just before it
    was the same key, within the confirmation time, and did not itself act."""
    confirming = Confirming()
    now_s = 0.0
    before: tuple[str, float, bool] | None = None  # the previous key, when, and if it acted
    for key, pause_s in presses:
        now_s += pause_s
        acted = confirming.press(key, now_s)
        if key in "rl":
            confirmed = (
                before is not None
                and before[0] == key
                and not before[2]
                and now_s - before[1] <= CONFIRM_S
            )
            assert acted == confirmed
        else:
            assert acted
        before = (key, now_s, acted)


def test_only_n_or_m_leave_the_vehicle_on_its_mission():
    assert leave_answer("n")
    assert leave_answer("m")
    for key in ("y", "\r", "\n", "x", None):
        assert not leave_answer(key)
