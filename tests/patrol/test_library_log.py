"""Library lines: told apart by their shape, caught from file descriptor 2 (real writes, and
real OpenCV/FFmpeg), handed over from other threads, and kept in the flight log."""

import os
import sqlite3
import threading

import cv2
import pytest

from patrol import flightlog
from patrol.flightlog import FlightLog
from patrol.library_log import Level, LibraryLine, LibraryLog, Source, native_stderr, parse_native
from sim.ports import free_tcp_port


@pytest.mark.parametrize(
    ("raw", "source", "level", "text"),
    [
        (
            "[ WARN:0@0.022] global cap.cpp:212 open VIDEOIO(FFMPEG): backend is generally "
            "available but can't be used to capture by name",
            Source.OPENCV,
            Level.WARNING,
            "global cap.cpp:212 open VIDEOIO(FFMPEG): backend is generally available but "
            "can't be used to capture by name",
        ),
        (
            "[tcp @ 0x55d7abeade80] Connection to tcp://127.0.0.1:1 failed: Connection refused",
            Source.FFMPEG,
            Level.ERROR,
            "tcp: Connection to tcp://127.0.0.1:1 failed: Connection refused",
        ),
        (
            "\x1b[33m[02:22:56|Warn ] \x1b[0mHeartbeats timed out (system_impl.cpp:301)",
            Source.MAVSDK,
            Level.WARNING,
            "Heartbeats timed out",
        ),
        ("something else entirely", Source.STDERR, Level.WARNING, "something else entirely"),
    ],
    ids=["opencv", "ffmpeg", "mavsdk", "other"],
)
def test_a_native_line_is_told_by_its_shape(raw, source, level, text):
    line = parse_native(raw)
    assert (line.source, line.level, line.text) == (source, level, text)
    assert str(line) == f"{source.value} {level.value}: {text}"


def test_blank_lines_and_bare_colour_codes_are_nothing():
    assert parse_native("") is None
    assert parse_native("  \x1b[0m \t") is None


def test_what_native_code_writes_to_fd_2_is_taken_line_by_line():
    taken = []
    with native_stderr(taken.append) as capture:
        os.write(2, b"[ERROR:0@1.5] global a.cpp (3) f broken\nfirst half, ")
        os.write(2, b"second half\n\nno newline at the end")
        capture.sync()
        assert [str(t) for t in taken] == [
            "opencv error: global a.cpp (3) f broken",
            "stderr warning: first half, second half",
            "stderr warning: no newline at the end",  # ended by the sync's marker
        ]
    assert len(taken) == 3  # the marker itself is never a line


def test_opencv_and_ffmpeg_are_caught_where_they_write():
    taken = []
    with native_stderr(taken.append) as capture:
        cv2.VideoCapture(f"http://127.0.0.1:{free_tcp_port()}/video.mjpg").release()
        capture.sync()
    assert any(t.source is Source.FFMPEG and "Connection to" in t.text for t in taken)


@pytest.mark.anyio
async def test_lines_from_other_threads_reach_the_logs_before_they_close():
    kept, shown = [], []
    library = LibraryLog(shown.append)
    library.attach([kept.append])
    said = LibraryLine(Source.MAVSDK, Level.INFO, "New system on: 127.0.0.1:14580")
    thread = threading.Thread(target=library.take_threadsafe, args=(said,))
    thread.start()
    thread.join()
    library.detach()  # no await in between: detach itself drains the queue
    assert kept == [said]
    assert shown == [said]
    library.take(LibraryLine(Source.OPENCV, Level.WARNING, "after"))
    assert kept == [said]  # detached: shown only
    assert len(shown) == 2


def test_the_flight_log_keeps_lines_up_to_its_limit_and_counts_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(flightlog, "LIBRARY_LINES_KEPT", 3)
    log = FlightLog(tmp_path / "f.sqlite", {})
    for k in range(5):
        log.library(LibraryLine(Source.FFMPEG, Level.ERROR, f"mjpeg: error {k}"))
    log.close()
    db = sqlite3.connect(tmp_path / "f.sqlite")
    rows = db.execute("SELECT source, level, text FROM library ORDER BY rowid").fetchall()
    db.close()
    assert rows == [
        ("ffmpeg", "error", "mjpeg: error 0"),
        ("ffmpeg", "error", "mjpeg: error 1"),
        ("ffmpeg", "error", "mjpeg: error 2"),
        ("patrol", "warning", "2 more lines not kept"),
    ]
