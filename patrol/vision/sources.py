"""Frame sources through OpenCV: a file, a stream URL (RTSP, UDP, HTTP/MJPEG), a device index.

A grabber thread reads as fast as the source gives frames and keeps only the latest, stamped
with the monotonic time it arrived (the clock the telemetry uses): when detection is slower
than the camera, the latest frame wins and the overwritten ones are counted as dropped. A
stream that stops is reopened with a growing pause; a file that ends, ends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from patrol.vision.detections import Image
from patrol.vision.errors import VisionError

REOPEN_S = (0.5, 1.0, 2.0, 4.0)
TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class Captured:
    image: Image
    capture_s: float  # time.monotonic() when it arrived
    index: int


def _target(spec: str) -> str | int:
    return int(spec) if spec.isdigit() else spec


def _is_file(spec: str) -> bool:
    return "://" not in spec and not spec.isdigit()


class FrameSource:
    """The latest frame of one OpenCV capture, kept by a background thread."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.frames = 0
        self.dropped = 0
        self.reopened = 0
        self.ended = False
        self.error = ""
        self._latest: Captured | None = None
        self._taken = True
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._capture = self._open()
        self._thread = threading.Thread(target=self._grab, name=f"frames {spec}", daemon=True)
        self._thread.start()

    def _capture_of(self) -> cv2.VideoCapture:
        target = _target(self.spec)
        if isinstance(target, int):
            return cv2.VideoCapture(target)
        # bounded waits, so a dead stream is noticed and reopened rather than hung on
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            TIMEOUT_MS,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            TIMEOUT_MS,
        ]
        return cv2.VideoCapture(target, cv2.CAP_ANY, params)

    def _open(self) -> cv2.VideoCapture:
        capture = self._capture_of()
        if not capture.isOpened():
            capture.release()
            raise VisionError(
                f"video {self.spec}: cannot be opened (a file, a stream URL such as "
                "rtsp://host/stream or http://host/video.mjpg, or a device number)"
            )
        return capture

    def _grab(self) -> None:
        """The only thread that touches the capture: it also releases it, on the way out."""
        try:
            self._grab_until_stopped()
        finally:
            self._capture.release()

    def _grab_until_stopped(self) -> None:
        failures = 0
        while not self._stop.is_set():
            ok, image = self._capture.read()
            if ok and image is not None:
                failures = 0
                with self._lock:
                    if not self._taken:
                        self.dropped += 1
                    self._latest = Captured(
                        np.asarray(image, np.uint8), time.monotonic(), self.frames
                    )
                    self._taken = False
                    self.frames += 1
                    self._lock.notify_all()
                continue
            if _is_file(self.spec):
                self._finish("the file ended")
                return
            self._capture.release()
            pause = REOPEN_S[min(failures, len(REOPEN_S) - 1)]
            failures += 1
            if self._stop.wait(pause):
                return
            self._capture = self._capture_of()
            self.reopened += 1

    def _finish(self, why: str) -> None:
        with self._lock:
            self.ended, self.error = True, why
            self._lock.notify_all()

    def latest(self, timeout_s: float) -> Captured | None:
        """The newest frame not yet taken, waiting up to `timeout_s` for one."""
        with self._lock:
            if self._taken and not self.ended:
                self._lock.wait(timeout_s)
            if self._taken or self._latest is None:
                return None
            self._taken = True
            return self._latest

    def close(self) -> None:
        """Ask the grabber to stop; it releases the capture itself (releasing it from here
        while it reads would pull the stream from under it)."""
        self._stop.set()
        self._thread.join(timeout=TIMEOUT_MS / 1000 + 1.0)
