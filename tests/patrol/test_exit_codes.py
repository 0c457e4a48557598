"""One exit-code table for the whole command line: the enum, the CLI's docstring and the README
agree, every ending and every error has its code."""

import re
from pathlib import Path

import asyncclick as click
import pytest

import patrol.cli
from geofence.errors import AreaError
from patrol.cli import exit_code_of
from patrol.ending import Ending, Exit, exit_code, worst
from patrol.errors import CommandRejectedError, PreflightError, RefusedError
from patrol.flight import FlightAbortedError

README = Path(__file__).resolve().parents[2] / "README.md"


def _codes_in(text: str, row: str) -> set[int]:
    return {int(code) for code in re.findall(row, text, flags=re.MULTILINE)}


def test_the_table_is_the_same_in_the_enum_the_cli_and_the_readme():
    codes = {int(code) for code in Exit}
    assert codes == {0, 2, 3, 4, 130}
    assert _codes_in(patrol.cli.__doc__ or "", r"^(\d+)\s{2,}") == codes
    table = README.read_text().split("Exit codes of `patrol`")[1].split("**The flight log**")[0]
    assert _codes_in(table, r"^\| (\d+) \|") == codes


def test_every_ending_has_a_code():
    assert exit_code(Ending.COMPLETED) is Exit.DONE
    for early in (Ending.MONITOR, Ending.PILOT, Ending.AUTOPILOT, Ending.NO_RETURN):
        assert exit_code(early) is Exit.ENDED_EARLY
    assert exit_code(Ending.INTERRUPTED) is Exit.INTERRUPTED
    assert worst([Exit.DONE, Exit.ENDED_EARLY]) is Exit.ENDED_EARLY
    assert worst([Exit.ENDED_EARLY, Exit.INTERRUPTED]) is Exit.INTERRUPTED
    assert worst([]) is Exit.DONE


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (AreaError("zero area", path="a.geojson"), Exit.BAD_INPUT),
        (click.UsageError("give SOURCE"), Exit.BAD_INPUT),
        (PreflightError("gps", "no fix"), Exit.REFUSED),
        (CommandRejectedError("arm", "denied"), Exit.REFUSED),
        (RefusedError("--video", "no frame"), Exit.REFUSED),
        (FlightAbortedError("the fence monitor commanded return"), Exit.ENDED_EARLY),
        (KeyboardInterrupt(), Exit.INTERRUPTED),
    ],
)
def test_every_error_has_a_code(error, code):
    assert exit_code_of(error) is code


def test_one_error_out_of_nested_task_groups_is_said_as_itself():
    from patrol.cli import _only

    taken = OSError(98, "Address already in use")
    assert _only(ExceptionGroup("serve", [ExceptionGroup("bind", [taken])])) is taken
    assert _only(ExceptionGroup("two", [taken, ValueError()])) is None
