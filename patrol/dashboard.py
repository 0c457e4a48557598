"""The live dashboard drawn while flying on a terminal: one row per vehicle, the keys below.

It only draws `FlightView`s it is handed; the flight loop decides what they say. Messages
(`say`) print above it, so the dashboard stays at the bottom of the terminal as in MAVProxy.

It is laid out for the width it is given: at 80 columns every essential figure (mode,
altitude, speed, battery and time left, item k/N, distance to the fence, link, hits) fits in
full, units in the headings; wider terminals add the autopilot's own mode name, the position
and a progress bar. Nothing essential is ever cut short: the columns that make room are the
optional ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from patrol.pilot import FlightView

PROGRESS_COLS = 12
TIME_LEFT_WARN_S = 120.0


KEYS_FULL = (
    "keys: [b]p[/] pause (hold)  [b]c[/] continue  [b]r r[/] return  [b]l l[/] land  "
    "[b]1-9[/] pick a vehicle  [b]a[/] all  [b]Ctrl-C[/] return or leave"
)
KEYS_SHORT = (
    "[b]p[/] hold [b]c[/] continue [b]rr[/] return [b]ll[/] land "
    "[b]1-9[/] vehicle [b]a[/] all [b]^C[/] return/leave"
)


def keys_help(width: int) -> Text:
    """The keys on one line: spelled out when the width has room."""
    full = Text.from_markup(KEYS_FULL)
    return full if full.cell_len <= width else Text.from_markup(KEYS_SHORT)


class Dashboard:
    """Holds the latest view of each vehicle; rich redraws it through `__rich_console__`."""

    def __init__(self) -> None:
        self.views: dict[str, FlightView] = {}
        self.selected: str = "all vehicles"
        self.queued_question: str = ""
        self.station: str = ""  # the sender's queued and delivered counts, when forwarding
        self.pending: str = ""  # a key waiting for its confirmation

    def show(self, view: FlightView) -> None:
        self.views[view.label] = view

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        views = [self.views[label] for label in sorted(self.views)]  # vehicle 1 first
        lines: list[RenderableType] = [table(views, width), keys_help(width)]
        lines.append(Text(f"commands go to {self.selected}", style="dim"))
        if self.station:
            style = "yellow" if "unreachable" in self.station else ""
            lines.append(Text(self.station, style=style))
        if self.pending:
            lines.append(Text(self.pending, style="bold yellow"))
        if self.queued_question:
            lines.append(Text(self.queued_question, style="bold yellow"))
        yield Group(*lines)


@dataclass(frozen=True, slots=True)
class _Column:
    heading: str
    cell: Callable[[FlightView], RenderableType]
    right: bool = False  # figures line up on the right


def _vehicle(view: FlightView) -> Text:
    return Text(" ".join(part for part in (view.label, view.name) if part) or "vehicle")


def _mode(view: FlightView) -> Text:
    return Text(view.mode, style="bold" if view.mode in ("return", "land") else "")


def _mode_named(view: FlightView) -> Text:
    text = _mode(view)
    if view.mode_name and view.mode_name.lower() != view.mode:
        text.append(f" ({view.mode_name})", style="dim")
    return text


def _number(value: float, fmt: str) -> str:
    return "-" if math.isnan(value) else format(value, fmt)


def _battery(view: FlightView) -> Text:
    text = "-" if math.isnan(view.battery_pct) else f"{view.battery_pct:.0f}%"
    if not math.isnan(view.time_left_s):
        text += f" {view.time_left_s / 60:.0f} min"
    return Text(text, style="red" if view.time_left_s < TIME_LEFT_WARN_S else "")


def _item(view: FlightView) -> str:
    return f"{min(view.item, view.items)}/{view.items}"


def _position(view: FlightView) -> str:
    if math.isnan(view.lat_deg):
        return "-"
    return f"{view.lat_deg:.6f}, {view.lon_deg:.6f}"


def _progress(view: FlightView) -> ProgressBar:
    done = min(view.item, view.items)
    return ProgressBar(total=max(view.items, 1), completed=done, width=PROGRESS_COLS)


def _link(view: FlightView) -> Text:
    return Text("ok", style="green") if view.link_ok else Text("LOST", style="bold red")


def _essential(named_modes: bool) -> list[_Column]:
    return [
        _Column("vehicle", _vehicle),
        _Column("mode", _mode_named if named_modes else _mode),
        _Column("alt m", lambda v: Text(_number(v.alt_rel_m, ".0f")), right=True),
        _Column("m/s", lambda v: Text(_number(v.ground_speed_mps, ".1f")), right=True),
        _Column("battery", _battery),
        _Column("item", lambda v: Text(_item(v)), right=True),
        _Column("fence m", lambda v: Text(_number(v.fence_m, ".0f")), right=True),
        _Column("link", _link),
        _Column("hits", lambda v: Text(str(v.hits)), right=True),
    ]


PROGRESS = _Column("", _progress)
POSITION = _Column("position", lambda v: Text(_position(v)))


def _width(column: _Column, views: list[FlightView]) -> int:
    """The cells a column takes, its one space after included."""
    if column is PROGRESS:
        return PROGRESS_COLS + 1
    cells = [column.cell(v) for v in views]
    return max([len(column.heading)] + [c.cell_len for c in cells if isinstance(c, Text)]) + 1


def columns(views: list[FlightView], width: int) -> list[_Column]:
    """The columns drawn at `width`: the essentials always, then, while they fit, the
    autopilot's mode names, the position and a progress bar."""
    chosen = _essential(named_modes=False)
    for more in ("names", "position", "progress"):
        trial = list(chosen)
        if more == "names":
            trial = _essential(named_modes=True)
        elif more == "position":
            trial.append(POSITION)
        else:
            trial.insert(6, PROGRESS)
        if sum(_width(c, views) for c in trial) - 1 <= width:
            chosen = trial
    return chosen


def table(views: list[FlightView], width: int) -> Table:
    """One row per vehicle, the columns `width` has room for, one space between them."""
    grid = Table(box=None, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    chosen = columns(views, width)
    for column in chosen:
        justify: Literal["left", "right"] = "right" if column.right else "left"
        grid.add_column(column.heading, no_wrap=True, justify=justify, header_style="bold")
    for view in views:
        grid.add_row(*(column.cell(view) for column in chosen))
    return grid
