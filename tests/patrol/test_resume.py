"""`patrol fly --resume` and `--loops`: continue where a flight stopped; repeat a patrol."""

import json
import sqlite3

import anyio
import pytest
from asyncclick.testing import CliRunner

from geofence.frames import LocalFrame
from geofence.mavlink import MavCmd
from missions import plan_file
from patrol.assign import from_source
from patrol.cli import cli
from patrol.errors import OptionError
from patrol.flight import FlightAbortedError
from patrol.resume import ResumeError, remaining
from sim.scenario import Fault, FaultKind, Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio
SPEC = EXAMPLES / "hotspots.toml"


def _flight(path):
    db = sqlite3.connect(path)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        rows = db.execute("SELECT lat_deg, lon_deg, mode, mission_current FROM telemetry")
        return meta, rows.fetchall()
    finally:
        db.close()


def _item(raw):
    """A .plan item as flown (its jump number is only its place in the list)."""
    return {k: v for k, v in raw.items() if k != "doJumpId"}


def _visited(rows, spots, frame):
    """The hot-spots the track passes within 3 m of."""
    track = [frame.geodetic2enu(lat, lon) for lat, lon, _m, _c in rows]
    return {
        k
        for k, (e, n) in spots.items()
        if min((te - e) ** 2 + (tn - n) ** 2 for te, tn in track) < 3.0**2
    }


