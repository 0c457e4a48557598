"""The pilot's screen: one console per command, and the times on it.

On a terminal rich wraps at its width. Without one (a pipe, a file, CI) it would wrap at 80
columns and split paths and URLs that pilots copy, so lines are never wrapped there. Times on
screen are local wall-clock time, in one zone, said once; the flight log keeps UTC.
"""

from __future__ import annotations

import time
from datetime import datetime

from rich.console import Console


def make_console() -> Console:
    """A console that wraps only on a terminal (a pipe gets whole lines)."""
    console = Console()
    console.soft_wrap = not console.is_terminal
    return console


def clock(at_s: float | None = None) -> str:
    """Local time of day, HH:MM:SS (24-hour), of `at_s` (seconds since the epoch) or now."""
    return time.strftime("%H:%M:%S", time.localtime(at_s))


def stamped(text: str, at_s: float | None = None) -> str:
    return f"[{clock(at_s)}] {text}"


def local_zone() -> str:
    """The zone of `clock`, e.g. 'UTC+07:00' or 'UTC-03:30 (NDT)' when it has a name."""
    now = datetime.now().astimezone()
    offset = now.strftime("%z")
    name = now.tzname() or ""
    zone = f"UTC{offset[:3]}:{offset[3:]}"
    return f"{zone} ({name})" if name.isalpha() and name != "UTC" else zone
