"""Motion detector for a hovering vehicle: frame differencing after ego-motion compensation.

A hovering vehicle still drifts and yaws a little, which moves the whole image. The previous
frame is warped onto the current one by the homography that ORB feature matches agree on
(RANSAC), so the ground cancels; what differs then is what moved. Blobs are gated by the size
a person or a car has at the current GSD, as in the thermal detector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from patrol.vision.detections import Detection, Image, Scene, grey
from patrol.vision.thermal import CLASS_AREAS_M2

MIN_MATCHES = 12


@dataclass
class MotionDetector:
    threshold: float = 30.0  # grey levels of difference
    name: str = "motion"
    _previous: Image | None = field(default=None, init=False)
    _orb: cv2.ORB = field(default_factory=lambda: cv2.ORB.create(800), init=False)
    _matcher: cv2.BFMatcher = field(
        default_factory=lambda: cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True), init=False
    )

    def _ego_motion(self, before: Image, now: Image) -> npt.NDArray[np.float64] | None:
        kp1, d1 = self._orb.detectAndCompute(before, None)
        kp2, d2 = self._orb.detectAndCompute(now, None)
        if d1 is None or d2 is None:
            return None
        matches = self._matcher.match(d1, d2)
        if len(matches) < MIN_MATCHES:
            return None
        src = np.array([kp1[m.queryIdx].pt for m in matches], np.float32).reshape(-1, 1, 2)
        dst = np.array([kp2[m.trainIdx].pt for m in matches], np.float32).reshape(-1, 1, 2)
        h, _mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
        return None if h is None else np.asarray(h, dtype=np.float64)

    def detect(self, image: Image, scene: Scene) -> list[Detection]:
        now: Image = np.asarray(cv2.GaussianBlur(grey(image), (5, 5), 0), dtype=np.uint8)
        before, self._previous = self._previous, now
        if before is None or before.shape != now.shape:
            return []
        h = self._ego_motion(before, now)
        if h is None:
            return []  # no agreement on how the view moved: say nothing rather than guess
        size = (now.shape[1], now.shape[0])
        warped = cv2.warpPerspective(before, h, size, borderMode=cv2.BORDER_CONSTANT)
        valid = cv2.warpPerspective(np.full_like(before, 255), h, size)
        valid = cv2.erode(valid, np.ones((9, 9), np.uint8))
        diff = np.asarray(cv2.absdiff(now, warped), dtype=np.uint8)
        raw = ((diff > self.threshold) & (valid > 0)).astype(np.uint8)
        moving = cv2.morphologyEx(raw, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        count, _labels, stats, _c = cv2.connectedComponentsWithStats(moving, connectivity=8)
        out = []
        for k in range(1, count):
            x, y, w, hh, area = (int(v) for v in stats[k])
            area_m2 = area * scene.gsd_m**2
            label = next(
                (c for c, (lo, hi) in CLASS_AREAS_M2.items() if lo <= area_m2 <= 2 * hi), None
            )
            if label is None:
                continue
            peak = float(diff[y : y + hh, x : x + w].max())
            out.append(Detection(x, y, w, hh, label, round(min(peak / 255.0 + 0.3, 0.99), 3)))
        return out
