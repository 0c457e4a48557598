"""The live dashboard drawn while flying on a terminal: one row per vehicle, the keys below.

It only draws `FlightView`s it is handed; the flight loop decides what they say. Messages
(`say`) print above it, so the dashboard stays at the bottom of the terminal as in MAVProxy.
"""

from __future__ import annotations

import math

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from patrol.pilot import FlightView

KEYS_HELP = (
    "keys: [b]p[/] pause (hold)  [b]c[/] continue  [b]r[/] return  [b]l[/] land  "
    "[b]1-9[/] pick a vehicle  [b]a[/] all  [b]Ctrl-C[/] return or leave"
)


class Dashboard:
    """Holds the latest view of each vehicle; rich redraws it through `__rich__`."""

    def __init__(self) -> None:
        self.views: dict[str, FlightView] = {}
        self.selected: str = "all vehicles"
        self.queued_question: str = ""
        self.station: str = ""  # the sender's queued and delivered counts, when forwarding

    def show(self, view: FlightView) -> None:
        self.views[view.label] = view

    def __rich__(self) -> RenderableType:
        table = Table(expand=True, pad_edge=False)
        for column in (
            "vehicle",
            "mode",
            "position",
            "alt",
            "speed",
            "battery",
            "waypoint",
            "",
            "fence",
            "link",
            "hits",
        ):
            table.add_column(column, no_wrap=True)
        for view in self.views.values():
            table.add_row(*_cells(view))
        lines: list[RenderableType] = [table, Text.from_markup(KEYS_HELP)]
        lines.append(Text(f"commands go to {self.selected}", style="dim"))
        if self.station:
            lines.append(
                Text(self.station, style="yellow" if "unreachable" in self.station else "")
            )
        if self.queued_question:
            lines.append(Text(self.queued_question, style="bold yellow"))
        return Group(*lines)


def _cells(view: FlightView) -> tuple[RenderableType, ...]:
    position = "-" if math.isnan(view.lat_deg) else f"{view.lat_deg:.6f}, {view.lon_deg:.6f}"
    battery = "-" if math.isnan(view.battery_pct) else f"{view.battery_pct:.0f} %"
    if not math.isnan(view.time_left_s):
        battery += f" ({view.time_left_s / 60:.0f} min)"
    battery_style = "red" if view.time_left_s < 120 else ""
    fence = "-" if math.isnan(view.fence_m) else f"{view.fence_m:.0f} m"
    return (
        view.label or "1",
        view.mode,
        position,
        "-" if math.isnan(view.alt_rel_m) else f"{view.alt_rel_m:.0f} m",
        f"{view.ground_speed_mps:.1f} m/s",
        Text(battery, style=battery_style),
        f"{min(view.item, view.items)}/{view.items}",
        ProgressBar(total=max(view.items, 1), completed=min(view.item, view.items), width=16),
        fence,
        Text("ok", style="green") if view.link_ok else Text("LOST", style="bold red"),
        str(view.hits),
    )
