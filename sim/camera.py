"""The simulated camera: a pinhole on a stabilised gimbal, rendering what the vehicle sees.

Ground is flat at home altitude, so ground -> image is a homography H = K R M (intrinsics,
camera axes, translation to the camera). The ground texture is one tile warped through H with
wrap-around; targets are filled as their projected footprints; sensor noise comes from a
precomputed bank at a random offset. A thermal frame is cool textured ground with warm targets;
a colour frame is grass and pavement with clothing and paint. Every frame carries its sim
capture time and the true pose, for scoring what a detector and geo-referencing made of it.
The same model answers `project`, which tests use to say where a target must appear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np
import numpy.typing as npt

from missions.camera import Camera
from sim.targets import Target, TargetClass

TEXTURE_PX = 512
TEXTURE_M_PER_PX = 0.05  # one tile covers 25.6 m
NOISE_BANK = 4


class View(Enum):
    THERMAL = "thermal"
    COLOUR = "colour"


@dataclass(frozen=True, slots=True)
class CameraPose:
    """Where the camera is (metres east/north/up of home) and where it looks."""

    east_m: float
    north_m: float
    up_m: float
    yaw_rad: float  # heading of the image's up direction, 0 north, clockwise
    pitch_deg: float  # gimbal pitch below the horizon is negative; -90 looks straight down


@dataclass(frozen=True, slots=True)
class Frame:
    """One rendered image, its sim capture time and the pose it was taken from."""

    image: npt.NDArray[np.uint8]
    capture_time_s: float
    pose: CameraPose
    view: View


class SimCamera:
    """Renders frames of one view for one camera model (deterministic for a seed)."""

    def __init__(self, camera: Camera, view: View = View.THERMAL, seed: int = 0) -> None:
        self.camera = camera
        self.view = view
        self.width_px, self.height_px = camera.image_width_px, camera.image_height_px
        fx = camera.focal_length_mm / camera.sensor_width_mm * self.width_px
        fy = camera.focal_length_mm / camera.sensor_height_mm * self.height_px
        self.k = np.array([[fx, 0, self.width_px / 2], [0, fy, self.height_px / 2], [0, 0, 1.0]])
        rng = np.random.default_rng(seed)
        self.texture = self._texture(rng)
        channels = 1 if view is View.THERMAL else 3
        shape = (self.height_px * 2, self.width_px * 2) + ((channels,) if channels > 1 else ())
        self.noise = [rng.normal(0, 3.0, shape).astype(np.int16) for _ in range(NOISE_BANK)]
        self.rng = rng

    def _texture(self, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
        """A tileable ground texture: smooth blotches plus grain (roads, roofs, grass)."""
        base = rng.normal(0, 1, (TEXTURE_PX // 16, TEXTURE_PX // 16))
        base = np.tile(base, (3, 3))
        smooth = cv2.resize(base, (TEXTURE_PX * 3, TEXTURE_PX * 3), interpolation=cv2.INTER_CUBIC)
        smooth = smooth[TEXTURE_PX : 2 * TEXTURE_PX, TEXTURE_PX : 2 * TEXTURE_PX]
        grain = rng.normal(0, 0.3, (TEXTURE_PX, TEXTURE_PX))
        field = smooth + grain
        if self.view is View.THERMAL:
            return np.clip(70 + 12 * field, 0, 255).astype(np.uint8)
        green = np.stack([60 + 10 * field, 110 + 18 * field, 70 + 10 * field], axis=-1)
        return np.clip(green, 0, 255).astype(np.uint8)

    # ---- the camera model --------------------------------------------------------------------

    def axes(self, pose: CameraPose) -> npt.NDArray[np.float64]:
        """Rows: the camera's x (image right), y (image down), z (looking) axes in ENU."""
        psi, theta = pose.yaw_rad, math.radians(pose.pitch_deg)
        z = np.array(
            [math.sin(psi) * math.cos(theta), math.cos(psi) * math.cos(theta), math.sin(theta)]
        )
        x = np.array([math.cos(psi), -math.sin(psi), 0.0])
        y = np.cross(z, x)
        return np.vstack([x, y, z])

    def homography(self, pose: CameraPose) -> npt.NDArray[np.float64]:
        """Ground (east, north) metres -> image pixels."""
        m = np.array([[1.0, 0, -pose.east_m], [0, 1.0, -pose.north_m], [0, 0, -pose.up_m]])
        h: npt.NDArray[np.float64] = self.k @ self.axes(pose) @ m
        return h

    def project(self, pose: CameraPose, east_m: float, north_m: float) -> tuple[float, float]:
        """The pixel (u right, v down) where a ground point appears."""
        p = self.homography(pose) @ np.array([east_m, north_m, 1.0])
        return float(p[0] / p[2]), float(p[1] / p[2])

    # ---- rendering -----------------------------------------------------------------------------

    def render(self, pose: CameraPose, targets: list[Target], time_s: float) -> Frame:
        h = self.homography(pose)
        # texture pixel (tx, ty) -> ground: east = ox + tx * s, north = oy - ty * s; the origin
        # is snapped to whole tiles near the camera so coordinates stay small (wrap is exact)
        tile_m = TEXTURE_PX * TEXTURE_M_PER_PX
        ox = math.floor(pose.east_m / tile_m) * tile_m
        oy = math.floor(pose.north_m / tile_m) * tile_m
        a = np.array([[TEXTURE_M_PER_PX, 0, ox], [0, -TEXTURE_M_PER_PX, oy], [0, 0, 1.0]])
        image = cv2.warpPerspective(
            self.texture,
            h @ a,
            (self.width_px, self.height_px),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_WRAP,
        )
        for target in targets:
            pts = np.array([self.project(pose, e, n) for e, n in target.corners_at(time_s)])
            if not np.isfinite(pts).all() or np.abs(pts).max() > 1e5:
                continue
            cv2.fillConvexPoly(
                image,
                np.round(pts * 16).astype(np.int32),
                self._colour(target),
                lineType=cv2.LINE_AA,
                shift=4,
            )
        noise = self.noise[int(self.rng.integers(NOISE_BANK))]
        dy = int(self.rng.integers(self.height_px))
        dx = int(self.rng.integers(self.width_px))
        crop = noise[dy : dy + self.height_px, dx : dx + self.width_px]
        noisy = np.clip(image.astype(np.int16) + crop, 0, 255).astype(np.uint8)
        return Frame(cv2.GaussianBlur(noisy, (3, 3), 0), time_s, pose, self.view)

    def _colour(self, target: Target) -> int | tuple[int, int, int]:
        if self.view is View.THERMAL:
            return int(90 + 165 * target.heat)
        return (40, 40, 200) if target.kind is TargetClass.PERSON else (200, 200, 210)
