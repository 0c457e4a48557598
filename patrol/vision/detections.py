"""What a detector reports, and the one interface every detector offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Detection:
    """A box in pixels (top-left corner, size), its class and the detector's confidence."""

    x_px: float
    y_px: float
    w_px: float
    h_px: float
    label: str
    confidence: float

    @property
    def centre_px(self) -> tuple[float, float]:
        return self.x_px + self.w_px / 2, self.y_px + self.h_px / 2


@dataclass(frozen=True, slots=True)
class Scene:
    """What a detector may know of the frame: metres per pixel at the image centre (from the
    altitude and the camera model), to gate blobs by the size a person or a car has there."""

    gsd_m: float


class Detector(Protocol):
    @property
    def name(self) -> str: ...

    def detect(self, image: Image, scene: Scene) -> list[Detection]: ...


def grey(image: Image) -> Image:
    """A single-channel view of `image` (thermal cameras often send three equal channels)."""
    import cv2

    if image.ndim == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return image
