"""What the pilot can ask of a flight while it runs, and what the flight shows back.

`Pilot` is the hand-over point between the terminal (keys, Ctrl-C) and the flight loop: the
terminal pushes commands, the loop takes them at its next tick (5 Hz) and hands them to the
supervisor, which logs each one. The traffic monitor holds a vehicle through the same object
(`traffic_hold`), as a standing demand the supervisor weighs every tick, not as a command.
`FlightView` is one vehicle's state as a display draws it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum


class PilotCommand(Enum):
    HOLD = "hold"
    RESUME = "resume"
    RETURN = "return"
    LAND = "land"


class Pilot:
    """Commands waiting for the flight loop, and what to do if the controller is interrupted."""

    def __init__(self) -> None:
        self._waiting: deque[tuple[PilotCommand, str]] = deque()
        #: On interruption: False commands a return (the default); True leaves the vehicle on
        #: its mission, which ends with a return (the autopilot's link-loss failsafe returns too).
        self.leave_on_interrupt = False
        #: A Ctrl-C commanded the return: leaving it then leaves it returning.
        self.returning = False
        #: The traffic monitor wants this vehicle held (until it sets this back to False).
        self.traffic_hold = False

    def push(self, command: PilotCommand, by: str = "pilot") -> None:
        """Queue `command`; `by` names who asked (the pilot, or the traffic monitor)."""
        self._waiting.append((command, by))

    def take(self) -> tuple[PilotCommand, str] | None:
        return self._waiting.popleft() if self._waiting else None

    def take_all(self) -> tuple[PilotCommand, ...]:
        """Every command waiting, oldest first."""
        taken = tuple(command for command, _by in self._waiting)
        self._waiting.clear()
        return taken


@dataclass(frozen=True, slots=True)
class FlightView:
    """One vehicle as the dashboard and the progress lines show it."""

    label: str  # the key that picks it ("1".."9"), empty with one vehicle
    mode: str  # `FlightMode`'s value: the same words whichever autopilot flies
    lat_deg: float
    lon_deg: float
    alt_rel_m: float
    ground_speed_mps: float
    battery_pct: float
    time_left_s: float  # flight time left above the reserve at cruise power; NaN if unknown
    item: int
    items: int
    fence_m: float  # distance to the fence; NaN without a position
    link_ok: bool
    hits: int = 0
    name: str = ""  # the pilot's name for the vehicle (--name)
    mode_name: str = ""  # the autopilot's own name for its mode ("RTL", "Return")

    def line(self) -> str:
        """The plain progress line printed when there is no terminal to draw on."""
        fence = "" if math.isnan(self.fence_m) else f" fence {self.fence_m:.0f} m"
        left = "" if math.isnan(self.time_left_s) else f" ({self.time_left_s / 60:.0f} min)"
        link = "" if self.link_ok else " LINK LOST"
        who = " ".join(part for part in (self.label, self.name) if part)
        label = f"{who}: " if who else ""
        return (
            f"{label}{self.mode} item {self.item}/{self.items} "
            f"alt {self.alt_rel_m:.0f} m speed {self.ground_speed_mps:.1f} m/s "
            f"battery {self.battery_pct:.0f} %{left}{fence}{link}"
        )
