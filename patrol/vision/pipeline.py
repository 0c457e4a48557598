"""Detection beside a flight, never in its way: a worker thread from frame to hit.

The flight loop feeds poses in and takes hits out; the worker takes the latest frame, looks up
the pose at its capture time, detects, geo-references each detection, crops a snapshot and hands
the sighting to the tracker. OpenCV releases the GIL while it works, so the flight loop keeps its
timing. Anything that stops detection (a stream that cannot be opened or ends, a detector that
fails) turns it off with one line in `status`, and the flight goes on.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2

from geofence.fence import LocalFence
from patrol.vision.detections import Detection, Detector, Image, Scene
from patrol.vision.errors import VisionError
from patrol.vision.georef import Intrinsics, Mount, Uncertainty, ground_point
from patrol.vision.poses import PoseHistory
from patrol.vision.sources import FrameSource
from patrol.vision.tracker import Hit, Sighting, Tracker

#: Below this the vehicle is taking off or landing at the station: nothing to look for, and
#: the ground fills the frame with blobs of a person's size in pixels.
MIN_ALT_M = 10.0
SNAPSHOT_CONTEXT = 1.5  # the crop is this many box sizes around the box
SNAPSHOT_MIN_PX = 64
JPEG_QUALITY = 85


@dataclass
class VisionStats:
    frames: int = 0
    detections: int = 0
    no_pose: int = 0
    latencies_s: list[float] = field(default_factory=list)  # capture to sighting


def snapshot(image: Image, d: Detection) -> bytes:
    """A JPEG crop around the detection, with context."""
    cx, cy = d.centre_px
    half = max(d.w_px, d.h_px, SNAPSHOT_MIN_PX / 2) * SNAPSHOT_CONTEXT
    h, w = image.shape[:2]
    x0, x1 = int(max(cx - half, 0)), int(min(cx + half, w))
    y0, y1 = int(max(cy - half, 0)), int(min(cy + half, h))
    ok, data = cv2.imencode(".jpg", image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return bytes(data) if ok else b""


class VisionRun:
    """One vehicle's detection for one flight."""

    def __init__(
        self,
        video: str,
        make_detector: Callable[[], Detector],
        intrinsics: Intrinsics,
        mount: Mount,
        fence: LocalFence,
        uncertainty: Uncertainty | None = None,
        zone_of: Callable[[float, float], str | None] | None = None,
    ) -> None:
        self.video = video
        #: The name of the zone a local (east, north) point lies in, for the station's reports.
        self.zone_of = zone_of or (lambda east_m, north_m: None)
        self.make_detector = make_detector
        self.intrinsics, self.mount = intrinsics, mount
        self.uncertainty = uncertainty or Uncertainty()
        self.history = PoseHistory()
        self.tracker = Tracker(fence)
        self.hits: queue.SimpleQueue[Hit] = queue.SimpleQueue()
        self.stats = VisionStats()
        self.status = "starting"
        self.source: FrameSource | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker, which opens the detector and the video (either can take seconds:
        not on the flight loop's time); a failure is said in `status` and detection stays off."""
        self._thread = threading.Thread(target=self._work, name="vision", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        if self.source is not None:
            self.source.close()

    @property
    def dropped_frames(self) -> int:
        return 0 if self.source is None else self.source.dropped

    def _work(self) -> None:
        try:
            detector = self.make_detector()
            self.source = FrameSource(self.video)
        except VisionError as exc:
            self.status = f"off: {exc}"
            return
        self.status = f"watching {self.video} with {detector.name}"
        while not self._stop.is_set():
            captured = self.source.latest(0.5)
            if captured is None:
                if self.source.ended:
                    self.status = f"off: video {self.video}: {self.source.error}"
                    return
                continue
            try:
                self._frame(detector, captured.image, captured.capture_s)
            except (VisionError, cv2.error) as exc:
                self.status = f"off: detector {detector.name} failed: {exc}"
                return

    def _frame(self, detector: Detector, image: Image, capture_s: float) -> None:
        self.stats.frames += 1
        pose = self.history.at(capture_s)
        if pose is None or pose.up_m < MIN_ALT_M:
            self.stats.no_pose += 1
            return
        scene = Scene(self.intrinsics.gsd_m(pose.up_m))
        for d in detector.detect(image, scene):
            self.stats.detections += 1
            point = ground_point(*d.centre_px, pose, self.intrinsics, self.mount, self.uncertainty)
            if point is None:
                continue
            sighting = Sighting(
                capture_s,
                point.east_m,
                point.north_m,
                point.error_m,
                d.label,
                d.confidence,
                snapshot(image, d),
            )
            hit = self.tracker.add(sighting)
            self.stats.latencies_s.append(time.monotonic() - capture_s)
            if hit is not None:
                self.hits.put(hit)
