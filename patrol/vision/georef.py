"""Geo-referencing: where on the ground a pixel is, from the camera model and the pose.

Frames: the world is the flight's local ENU frame (metres east, north, up of home). The vehicle's
attitude is roll, pitch, yaw in the aerospace convention (body forward-right-down; yaw from north,
clockwise). The camera hangs on a gimbal: `gimbal_pitch_deg` below the horizon is negative (-90
looks straight down), `gimbal_yaw_deg` is relative to the nose. A stabilised gimbal cancels the
vehicle's roll and pitch (the simulator's and most patrol drones'); a fixed mount does not. The
image's up direction is the look direction's forward, as in `sim/camera.py`.

A pixel is undistorted (OpenCV's model) to a ray, the ray is rotated into ENU, and it meets the
ground plane (flat at home altitude by default). The error estimate combines horizontal GPS error,
attitude error over the slant range, and altitude error along the ray's slope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from missions.camera import Camera
from patrol.vision.errors import VisionError

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Intrinsics:
    """Pinhole intrinsics in pixels and OpenCV distortion coefficients."""

    k: Matrix  # 3x3
    dist: Matrix  # (k1, k2, p1, p2[, k3...]); zeros for an ideal lens
    width_px: int
    height_px: int

    @classmethod
    def from_camera(cls, camera: Camera) -> Intrinsics:
        fx = camera.focal_length_mm / camera.sensor_width_mm * camera.image_width_px
        fy = camera.focal_length_mm / camera.sensor_height_mm * camera.image_height_px
        k = np.array(
            [[fx, 0, camera.image_width_px / 2], [0, fy, camera.image_height_px / 2], [0, 0, 1.0]]
        )
        return cls(k, np.zeros(5), camera.image_width_px, camera.image_height_px)

    @classmethod
    def from_file(cls, path: Path) -> Intrinsics:
        """An OpenCV calibration file (YAML/XML/JSON from `cv2.FileStorage`): camera_matrix,
        distortion_coefficients, image_width, image_height (as OpenCV's calibration sample
        writes them)."""
        if not path.is_file():
            raise VisionError(f"{path}: no such calibration file")
        try:  # read as text first: OpenCV's own reader refuses a UTF-8 byte-order mark
            text = path.read_text(encoding="utf-8-sig")
            fs = cv2.FileStorage(text, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
        except (OSError, UnicodeDecodeError, cv2.error, SystemError) as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise VisionError(
                f"{path}: not an OpenCV calibration file (YAML, XML or JSON): {reason}"
            ) from None
        try:
            k = fs.getNode("camera_matrix").mat()
            dist = fs.getNode("distortion_coefficients").mat()
            width = int(fs.getNode("image_width").real())
            height = int(fs.getNode("image_height").real())
        finally:
            fs.release()
        if k is None or k.shape != (3, 3):
            raise VisionError(f"{path}: camera_matrix must be a 3x3 matrix")
        if dist is None or dist.size not in (4, 5, 8, 12, 14):
            raise VisionError(f"{path}: distortion_coefficients must hold 4, 5, 8, 12 or 14 values")
        if width < 1 or height < 1:
            raise VisionError(f"{path}: image_width and image_height must be positive")
        return cls(k.astype(float), dist.astype(float).ravel(), width, height)

    def gsd_m(self, range_m: float) -> float:
        """Metres per pixel at `range_m` along the optical axis."""
        return range_m / float(self.k[0, 0])


@dataclass(frozen=True, slots=True)
class Mount:
    gimbal_pitch_deg: float = -90.0
    gimbal_yaw_deg: float = 0.0
    stabilised: bool = True


@dataclass(frozen=True, slots=True)
class Pose:
    """The vehicle at one instant: position in the local frame and attitude."""

    east_m: float
    north_m: float
    up_m: float  # above the ground plane (home altitude)
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    yaw_deg: float = 0.0


@dataclass(frozen=True, slots=True)
class Uncertainty:
    horizontal_m: float = 1.5  # GPS, one sigma
    vertical_m: float = 1.0
    attitude_deg: float = 1.0


@dataclass(frozen=True, slots=True)
class GroundPoint:
    east_m: float
    north_m: float
    error_m: float  # one-sigma horizontal error estimate
    range_m: float  # slant range from the camera


def _body_to_ned(roll_deg: float, pitch_deg: float, yaw_deg: float) -> Matrix:
    r, p, y = (math.radians(a) for a in (roll_deg, pitch_deg, yaw_deg))
    cr, sr, cp, sp, cy, sy = (
        math.cos(r),
        math.sin(r),
        math.cos(p),
        math.sin(p),
        math.cos(y),
        math.sin(y),
    )
    return np.array(
        [
            [cp * cy, sr * sp * cy - cr * sy, cr * sp * cy + sr * sy],
            [cp * sy, sr * sp * sy + cr * cy, cr * sp * sy - sr * cy],
            [-sp, sr * cp, cr * cp],
        ]
    )


_NED_TO_ENU = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])


def camera_axes(pose: Pose, mount: Mount) -> Matrix:
    """Rows: the camera's x (image right), y (image down) and z (look) axes in ENU."""
    g, t = math.radians(mount.gimbal_yaw_deg), math.radians(mount.gimbal_pitch_deg)
    look = np.array([math.cos(t) * math.cos(g), math.cos(t) * math.sin(g), -math.sin(t)])
    right = np.array([-math.sin(g), math.cos(g), 0.0])
    down = np.cross(look, right)
    roll, pitch = (0.0, 0.0) if mount.stabilised else (pose.roll_deg, pose.pitch_deg)
    to_enu = _NED_TO_ENU @ _body_to_ned(roll, pitch, pose.yaw_deg)
    return np.vstack([to_enu @ right, to_enu @ down, to_enu @ look])


def ground_point(
    u_px: float,
    v_px: float,
    pose: Pose,
    intrinsics: Intrinsics,
    mount: Mount,
    uncertainty: Uncertainty,
    ground_up_m: float = 0.0,
) -> GroundPoint | None:
    """Where the pixel's ray meets the ground plane, or None when it looks at or above the
    horizon."""
    pts = np.array([[[u_px, v_px]]], dtype=np.float64)
    xn, yn = cv2.undistortPoints(pts, intrinsics.k, intrinsics.dist).reshape(2)
    axes = camera_axes(pose, mount)
    ray = xn * axes[0] + yn * axes[1] + axes[2]
    height_m = pose.up_m - ground_up_m
    if ray[2] >= -1e-6 or height_m <= 0:
        return None
    t = height_m / -ray[2]
    east, north = pose.east_m + t * ray[0], pose.north_m + t * ray[1]
    range_m = float(t * np.linalg.norm(ray))
    slope = math.hypot(ray[0], ray[1]) / -ray[2]  # horizontal metres per metre of height
    attitude_m = range_m * math.radians(uncertainty.attitude_deg) * math.hypot(1.0, slope)
    error = math.sqrt(
        uncertainty.horizontal_m**2 + attitude_m**2 + (uncertainty.vertical_m * slope) ** 2
    )
    return GroundPoint(float(east), float(north), error, range_m)