async def test_resume_after_an_early_landing_flies_exactly_the_remaining_waypoints(tmp_path):
    drop = Fault(0, FaultKind.LINK_DROP, 110.0, 320.0)  # the autopilot returns mid-patrol
    ports = make_ports()
    sim = Simulation(Scenario(speedup=20.0, faults=(drop,)), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    args = ["fly", "--vehicle", url, "--data-dir", str(tmp_path)]
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        first = await CliRunner().invoke(cli, [*args[:1], str(SPEC), *args[1:]])
        assert isinstance(first.exception, FlightAbortedError), first.output
        (first_log,) = list(tmp_path.glob("*.sqlite"))
        said = str(first.exception)
        assert f"patrol fly --resume {first_log.stem} --data-dir {tmp_path}" in said
        # it came down at the nearest safe point; the pilot carries it back to the pad
        body = sim.vehicles[0].ap.body
        body.east_m, body.north_m = 0.0, 0.0
        second = await CliRunner().invoke(cli, [*args, "--resume", first_log.stem])
        tg.cancel_scope.cancel()
    assert second.exception is None, second.output
    assert "landed as planned" in second.output
    (second_log,) = [p for p in tmp_path.glob("*.sqlite") if p != first_log]

    meta1, rows1 = _flight(first_log)
    meta2, rows2 = _flight(second_log)
    assert meta2["resumed_from"] == first_log.stem
    planned = [_item(i) for i in json.loads(meta1["mission"])["mission"]["items"]]
    flown = [_item(i) for i in json.loads(meta2["mission"])["mission"]["items"]]
    next_item = max(c for *_rest, c in rows1)
    assert 2 < next_item < len(planned) - 1  # it did stop part-way
    # exactly the remaining items, behind the take-off and speed that open a mission and the
    # way back to where the vehicle left its leg
    assert flown[:2] == planned[:2]
    assert flown[len(flown) - (len(planned) - next_item) :] == planned[next_item:]
    way_back = flown[2 : len(flown) - (len(planned) - next_item)]
    assert all(item["command"] == MavCmd.NAV_WAYPOINT for item in way_back)
    assert sim.vehicles[0].ap.store.items[0][-1].command == MavCmd.NAV_RETURN_TO_LAUNCH

    frame = LocalFrame(plan_file(SPEC).missions[0].home.latlon)
    spots = {  # planned loiter item index -> its hot-spot, east/north
        k: frame.geodetic2enu(i["params"][4], i["params"][5])
        for k, i in enumerate(planned)
        if i["command"] == MavCmd.NAV_LOITER_TIME
    }
    before, after = _visited(rows1, spots, frame), _visited(rows2, spots, frame)
    assert before <= {k for k in spots if k < next_item}  # nothing flown twice
    assert after == {k for k in spots if k >= next_item}  # the rest, and only the rest


async def test_resume_refuses_what_it_cannot_continue(tmp_path):
    result = await CliRunner().invoke(
        cli, ["fly", "--resume", "20260101T000000Z-abcdef", "--data-dir", str(tmp_path)]
    )
    assert isinstance(result.exception, ResumeError)
    assert "no flight log" in str(result.exception)
    assert "patrol logs" in str(result.exception)
    result = await CliRunner().invoke(
        cli, ["fly", str(SPEC), "--resume", "x", "--vehicle", "udpin://0.0.0.0:1"]
    )
    assert result.exit_code == 2
    assert "drop SOURCE" in result.output


def test_remaining_keeps_the_opening_and_refuses_a_flown_mission():
    mission = plan_file(SPEC).missions[0]
    rest = remaining(mission, 4)
    assert rest.items == mission.items[:2] + mission.items[4:]
    assert remaining(mission, 0).items == mission.items
    with pytest.raises(ResumeError, match="nothing left"):
        remaining(mission, len(mission.items) - 1)


def test_loops_repeat_the_patrol_and_need_a_spec(tmp_path):
    url = ("udpin://0.0.0.0:1",)  # never opened: the assignment only names it
    once = from_source(SPEC, url, 1, None)[0].mission
    twice = from_source(SPEC, url, 1, 2)[0].mission
    loiters = [i for i in once.items if i.command == MavCmd.NAV_LOITER_TIME]
    loiters2 = [i for i in twice.items if i.command == MavCmd.NAV_LOITER_TIME]
    assert len(loiters2) == 2 * len(loiters)
    assert {(i.x_lat_deg, i.y_lon_deg) for i in loiters2} == {
        (i.x_lat_deg, i.y_lon_deg) for i in loiters
    }
    plan_path = tmp_path / "round.plan"
    from missions import plan_text

    plan_path.write_text(plan_text(once))
    with pytest.raises(OptionError, match="--loops needs a patrol spec"):
        from_source(plan_path, url, 1, 3)


def test_remaining_flies_back_to_where_the_vehicle_left_a_lane():
    """Half-way along a lane of the sweep: the rest of that lane is flown again, reached by a
    way inside the free space, never skipped."""
    mission = plan_file(EXAMPLES / "patrol.toml").missions[0]
    frame = LocalFrame(mission.home.latlon)
    fence = mission.fence.in_frame(frame)
    k = 6  # a lane end: the leg from item 5 to item 6 is a lane
    a, b = mission.items[k - 1], mission.items[k]
    mid = frame.enu2geodetic(
        *[
            (p + q) / 2
            for p, q in zip(
                frame.geodetic2enu(a.x_lat_deg, a.y_lon_deg),
                frame.geodetic2enu(b.x_lat_deg, b.y_lon_deg),
                strict=True,
            )
        ]
    )
    rest = remaining(mission, k, mid)
    opening = rest.items[:2]
    assert opening == mission.items[:2]
    way = rest.items[2 : len(rest.items) - (len(mission.items) - k)]
    assert way, "a way back to the lane"
    assert (way[-1].x_lat_deg, way[-1].y_lon_deg) == pytest.approx((mid.lat_deg, mid.lon_deg))
    assert rest.items[-(len(mission.items) - k) :] == mission.items[k:]
    points = [(0.0, 0.0)] + [frame.geodetic2enu(i.x_lat_deg, i.y_lon_deg) for i in way]
    assert fence.line_clearance_m(points) >= mission.fence.margin_m - 1.0 - 0.01
    # left beyond the margin (a monitor brought it back from there): the item is flown afresh
    outside = frame.enu2geodetic(0.0, -5000.0)
    assert remaining(mission, k, outside).items == mission.items[:2] + mission.items[k:]
