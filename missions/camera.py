"""A pinhole camera on a gimbal: the ground it sees and its resolution, to space sweep lanes.

The camera looks along track, pitched down by `-gimbal_pitch_deg` below the horizon (-90 is nadir).
Across-track width grows with distance, so lanes are spaced from the width at the near edge: the
narrowest strip the camera sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Footprint:
    """The ground seen at one altitude, in metres (along track measured forward from below)."""

    across_near_m: float
    across_far_m: float
    along_near_m: float
    along_far_m: float

    @property
    def along_m(self) -> float:
        return self.along_far_m - self.along_near_m

    @property
    def across_m(self) -> float:
        """The across-track width that every image row covers at least."""
        return min(self.across_near_m, self.across_far_m)


@dataclass(frozen=True, slots=True)
class Camera:
    """Sensor, lens and gimbal; defaults are a 640x512 thermal core (12 um pixels, 13 mm lens)."""

    sensor_width_mm: float = 7.68
    sensor_height_mm: float = 6.144
    focal_length_mm: float = 13.0
    image_width_px: int = 640
    image_height_px: int = 512
    gimbal_pitch_deg: float = -90.0

    def __post_init__(self) -> None:
        for name in ("sensor_width_mm", "sensor_height_mm", "focal_length_mm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} > 0, got {getattr(self, name)}")
        for name in ("image_width_px", "image_height_px"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} >= 1, got {getattr(self, name)}")
        if not -90.0 <= self.gimbal_pitch_deg < 0.0:
            raise ValueError(f"-90 <= gimbal_pitch_deg < 0, got {self.gimbal_pitch_deg}")
        if self.depression_deg - self.half_vfov_deg <= 0.5:
            raise ValueError(
                f"gimbal_pitch_deg {self.gimbal_pitch_deg:g} lets the image top see the horizon "
                f"(vertical field of view {2 * self.half_vfov_deg:.1f} deg); pitch the camera "
                f"down to at most {-(self.half_vfov_deg + 1):.0f} deg"
            )

    @property
    def depression_deg(self) -> float:
        return -self.gimbal_pitch_deg

    @property
    def half_vfov_deg(self) -> float:
        return math.degrees(math.atan(self.sensor_height_mm / 2 / self.focal_length_mm))

    @property
    def half_hfov_deg(self) -> float:
        return math.degrees(math.atan(self.sensor_width_mm / 2 / self.focal_length_mm))

    def footprint(self, alt_rel_m: float) -> Footprint:
        """The ground patch seen from `alt_rel_m` above flat ground."""
        d = math.radians(self.depression_deg)
        b = math.radians(self.half_vfov_deg)
        near, far = d + b, d - b

        def along(dep: float) -> float:
            return alt_rel_m / math.tan(dep)

        def across(dep: float) -> float:
            depth_m = alt_rel_m / math.sin(dep) * math.cos(dep - d)
            return self.sensor_width_mm / self.focal_length_mm * depth_m

        return Footprint(across(near), across(far), along(near), along(far))

    def gsd_cm(self, alt_rel_m: float) -> float:
        """Ground sample distance at the image centre, centimetres per pixel."""
        slant_m = alt_rel_m / math.sin(math.radians(self.depression_deg))
        pixel_mm = self.sensor_width_mm / self.image_width_px
        return slant_m * pixel_mm / self.focal_length_mm * 100.0
