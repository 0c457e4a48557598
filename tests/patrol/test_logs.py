"""`patrol logs` through its runner: the flight list at 80 columns keeps every id whole, and an
empty list says where it looked and how to look elsewhere."""

import pytest
from asyncclick.testing import CliRunner

from patrol.cli import cli
from patrol.flightlog import FlightLog, new_flight_id

pytestmark = pytest.mark.anyio

LONG_SOURCE = "/srv/patrol/zones/mukdahan/community-blocks/by-the-river/hotspots-night-round.toml"


def _flight(data_dir, flight_id):
    log = FlightLog(data_dir / f"{flight_id}.sqlite", {"source": LONG_SOURCE})
    log.event("vision summary", "412 frames, 0 dropped, 37 detections, 5 hits, 1 outside")
    log.close()


async def _logs(*args, env=None):
    return await CliRunner().invoke(cli, ["logs", *args], env={"COLUMNS": "80", **(env or {})})


async def test_flight_ids_are_never_cut_at_80_columns(tmp_path):
    ids = [new_flight_id(), new_flight_id() + "-v2"]
    for flight_id in ids:
        _flight(tmp_path, flight_id)
    result = await _logs("--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    for flight_id in ids:
        assert flight_id in result.output
    assert "…" not in result.output
    assert "5 hits" in " ".join(result.output.split())  # the last event wraps, whole


@pytest.mark.parametrize(
    ("option", "env", "looked_in", "origin"),
    [
        (True, {}, "", "(given by --data-dir; it does not exist)"),
        (False, {"PATROL_DATA_DIR": "{dir}"}, "", "(from $PATROL_DATA_DIR; it does not exist)"),
        (
            False,
            {"PATROL_DATA_DIR": "", "XDG_DATA_HOME": "{dir}"},
            "/patrol/flights",
            "(the default; it does not exist)",
        ),
    ],
)
async def test_no_flights_says_where_it_looked_and_how_to_look_elsewhere(
    tmp_path, option, env, looked_in, origin
):
    where = tmp_path / "nothing"
    env = {k: v.format(dir=where) for k, v in env.items()}
    result = await _logs(*(["--data-dir", str(where)] if option else []), env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert "┏" not in result.output  # no empty table
    said = result.output.strip()
    assert said.startswith(f"no flight logs in {where}{looked_in} {origin}; ")
    assert said.endswith("to look elsewhere: patrol logs --data-dir DIR, or set $PATROL_DATA_DIR")


async def test_an_empty_directory_is_not_said_to_be_missing(tmp_path):
    result = await _logs("--data-dir", str(tmp_path))
    assert result.exit_code == 0
    assert f"no flight logs in {tmp_path} (given by --data-dir); to look elsewhere" in " ".join(
        result.output.split()
    )


async def test_a_file_that_is_not_a_flight_log_is_a_row_not_a_traceback(tmp_path):
    good = new_flight_id()
    _flight(tmp_path, good)
    (tmp_path / "empty.sqlite").write_bytes(b"")
    (tmp_path / "text.sqlite").write_text("not a database")
    result = await _logs("--data-dir", str(tmp_path), env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert good in result.output
    flat = " ".join(result.output.split())
    assert flat.count("not a flight log patrol can read") == 2


async def test_the_row_says_how_the_flight_ended_before_what_came_after(tmp_path):
    flight_id = new_flight_id()
    log = FlightLog(tmp_path / f"{flight_id}.sqlite", {"source": "s.toml"})
    log.event("landed", "disarmed on the ground; ended: completed")
    log.event("vision summary", "412 frames, 5 hits")
    log.close()
    result = await _logs("--data-dir", str(tmp_path), env={"COLUMNS": "250"})
    flat = " ".join(result.output.split())
    assert "landed: disarmed on the ground; ended: completed" in flat
    assert "412 frames" not in flat
