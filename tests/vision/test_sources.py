"""Frame sources through OpenCV: a file read to its end, the latest frame winning, bad input."""

import time

import cv2
import numpy as np
import pytest

from patrol.vision.errors import VisionError
from patrol.vision.sources import FrameSource


def _video(path, frames=30):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (160, 120))
    for k in range(frames):
        image = np.full((120, 160, 3), 40, np.uint8)
        cv2.putText(image, str(k), (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(image)
    writer.release()
    return path


def test_a_file_is_read_to_its_end_and_the_latest_frame_wins(tmp_path):
    source = FrameSource(str(_video(tmp_path / "clip.avi")))
    try:
        deadline = time.monotonic() + 10
        while not source.ended and time.monotonic() < deadline:
            time.sleep(0.01)  # a slow consumer: it takes nothing while the file plays
        assert source.ended
        assert source.frames == 30
        taken = source.latest(1.0)
        assert taken is not None
        assert taken.index == 29  # only the newest is kept
        assert source.dropped == 29  # and the ones it replaced are counted
        assert taken.image.shape == (120, 160, 3)
        assert source.latest(0.1) is None  # nothing newer, and the file has ended
    finally:
        source.close()


def test_a_source_that_cannot_be_opened_says_so(tmp_path):
    with pytest.raises(VisionError, match="cannot be opened"):
        FrameSource(str(tmp_path / "missing.avi"))
