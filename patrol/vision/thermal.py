"""Thermal detector: hot spots against the local background, gated by plausible size.

Each pixel is compared with the mean and spread of its neighbourhood (box filters, so the cost
does not grow with the window). A first pass finds what is clearly hot; the second measures the
background without it, so that a large warm target (a car) does not raise its own background
and come out in pieces. Pixels well above that background make blobs; a blob is kept when its
area on the ground (pixels x GSD^2) is that of a person or a car, and labelled by which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from patrol.vision.detections import Detection, Image, Scene, grey

#: Ground area ranges (m^2) of what the patrol looks for, seen from above.
CLASS_AREAS_M2 = {"person": (0.04, 1.2), "car": (2.5, 20.0)}
#: The longest side of a blob's box (m): a car seen at any heading fits in 7 m.
CLASS_EXTENT_M = {"person": 1.6, "car": 7.0}
#: The background window spans this many metres on the ground (a few car lengths).
WINDOW_M = 16.0
#: What counts as clearly hot in the first pass, in multiples of `min_delta`: well above the
#: ground texture, so that masking it leaves the background spread honest.
MASK_DELTA_FACTOR = 2.0


@dataclass(frozen=True, slots=True)
class ThermalDetector:
    z_threshold: float = 4.0  # standard deviations above the local mean
    min_delta: float = 25.0  # and at least this many grey levels
    #: Weaker blobs are the ground's own warm patches (people and cars score 0.85 and up in the
    #: simulator's frames; bare ground's strongest patches 0.4-0.55).
    min_confidence: float = 0.6
    name: str = "thermal"

    def detect(self, image: Image, scene: Scene) -> list[Detection]:
        g = grey(image).astype(np.float32)
        side = int(np.clip(WINDOW_M / max(scene.gsd_m, 1e-6), 15, 401)) | 1
        window = (side, side)
        mean = cv2.boxFilter(g, -1, window, borderType=cv2.BORDER_REFLECT)
        clearly = MASK_DELTA_FACTOR * self.min_delta
        ground = float(np.median(g[::4, ::4]))  # a hot area larger than the window hides locally
        first = ((g - mean) > clearly) | ((g - ground) > clearly)
        if not first.any():
            return []
        background = (~first).astype(np.float32)
        share = np.maximum(
            cv2.boxFilter(background, -1, window, borderType=cv2.BORDER_REFLECT), 1e-3
        )
        bg = g * background
        mean = cv2.boxFilter(bg, -1, window, borderType=cv2.BORDER_REFLECT) / share
        square = cv2.boxFilter(bg * g, -1, window, borderType=cv2.BORDER_REFLECT) / share
        sigma = np.sqrt(np.maximum(square - mean * mean, 1.0))
        excess = g - mean
        hot = ((excess > self.z_threshold * sigma) & (excess > self.min_delta)).astype(np.uint8)
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(hot, connectivity=8)
        out = []
        px_area_m2 = scene.gsd_m**2
        for k in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[k])
            area_m2 = area * px_area_m2
            extent_m = max(w, h) * scene.gsd_m
            label = next(
                (
                    c
                    for c, (lo, hi) in CLASS_AREAS_M2.items()
                    if lo <= area_m2 <= hi and extent_m <= CLASS_EXTENT_M[c]
                ),
                None,
            )
            if label is None:
                continue
            patch = excess[y : y + h, x : x + w]
            z = float(patch.max() / max(float(sigma[y + h // 2, x + w // 2]), 1.0))
            confidence = 1.0 - math.exp(-max(z - self.z_threshold + 1.0, 0.0) / 3.0)
            if confidence >= self.min_confidence:
                out.append(Detection(x, y, w, h, label, round(min(confidence, 0.99), 3)))
        return out
