"""What the libraries say (MAVSDK, OpenCV, FFmpeg), kept off the pilot's screen.

Left alone they print among patrol's own lines: MAVSDK its log (ANSI colours even into a pipe,
a 12-hour clock, debug chatter, an alarming "Connection to ground station lost" at every start),
OpenCV and FFmpeg their warnings when a stream opens or stalls. Instead each line goes into the
flight logs of the operation (their `library` table) and onto the screen only with --verbose.

Captured at the source: MAVSDK's lines through its log callback (`mavsdk_vehicle.mavsdk_log`),
with their level; whatever native code writes to file descriptor 2 (OpenCV's logger, FFmpeg's
default log callback, onnxruntime's) through a pipe read by a thread (`native_stderr`), while
Python's own `sys.stderr` keeps the real stderr. Both arrive on other threads and are handed
to the event loop's thread (`LibraryLog.take_threadsafe`), where the logs are written.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import IO

READER_JOIN_S = 2.0  # how long the end of a capture waits for the last lines
SYNC_S = 1.0  # how long a sync waits for the lines written before it
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_OPENCV = re.compile(r"\[\s*(VERBOSE|DEBUG|INFO|WARN|ERROR|FATAL)\s*:[^\]]*\]\s*(.*)")
_FFMPEG = re.compile(r"\[(\w+) @ (?:0x)?[0-9a-fA-F]+\]\s*(.*)")
_MAVSDK = re.compile(r"\[\d\d:\d\d:\d\d\|(\w+)\s*\]\s*(.*?)(?:\s+\([\w.]+:\d+\))?")


class Source(Enum):
    MAVSDK = "mavsdk"
    OPENCV = "opencv"
    FFMPEG = "ffmpeg"
    STDERR = "stderr"  # any other native code writing to stderr


class Level(Enum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_LEVEL_WORDS = {
    "verbose": Level.DEBUG,
    "debug": Level.DEBUG,
    "info": Level.INFO,
    "warn": Level.WARNING,
    "warning": Level.WARNING,
    "error": Level.ERROR,
    "fatal": Level.ERROR,
}


@dataclass(frozen=True, slots=True)
class LibraryLine:
    source: Source
    level: Level
    text: str
    at_s: float = field(default_factory=time.monotonic)  # when it was said (monotonic clock)

    def __str__(self) -> str:
        return f"{self.source.value} {self.level.value}: {self.text}"


def parse_native(raw: str) -> LibraryLine | None:
    """A line native code wrote to stderr, its colours stripped and its source told from its
    shape (OpenCV's `[ WARN:0@1.2] …`, FFmpeg's `[tcp @ 0x…] …`, MAVSDK's `[hh:mm:ss|Info ] …`);
    None for a blank line."""
    text = _ANSI.sub("", raw).strip()
    if not text:
        return None
    if m := _OPENCV.fullmatch(text):
        return LibraryLine(Source.OPENCV, _LEVEL_WORDS[m[1].lower()], m[2])
    if m := _FFMPEG.fullmatch(text):
        # OpenCV sets FFmpeg's level to errors (unless OPENCV_FFMPEG_LOGLEVEL says otherwise)
        return LibraryLine(Source.FFMPEG, Level.ERROR, f"{m[1]}: {m[2]}")
    if m := _MAVSDK.fullmatch(text):
        return LibraryLine(Source.MAVSDK, _LEVEL_WORDS.get(m[1].lower(), Level.INFO), m[2])
    return LibraryLine(Source.STDERR, Level.WARNING, text)


class LibraryLog:
    """Where library lines go, on the event loop's thread: the flight logs attached (none for
    `check`), and `show` when the pilot asked for them (--verbose). Make it on the loop.

    Lines from other threads wait in a queue for the loop (`take_threadsafe`). Before the logs
    close, `detach` settles: each source's `syncs` make sure what it was handed has reached the
    queue (a video refused at start-up closes the logs right after FFmpeg's complaint)."""

    def __init__(self, show: Callable[[LibraryLine], None] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._show = show
        self._sinks: list[Callable[[LibraryLine], None]] = []
        self._queue: queue.SimpleQueue[LibraryLine] = queue.SimpleQueue()
        self.syncs: list[Callable[[], None]] = []

    def attach(self, sinks: Sequence[Callable[[LibraryLine], None]]) -> None:
        """Write each line from now on into every one of `sinks` (the flight logs)."""
        self._sinks = list(sinks)

    def detach(self) -> None:
        """Before the logs close: what was said until now goes in; later lines are only shown
        (or dropped)."""
        for sync in self.syncs:
            sync()
        self.drain()
        self._sinks = []

    def take(self, line: LibraryLine) -> None:
        for sink in self._sinks:
            sink(line)
        if self._show is not None:
            self._show(line)

    def take_threadsafe(self, line: LibraryLine) -> None:
        """`take`, from any thread, soon; after the loop has closed, never."""
        self._queue.put(line)
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.drain)

    def drain(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self.take(self._queue.get_nowait())


class StderrCapture:
    """File descriptor 2 led into a pipe that a thread reads line by line (`native_stderr`)."""

    def __init__(self, take: Callable[[LibraryLine], None]) -> None:
        self._take = take
        self._saved = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._active = True
        self._synced: dict[bytes, threading.Event] = {}  # markers on their way
        self._count = 0
        self._reader = threading.Thread(
            target=self._read, args=(read_fd,), name="native stderr", daemon=True
        )
        self._reader.start()

    def real_stderr(self) -> IO[str]:
        """A text stream to the stderr the capture replaced (for Python's own `sys.stderr`)."""
        return open(
            os.dup(self._saved), "w", encoding="utf-8", errors="backslashreplace", buffering=1
        )

    def sync(self, timeout_s: float = SYNC_S) -> None:
        """Return once every line written to descriptor 2 before the call has been taken (a
        marker written after them has come through the pipe), or after `timeout_s`. Call it
        from the thread that closes the capture."""
        if not self._active:
            return
        self._count += 1
        marker = b"\0patrol sync %d\0" % self._count
        reached = self._synced[marker] = threading.Event()
        os.write(2, b"\n" + marker + b"\n")  # on a line of its own, after any partial line
        reached.wait(timeout_s)

    def close(self) -> None:
        self._active = False
        os.dup2(self._saved, 2)  # the pipe's last write end closes: the reader sees its end
        os.close(self._saved)
        self._reader.join(READER_JOIN_S)

    def _read(self, read_fd: int) -> None:
        pending = b""
        with open(read_fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for raw in lines:
                    self._line(raw)
        self._line(pending)

    def _line(self, raw: bytes) -> None:
        if (reached := self._synced.pop(raw, None)) is not None:
            reached.set()
            return
        line = parse_native(raw.decode("utf-8", "replace").rstrip("\r"))
        if line is not None:
            self._take(line)


@contextlib.contextmanager
def native_stderr(take: Callable[[LibraryLine], None]) -> Iterator[StderrCapture]:
    """Lead file descriptor 2 into `take`, one `LibraryLine` per line, until the end of the
    block. Python's own `sys.stderr`, if it wrote to descriptor 2, writes to the real stderr
    meanwhile (warnings, tracebacks, patrol's own errors stay visible)."""
    python_stderr = sys.stderr
    with contextlib.suppress(OSError, ValueError, AttributeError):
        python_stderr.flush()
    capture = StderrCapture(take)
    replaced = capture.real_stderr() if _writes_to_fd2(python_stderr) else None
    if replaced is not None:
        sys.stderr = replaced
    try:
        yield capture
    finally:
        if replaced is not None:
            sys.stderr = python_stderr
            replaced.close()
        capture.close()


def _writes_to_fd2(stream: IO[str]) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):  # a test runner's in-memory stream
        return False
