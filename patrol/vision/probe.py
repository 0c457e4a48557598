"""Detection tried once on the ground, before anything is armed.

In flight, a video that cannot be opened or a model that cannot be loaded only turns
detection off (the flight must go on). On the ground the same faults are the pilot's to mend:
the probe opens the video, waits a bounded time for a frame, makes the detector and runs it on
that frame, and refuses the start with one line naming the option.
"""

from __future__ import annotations

import cv2

from patrol.errors import RefusedError
from patrol.vision.detections import Scene
from patrol.vision.errors import VisionError
from patrol.vision.pipeline import VisionRun
from patrol.vision.sources import FrameSource

#: How long the video may take to give its first frame (a stream may need a key frame).
FIRST_FRAME_S = 10.0
#: The altitude whose ground sample distance the probe's detector run assumes.
PROBE_ALT_M = 40.0
DETECTOR_HINT = "give a YOLO .onnx export as onnx:PATH, or --detector thermal or motion"


def probe(run: VisionRun, first_frame_s: float = FIRST_FRAME_S) -> str:
    """Open `run`'s video, take a frame and run its detector on it (blocking: call it from a
    worker thread). Returns what was found, in one line; raises RefusedError."""
    try:
        detector = run.make_detector()
    except VisionError as exc:
        raise RefusedError("--detector", f"{exc}; {DETECTOR_HINT}") from None
    try:
        source = FrameSource(run.video)
    except (VisionError, cv2.error) as exc:
        raise RefusedError("--video", str(exc).strip().splitlines()[-1]) from None
    try:
        captured = source.latest(first_frame_s)
        if captured is None:
            why = source.error or f"no frame within {first_frame_s:g} s"
            raise RefusedError(
                "--video",
                f"video {run.video}: {why}; check the camera, the stream URL or the file",
            )
    finally:
        source.close()
    height_px, width_px = captured.image.shape[:2]
    try:
        found = detector.detect(captured.image, Scene(run.intrinsics.gsd_m(PROBE_ALT_M)))
    except (VisionError, cv2.error) as exc:
        raise RefusedError(
            "--detector",
            f"{detector.name} failed on the first frame of {run.video} ({exc}); {DETECTOR_HINT}",
        ) from None
    return (
        f"video {run.video}: {width_px}x{height_px}; detector {detector.name} ran on its "
        f"first frame ({len(found)} found)"
    )
