"""The pilot's screen: one console per command, and the times on it.

On a terminal rich wraps at its width. Without one (a pipe, a file, CI) it would wrap at 80
columns and split paths and URLs that pilots copy, so lines are never wrapped there. Times on
screen are local wall-clock time, in one zone, said once; the flight log keeps UTC.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from typing import IO, Any, TextIO, cast

from rich.console import Console


class ReaderGone:
    """Standard output that outlives its reader: when the pipe's reader exits (`| tee` killed
    by the same Ctrl-C) or the terminal hangs up, writes go to /dev/null instead of raising
    in the middle of a return; the flight log keeps everything."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            self._silence()

    def _silence(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def make_console() -> Console:
    """A console that wraps only on a terminal (a pipe gets whole lines) and keeps going when
    its reader is gone."""
    console = Console(file=cast(IO[str], ReaderGone(sys.stdout)))
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
