"""Vehicle names given with `--name`: checked, then set on each vehicle's assignment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.cells import cell_len

from patrol.errors import OptionError
from patrol.operation import Assignment

#: The longest name the 80-column dashboard shows in full beside the vehicle's number.
NAME_COLS = 12


def check_name(name: str) -> str:
    """`name` as given, when a dashboard row, a log and a station record can carry it."""
    if not name.strip() or name != name.strip():
        raise OptionError(
            f"--name {name!r}: a name needs a letter or digit and no spaces around it",
            option="--name",
        )
    if not name.isprintable():
        raise OptionError(
            f"--name {name!r}: control characters cannot be shown; use letters, digits, - or _",
            option="--name",
        )
    if cell_len(name) > NAME_COLS:
        raise OptionError(
            f"--name {name!r}: {cell_len(name)} columns wide, more than the {NAME_COLS} a "
            "dashboard row has; give a shorter name",
            option="--name",
        )
    return name


def named(assignments: Sequence[Assignment], names: Sequence[str]) -> list[Assignment]:
    """Each assignment with its `--name`, in order; the others keep theirs (a resumed
    flight's). More names than vehicles, or one name twice, is an error."""
    if len(names) > len(assignments):
        raise OptionError(
            f"--name given {len(names)} times for {len(assignments)} vehicle(s): give one "
            "--name per --vehicle, in the same order",
            option="--name",
        )
    if len(set(names)) < len(names):
        raise OptionError(
            "--name: two vehicles have the same name; give each its own", option="--name"
        )
    out = list(assignments)
    for k, name in enumerate(names):
        out[k] = replace(out[k], name=check_name(name))
    return out
