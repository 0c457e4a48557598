"""The patrol spec: what the pilot asks for, in a TOML file, checked key by key.

Every key has a type, a range and a default, so a wrong or unknown key gets one line naming the
file,
the section and the key, what is wrong, and (for a typo) the nearest valid key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

# Autopilot lives with the fence capacities it keys (geofence); importable from here as before
from geofence.capacity import ANY_AUTOPILOT, CAPACITY, FenceCapacity
from geofence.capacity import Autopilot as Autopilot
from geofence.fence import DEFAULT_CEILING_REL_M, MAX_CEILING_REL_M, MIN_CEILING_REL_M
from missions.camera import Camera
from missions.energy import VehicleModel
from missions.errors import SpecError


class Pattern(Enum):
    SWEEP = "sweep"
    PERIMETER = "perimeter"
    POINTS = "points"


class Direction(Enum):
    CLOCKWISE = "cw"
    COUNTERCLOCKWISE = "ccw"


@dataclass(frozen=True, slots=True)
class PatrolSpec:
    """One patrol as the pilot asks for it; paths are resolved against the spec file."""

    area_path: Path
    name: str = "patrol"
    zones: tuple[str, ...] = ()
    pattern: Pattern = Pattern.SWEEP
    alt_rel_m: float = 40.0
    speed_mps: float = 8.0
    margin_m: float = 10.0
    loops: int = 1
    alt_step_m: float = 10.0  # each further vehicle flies this much higher
    separation_m: float = 8.0  # the closest two vehicles may come
    side_overlap: float = 0.2
    lane_angle_deg: float | None = None
    direction: Direction = Direction.CLOCKWISE
    loiter_s: float = 20.0
    hotspots: tuple[str, ...] = ()
    autopilot: Autopilot = Autopilot.PX4
    ceiling_rel_m: float = DEFAULT_CEILING_REL_M
    #: the fence store planned for: the named autopilot's, else one that fits both
    fence_capacity: FenceCapacity = ANY_AUTOPILOT
    camera: Camera = field(default_factory=Camera)
    vehicle: VehicleModel = field(default_factory=VehicleModel)
    source: str = "<spec>"


@dataclass(frozen=True, slots=True)
class _Key:
    """How one key is read: a converter that raises ValueError with the valid range."""

    convert: Callable[[Any], Any]
    target: str


def _number(low: float, high: float, *, low_open: bool = False) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"must be a number, got {value!r}")
        ok = (value > low if low_open else value >= low) and value <= high
        if not ok:
            lo = f"> {low:g}" if low_open else f">= {low:g}"
            raise ValueError(f"{value:g} is out of range; use a value {lo} and <= {high:g}")
        return float(value)

    return convert


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range; use {low} to {high}")
        return value

    return convert


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('must be a list of names, e.g. ["Zone A", "Zone B"]')
    return tuple(value)


def _choice(enum: type[Enum]) -> Callable[[Any], Enum]:
    def convert(value: Any) -> Enum:
        for member in enum:
            if value == member.value:
                return member
        valid = ", ".join(repr(m.value) for m in enum)
        raise ValueError(f"{value!r} is not one of {valid}")

    return convert


def _angle(value: Any) -> float | None:
    if value == "auto":
        return None
    return _number(-360.0, 360.0)(value)


_PATROL_KEYS: dict[str, _Key] = {
    "name": _Key(_text, "name"),
    "area": _Key(_text, "area_path"),
    "zones": _Key(_names, "zones"),
    "pattern": _Key(_choice(Pattern), "pattern"),
    "alt_rel_m": _Key(_number(2.0, 500.0), "alt_rel_m"),
    "speed_mps": _Key(_number(0.5, 25.0), "speed_mps"),
    "margin_m": _Key(_number(0.0, 1000.0), "margin_m"),
    "loops": _Key(_integer(1, 1000), "loops"),
    "alt_step_m": _Key(_number(0.0, 200.0), "alt_step_m"),
    "separation_m": _Key(_number(0.0, 1000.0), "separation_m"),
    "side_overlap": _Key(_number(0.0, 0.9), "side_overlap"),
    "lane_angle_deg": _Key(_angle, "lane_angle_deg"),
    "direction": _Key(_choice(Direction), "direction"),
    "loiter_s": _Key(_number(0.0, 3600.0), "loiter_s"),
    "hotspots": _Key(_names, "hotspots"),
    "autopilot": _Key(_choice(Autopilot), "autopilot"),
}
_FENCE_KEYS = {
    "ceiling_rel_m": _Key(_number(MIN_CEILING_REL_M, MAX_CEILING_REL_M), "ceiling_rel_m"),
    "max_items": _Key(_integer(3, 65_535), "max_items"),
}
_CAMERA_KEYS = {
    "sensor_width_mm": _Key(_number(0.0, 100.0, low_open=True), "sensor_width_mm"),
    "sensor_height_mm": _Key(_number(0.0, 100.0, low_open=True), "sensor_height_mm"),
    "focal_length_mm": _Key(_number(0.0, 1000.0, low_open=True), "focal_length_mm"),
    "image_width_px": _Key(_integer(1, 100_000), "image_width_px"),
    "image_height_px": _Key(_integer(1, 100_000), "image_height_px"),
    "gimbal_pitch_deg": _Key(_number(-90.0, 0.0), "gimbal_pitch_deg"),
}
_VEHICLE_KEYS = {
    "battery_wh": _Key(_number(0.0, 10_000.0, low_open=True), "battery_wh"),
    "hover_power_w": _Key(_number(0.0, 100_000.0, low_open=True), "hover_power_w"),
    "cruise_power_w": _Key(_number(0.0, 100_000.0, low_open=True), "cruise_power_w"),
    "mass_kg": _Key(_number(0.0, 1000.0, low_open=True), "mass_kg"),
    "reserve_pct": _Key(_number(0.0, 90.0), "reserve_pct"),
    "climb_speed_mps": _Key(_number(0.0, 20.0, low_open=True), "climb_speed_mps"),
    "descent_speed_mps": _Key(_number(0.0, 20.0, low_open=True), "descent_speed_mps"),
    "accel_mps2": _Key(_number(0.0, 20.0, low_open=True), "accel_mps2"),
}
_SECTIONS: dict[str, dict[str, _Key]] = {
    "patrol": _PATROL_KEYS,
    "fence": _FENCE_KEYS,
    "camera": _CAMERA_KEYS,
    "vehicle": _VEHICLE_KEYS,
}


def _nearest(name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}?"
    return "valid keys: " + ", ".join(valid)


def _read_section(doc: dict[str, Any], section: str, source: str) -> dict[str, Any]:
    table = doc.get(section, {})
    if not isinstance(table, dict):
        raise SpecError(f"[{section}] must be a table", path=source, key=section)
    keys = _SECTIONS[section]
    out: dict[str, Any] = {}
    for key, value in table.items():
        where = f"[{section}] {key}"
        if key not in keys:
            raise SpecError(f"unknown key; {_nearest(key, list(keys))}", path=source, key=where)
        try:
            out[keys[key].target] = keys[key].convert(value)
        except ValueError as exc:
            raise SpecError(str(exc), path=source, key=where) from exc
    return out


def parse_spec(doc: dict[str, Any], source: str, base_dir: Path) -> PatrolSpec:
    """A spec from a parsed TOML document; relative paths resolve against `base_dir`."""
    for section in doc:
        if section not in _SECTIONS:
            raise SpecError(
                f"unknown section; {_nearest(section, list(_SECTIONS))}",
                path=source,
                key=f"[{section}]",
            )
    patrol = _read_section(doc, "patrol", source)
    if "area_path" not in patrol:
        raise SpecError(
            'missing; name the area file, e.g. area = "area.geojson"',
            path=source,
            key="[patrol] area",
        )
    patrol["area_path"] = (base_dir / patrol["area_path"]).resolve()
    fence = _read_section(doc, "fence", source)
    fence["fence_capacity"] = _fence_capacity(patrol.get("autopilot"), fence.pop("max_items", None))
    try:
        camera = Camera(**_read_section(doc, "camera", source))
    except ValueError as exc:
        raise SpecError(str(exc), path=source, key="[camera]") from exc
    try:
        vehicle = VehicleModel(**_read_section(doc, "vehicle", source))
    except ValueError as exc:
        raise SpecError(str(exc), path=source, key="[vehicle]") from exc
    spec = PatrolSpec(**patrol, **fence, camera=camera, vehicle=vehicle, source=source)
    if spec.alt_rel_m > spec.ceiling_rel_m:
        raise SpecError(
            f"{spec.alt_rel_m:g} m is above the fence ceiling of {spec.ceiling_rel_m:g} m; lower "
            "it or raise [fence] ceiling_rel_m",
            path=source,
            key="[patrol] alt_rel_m",
        )
    return spec


def _fence_capacity(autopilot: Autopilot | None, max_items: int | None) -> FenceCapacity:
    """The named autopilot's fence store (else one both fit), with the pilot's item count."""
    capacity = ANY_AUTOPILOT if autopilot is None else CAPACITY[autopilot]
    return capacity if max_items is None else capacity.with_max_items(max_items)


def load_spec(path: Path) -> PatrolSpec:
    """Read and check a patrol spec file."""
    source = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise SpecError("file not found", path=source) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read file ({exc.__class__.__name__}: {exc})", path=source) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"not valid TOML: {exc}", path=source) from exc
    return parse_spec(doc, source, path.parent)
