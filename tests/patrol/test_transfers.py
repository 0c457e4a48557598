"""What a refused upload says: one line with the counts and the store, never an object's repr,
down to the command line's last word."""

import pytest
from mavsdk.plugins.mission_raw import MissionItem, MissionRawError, MissionRawResult

from geofence.capacity import CAPACITY, Autopilot
from patrol.cli import main
from patrol.errors import TransferError, one_line
from patrol.transfers import refusal
from patrol.vehicle import ItemKind


def _mavsdk_text(count: int = 1_075) -> str:
    items = [
        MissionItem(k, 0, 5001, 0, 1, 4.0, 0.0, 0.0, 0.0, 165_424_000, 1_047_246_000, 0.0, 1)
        for k in range(count)
    ]
    return str(MissionRawError(MissionRawResult.TOO_MANY_MISSION_ITEMS, "upload_geofence()", items))


def test_mavsdks_own_text_is_eighty_thousand_characters_of_reprs():
    text = _mavsdk_text()
    assert len(text) > 80_000
    assert text.count("object at 0x") == 1_075


def test_one_line_leaves_the_reprs_out():
    said = one_line(_mavsdk_text())
    assert said == "TOO_MANY_MISSION_ITEMS; origin: upload_geofence(); params: ([...],)"
    assert one_line("a\nb\t c") == "a b c"
    assert len(one_line("x" * 1_000)) == 300


def test_no_space_for_a_fence_names_the_counts_and_the_store():
    said = refusal(
        ItemKind.FENCE,
        1_075,
        no_space=True,
        result="too many mission items",
        said=["Only 70 items are supported"],
        store=CAPACITY[Autopilot.ARDUPILOT],
    )
    assert said == (
        "the vehicle cannot hold 1,075 fence items (MAV_MISSION_NO_SPACE; it said: Only 70 items"
        " are supported); ArduPilot holds 70 fence items in 560 bytes: plan the patrol again for"
        " it (patrol plan fits the fence to [patrol] autopilot) or simplify the outline; nothing"
        " was armed"
    )


def test_other_refusals_quote_the_autopilot():
    said = refusal(
        ItemKind.FENCE,
        70,
        no_space=False,
        result="error",
        said=["Fence exceeds storage size\n"],
        store=CAPACITY[Autopilot.ARDUPILOT],
    )
    assert said == "error; it said: Fence exceeds storage size"
    mission = refusal(
        ItemKind.MISSION, 900, no_space=True, result="", said=[], store=CAPACITY[Autopilot.PX4]
    )
    assert mission.startswith("the vehicle cannot hold 900 mission items (MAV_MISSION_NO_SPACE)")


def test_the_command_line_says_any_error_in_one_line(monkeypatch, capsys, tmp_path):
    """Whatever an error was built from, `patrol` prints one bounded line, exit 3."""

    def refuse(source, **_options):
        raise TransferError("fence upload", _mavsdk_text())

    monkeypatch.setattr("patrol.cli.read_plan", refuse)
    monkeypatch.setattr("sys.argv", ["patrol", "plan", str(tmp_path / "x.plan")])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 3
    assert err.count("\n") == 1
    assert err.startswith("patrol: error: fence upload failed: TOO_MANY_MISSION_ITEMS")
    assert "object at 0x" not in err
    assert len(err) < 200
