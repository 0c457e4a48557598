"""`patrol` run on a pseudo-terminal, as a pilot runs it: what it draws, and keys typed in."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading

import anyio
import pyte


class Terminal:
    def __init__(self, *args: str, cols: int = 180, rows: int = 50) -> None:
        self.cols, self.rows = cols, rows
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = os.environ | {"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "patrol", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self._out = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self._out.extend(data)

    @property
    def text(self) -> str:
        return self._out.decode(errors="replace")

    def screen(self) -> list[str]:
        """The screen as the pilot sees it now: everything drawn so far, played through a
        terminal emulator of this terminal's size."""
        screen = pyte.Screen(self.cols, self.rows)
        pyte.ByteStream(screen).feed(bytes(self._out))
        return [line.rstrip() for line in screen.display]

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    async def until(self, ready, timeout_s: float, what: str) -> None:
        with anyio.move_on_after(timeout_s):
            while not ready():  # noqa: ASYNC110 (polling another process's state)
                await anyio.sleep(0.02)
            return
        raise AssertionError(f"waited {timeout_s} s for {what}; the terminal shows:\n{self.text}")

    async def exit_code(self, timeout_s: float = 30.0) -> int:
        await self.until(lambda: self.proc.poll() is not None, timeout_s, "the exit")
        return int(self.proc.returncode)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
