"""Hit schema v1 and flight records, as both sides check them; the tokens file."""

import stat

import pytest
from asyncclick.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from patrol.cli import cli
from patrol.station.schema import SchemaError, parse_flight, parse_hit
from patrol.station.tokens import Role, Tokens, TokensError, add_token
from tests.station.helpers import flight_wire, hit_wire

pytestmark = pytest.mark.anyio


def test_a_hit_round_trips_through_its_wire_form():
    wire = hit_wire()
    hit = parse_hit(wire)
    assert hit.to_wire() == wire
    assert hit.captured_utc.utcoffset().total_seconds() == 0
    assert hit.snapshot_jpeg[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schema", "patrol.hit.v2"),
        ("id", "not-a-uuid"),
        ("mission", ""),
        ("flight", "../etc"),
        ("vehicle", "a\nb"),
        ("zone", 3),
        ("captured_utc", "2026-11-21 03:04:05"),
        ("captured_utc", "2026-02-30T00:00:00Z"),
        ("lat_deg", 91),
        ("lon_deg", -181),
        ("lat_deg", True),
        ("error_m", -1),
        ("class", "x" * 65),
        ("confidence", 1.5),
        ("sightings", 0),
        ("sightings", 2.5),
        ("snapshot_jpeg", "!!!"),
        ("snapshot_jpeg", "aGVsbG8="),
    ],
)
def test_each_bad_field_is_named(field, value):
    with pytest.raises(SchemaError) as caught:
        parse_hit(hit_wire(**{field: value}))
    assert caught.value.field == field


def test_missing_and_unknown_fields_are_named():
    wire = hit_wire()
    del wire["confidence"]
    with pytest.raises(SchemaError, match="confidence: is missing"):
        parse_hit(wire)
    with pytest.raises(SchemaError, match="colour: is not a field"):
        parse_hit(hit_wire(colour="red"))


@given(st.dictionaries(st.text(max_size=12), st.none() | st.integers() | st.text(), max_size=8))
def test_any_other_object_is_refused_with_a_schema_error(obj):
    with pytest.raises(SchemaError):
        parse_hit(obj)


def test_a_flight_record_is_checked_and_named_by_its_url():
    record = parse_flight(flight_wire("f1"), "f1")
    assert record["fence"][0]["polygon"][0] == [16.54, 104.72]
    with pytest.raises(SchemaError, match="id"):
        parse_flight(flight_wire("f1"), "f2")
    with pytest.raises(SchemaError, match=r"track\[0\]"):
        parse_flight(flight_wire("f1", track=[[0, 95, 104, 0]]), "f1")
    with pytest.raises(SchemaError, match=r"fence\[0\].polygon"):
        parse_flight(flight_wire("f1", fence=[{"inclusion": True, "polygon": [[1, 1]]}]), "f1")
    with pytest.raises(SchemaError, match="state"):
        parse_flight(flight_wire("f1", state="crashed"), "f1")


def test_a_new_tokens_file_is_private_and_an_existing_one_keeps_its_mode(tmp_path):
    new, shared = tmp_path / "new.txt", tmp_path / "shared.txt"
    shared.write_text("# read by the station's group\n")
    shared.chmod(0o640)
    add_token(new, Role.VEHICLE, "drone-1")
    add_token(shared, Role.VEHICLE, "drone-1")
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640


def test_tokens_give_roles_and_a_bad_line_is_named(tmp_path):
    path = tmp_path / "tokens.txt"
    vehicle = add_token(path, Role.VEHICLE, "drone-1")
    staff = add_token(path, Role.STAFF, "desk")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens = Tokens.load(path)
    assert tokens.holder(vehicle).role is Role.VEHICLE
    assert tokens.holder(staff).name == "desk"
    assert tokens.holder("guess") is None
    for text, message in [
        ("pilot a 0123456789abcdef0123\n", "tokens.txt:1: role 'pilot'"),
        ("# c\nstaff a short\n", "tokens.txt:2: token of a is shorter"),
        ("staff a\n", "tokens.txt:1: expected ROLE NAME TOKEN"),
        ("# nothing\n", "no tokens"),
    ]:
        path.write_text(text)
        with pytest.raises(TokensError, match=message):
            Tokens.load(path)
    with pytest.raises(TokensError, match="cannot read"):
        Tokens.load(tmp_path / "missing.txt")


async def test_station_commands_refuse_bad_input_in_one_line(tmp_path):
    runner = CliRunner()
    result = await runner.invoke(
        cli, ["station", "serve", "--tokens", str(tmp_path / "none.txt"), "--port", "0"]
    )
    assert result.exit_code != 0
    assert "cannot read the tokens file" in str(result.exception or result.output)
    result = await runner.invoke(
        cli,
        [
            "station",
            "token",
            "--tokens",
            str(tmp_path / "t.txt"),
            "--role",
            "staff",
            "--name",
            "duty desk",
        ],
    )
    assert "one word" in str(result.exception)
    result = await runner.invoke(
        cli,
        ["station", "push", "--station", "ftp://x", "--data-dir", str(tmp_path)],
        env={"PATROL_STATION_TOKEN": "t" * 20},
    )
    assert result.exit_code == 2
    assert "http://HOST:PORT" in result.output
    result = await runner.invoke(
        cli,
        ["station", "push", "--station", "http://127.0.0.1:9", "--data-dir", str(tmp_path)],
        env={"PATROL_STATION_TOKEN": ""},
    )
    assert result.exit_code == 2
    assert "no token" in " ".join(result.output.split())


async def test_fly_checks_the_station_options_before_anything_flies(tmp_path):
    result = await CliRunner().invoke(
        cli,
        [
            "fly",
            "x.toml",
            "--vehicle",
            "udpin://127.0.0.1:1",
            "--station",
            "http://127.0.0.1:9",
            "--station-token-file",
            str(tmp_path / "missing"),
        ],
    )
    assert result.exit_code == 2
    assert "--station-token-file" in result.output
