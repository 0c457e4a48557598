"""How a flight ended, decided from what happened (not from the last mission item number),
and the exit code each ending gives the `patrol` command."""

from __future__ import annotations

from enum import Enum


class Ending(Enum):
    COMPLETED = "completed"  # the mission reached its end and the vehicle landed
    MONITOR = "monitor"  # one of the controller's monitors brought it back
    PILOT = "pilot"  # the pilot commanded a return, a landing or a hold it never left
    AUTOPILOT = "autopilot"  # the autopilot's own failsafe (fence, link loss, battery) did
    NO_RETURN = "no return"  # the mission ended without a return; the controller commanded one
    INTERRUPTED = "interrupted"  # the controller was stopped (Ctrl-C, SIGTERM) in flight
