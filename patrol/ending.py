"""How a flight ended, decided from what happened (not from the last mission item number),
and the exit code each ending gives the `patrol` command.

The whole command line's exit codes are `Exit`; `patrol/cli.py` and the README draw the same
table:

    0    DONE         as planned (for `fly`: every vehicle landed at the end of its mission)
    2    BAD_INPUT    an input cannot be used: a file, a field, an option, a vehicle URL or a
                      connection it cannot open; nothing was sent
    3    REFUSED      refused before arming: a preflight check, a parameter the vehicle lacks,
                      a refused arm or upload, a video, model, station token or station
                      certificate that cannot work; nothing was armed
    4    ENDED_EARLY  ended early, safely: a monitor, the pilot or the autopilot brought the
                      vehicle back, or the mission had no return and the controller commanded one
    130  INTERRUPTED  the controller was interrupted (Ctrl-C, SIGTERM)
"""

from __future__ import annotations

from enum import Enum, IntEnum


class Ending(Enum):
    COMPLETED = "completed"  # the mission reached its end and the vehicle landed
    MONITOR = "monitor"  # one of the controller's monitors brought it back
    PILOT = "pilot"  # the pilot commanded a return, a landing or a hold it never left
    AUTOPILOT = "autopilot"  # the autopilot's own failsafe (fence, link loss, battery) did
    NO_RETURN = "no return"  # the mission ended without a return; the controller commanded one
    INTERRUPTED = "interrupted"  # the controller was stopped (Ctrl-C, SIGTERM) in flight


class Exit(IntEnum):
    """The `patrol` command's exit codes (see the module's docstring)."""

    DONE = 0
    BAD_INPUT = 2
    REFUSED = 3
    ENDED_EARLY = 4
    INTERRUPTED = 130


_EXITS = {
    Ending.COMPLETED: Exit.DONE,
    Ending.MONITOR: Exit.ENDED_EARLY,
    Ending.PILOT: Exit.ENDED_EARLY,
    Ending.AUTOPILOT: Exit.ENDED_EARLY,
    Ending.NO_RETURN: Exit.ENDED_EARLY,
    Ending.INTERRUPTED: Exit.INTERRUPTED,
}


def exit_code(ending: Ending) -> Exit:
    """The exit code one flight's ending gives `patrol fly`."""
    return _EXITS[ending]


def worst(codes: list[Exit]) -> Exit:
    """The exit code of several flights: an interruption over an early end over done."""
    order = (Exit.INTERRUPTED, Exit.ENDED_EARLY, Exit.DONE)
    return next((code for code in order if code in codes), Exit.DONE)
