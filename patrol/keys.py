"""Single keys from the terminal while flying, without Enter, and the Ctrl-C question.

The terminal is put in cbreak mode (keys arrive one by one, Ctrl-C still raises SIGINT) and
restored on the way out, whatever happens. Keys are read by the event loop's reader callback,
so nothing blocks the flight loop.
"""

from __future__ import annotations

import asyncio
import os
import termios
import tty
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from patrol.pilot import PilotCommand

COMMAND_KEYS = {
    "p": PilotCommand.HOLD,
    " ": PilotCommand.HOLD,
    "c": PilotCommand.RESUME,
    "r": PilotCommand.RETURN,
    "l": PilotCommand.LAND,
}
#: How long the Ctrl-C question waits before taking its default (return to launch).
QUESTION_TIMEOUT_S = 10.0
#: Keys that end a patrol early: acted on only when pressed twice within `CONFIRM_S`, as a
#: stray keystroke must not bring a vehicle home or down.
CONFIRMED_KEYS = frozenset({"r", "l"})
CONFIRM_S = 5.0
#: What `Keys.next` gives for bytes that came in one read (a paste, an arrow or function key's
#: escape sequence): never a command, whatever letters it holds. The count follows it.
BURST = "<burst>"


class Confirming:
    """The second-key rule for `CONFIRMED_KEYS` (pure: the caller gives the time)."""

    def __init__(self) -> None:
        self.waiting: str | None = None
        self._since_s = 0.0

    def press(self, key: str, now_s: float) -> bool:
        """True when `key` is to be acted on now. A first r or l returns False and waits for
        its second; any other key (acted on as usual) cancels it, as does `CONFIRM_S`."""
        if self.waiting is not None and now_s - self._since_s > CONFIRM_S:
            self.waiting = None
        if key not in CONFIRMED_KEYS:
            self.waiting = None
            return True
        if self.waiting == key:
            self.waiting = None
            return True
        self.waiting, self._since_s = key, now_s
        return False

    def expired(self, now_s: float) -> bool:
        """A first key whose second did not come in time (cleared by this call)."""
        if self.waiting is not None and now_s - self._since_s > CONFIRM_S:
            self.waiting = None
            return True
        return False


class Keys:
    """Keys typed on a terminal, queued as they arrive."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._typed: deque[str] = deque()
        self._arrived = anyio.Event()

    def _on_readable(self) -> None:
        try:
            data = os.read(self.fd, 64)
        except OSError:
            return
        if len(data) > 1:  # a paste, an escape sequence, a multi-byte character: not a key
            self._typed.append(f"{BURST}{len(data)}")
        else:
            self._typed.extend(data.decode(errors="replace").lower())
        self._arrived.set()

    async def next(self, timeout_s: float | None = None) -> str | None:
        """The next key, or None when `timeout_s` passes first."""
        with anyio.move_on_after(timeout_s):
            while not self._typed:
                self._arrived = anyio.Event()
                await self._arrived.wait()
            return self._typed.popleft()
        return None


@contextmanager
def terminal_keys(fd: int) -> Iterator[Keys]:
    """Read single keys from `fd` (a terminal) for the life of the block."""
    saved = termios.tcgetattr(fd)
    loop = asyncio.get_running_loop()
    keys = Keys(fd)
    tty.setcbreak(fd)
    loop.add_reader(fd, keys._on_readable)
    try:
        yield keys
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def leave_answer(key: str | None) -> bool:
    """The Ctrl-C question's answer: only 'n' or 'm' leave the vehicle on its mission; Enter,
    'y', any other key or no answer in time return it."""
    return key in ("n", "m")
