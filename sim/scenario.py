"""Scenarios: vehicles and their homes, wind, scheduled faults, speed-up and seed, from TOML.

    speedup = 20.0          # sim seconds per wall second (0: as fast as the machine goes)
    autopilot = "px4"       # or "ardupilot": ArduCopter's modes, params and wire habits
    seed = 1
    [wind]
    east_mps = 2.0
    north_mps = 0.0
    gust_mps = 3.0          # peak of random gusts
    [[vehicles]]
    home = [16.5424, 104.7246, 140.0]   # lat, lon, alt AMSL
    battery_wh = 100.0
    gps_sigma_m = 1.5
    [camera]                # every vehicle carries one unless enabled = false
    enabled = true
    view = "thermal"        # or "colour"
    fps = 10.0              # frames per wall second on the stream
    port = 8800             # vehicle i streams on port + i
    gimbal_pitch_deg = -90.0
    [[targets]]
    name = "walker"
    class = "person"        # person, car
    path = [[16.5430, 104.7250], [16.5433, 104.7250]]   # lat, lon; one point: standing still
    speed_mps = 1.2
    heat = 0.9              # 0..1
    [[faults]]
    vehicle = 0
    kind = "link_drop"      # link_drop, gps_loss, gust, battery_sag, drift, reject_upload
    at_s = 60.0             # sim seconds after start
    duration_s = 15.0
    value = 0.0             # gust m/s, sag fraction, drift m/s (east)

Every key is checked; a wrong one gets one line naming the file and the key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from geofence.errors import PatrolError
from geofence.frames import GeoPoint, LatLon
from missions.camera import Camera
from sim.autopilot import Firmware
from sim.camera import View
from sim.targets import DEFAULT_HEAT, TargetClass

#: How far apart east the extra vehicles of `with_vehicles` stand.
PAD_SPACING_M = 10.0
#: The Mukdahan sample's police station, home of the default scenario.
DEFAULT_HOME = GeoPoint(16.5424, 104.7246, 140.0)
#: Vehicle i's camera streams on this port + i unless told otherwise (`patrol fly --video sim`).
DEFAULT_VIDEO_PORT = 8800


class ScenarioError(PatrolError):
    """A scenario file that cannot be used (path, key)."""


class FaultKind(Enum):
    LINK_DROP = "link_drop"
    GPS_LOSS = "gps_loss"
    GUST = "gust"
    BATTERY_SAG = "battery_sag"
    DRIFT = "drift"
    REJECT_UPLOAD = "reject_upload"
    CORRUPT_READBACK = "corrupt_readback"


@dataclass(frozen=True, slots=True)
class Fault:
    vehicle: int
    kind: FaultKind
    at_s: float
    duration_s: float = 0.0
    value: float = 0.0

    def active(self, time_s: float) -> bool:
        return self.at_s <= time_s < self.at_s + self.duration_s


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    home: GeoPoint = DEFAULT_HOME
    battery_wh: float = 100.0
    gps_sigma_m: float = 0.0


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """The simulated camera on every vehicle, and its video stream. Off unless asked for in
    code, so a simulation binds no video port it was not given; on in scenario files and in
    `patrol sim`, where `patrol fly --video sim` expects it."""

    enabled: bool = False
    view: View = View.THERMAL
    fps: float = 10.0
    port: int = DEFAULT_VIDEO_PORT
    camera: Camera = field(default_factory=Camera)


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target in WGS84 (each vehicle places it in its own local frame)."""

    name: str
    kind: TargetClass
    path: tuple[LatLon, ...]
    speed_mps: float = 0.0
    heat: float = 0.9


@dataclass(frozen=True, slots=True)
class Scenario:
    vehicles: tuple[VehicleSpec, ...] = (VehicleSpec(),)
    speedup: float = 1.0
    seed: int = 0
    wind_e_mps: float = 0.0
    wind_n_mps: float = 0.0
    gust_mps: float = 0.0
    faults: tuple[Fault, ...] = field(default_factory=tuple)
    camera: CameraSpec = field(default_factory=CameraSpec)
    targets: tuple[TargetSpec, ...] = ()
    autopilot: Firmware = Firmware.PX4

    def with_vehicles(self, count: int) -> Scenario:
        """`count` vehicles: the listed ones, then copies of the first spaced 10 m apart east (a
        launch pad each, as far apart as a fleet's default separation needs)."""
        specs = list(self.vehicles[:count])
        base = self.vehicles[0]
        while len(specs) < count:
            k = len(specs)
            lon = base.home.lon_deg + PAD_SPACING_M * k / (
                111_320 * math.cos(math.radians(base.home.lat_deg))
            )
            specs.append(
                VehicleSpec(
                    GeoPoint(base.home.lat_deg, lon, base.home.alt_amsl_m),
                    base.battery_wh,
                    base.gps_sigma_m,
                )
            )
        return replace(self, vehicles=tuple(specs))


def _fail(source: str, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {message}")


def _unknown(source: str, where: str, keys: set[str], valid: set[str]) -> None:
    for key in sorted(keys - valid):
        close = difflib.get_close_matches(key, sorted(valid), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "valid keys: " + ", ".join(sorted(valid))
        raise _fail(source, f"{where}{key}", f"unknown key; {hint}")


def _num(source: str, key: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(source, key, f"must be a number, got {value!r}")
    if not low <= value <= high:
        raise _fail(source, key, f"{value:g} is out of range; use {low:g} to {high:g}")
    return float(value)


def _flag(source: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(source, key, f"must be true or false, got {value!r}")
    return value


def parse_scenario(doc: dict[str, Any], source: str) -> Scenario:
    _unknown(
        source,
        "",
        set(doc),
        {"speedup", "seed", "wind", "vehicles", "faults", "camera", "targets", "autopilot"},
    )
    wind = doc.get("wind", {})
    _unknown(source, "[wind] ", set(wind), {"east_mps", "north_mps", "gust_mps"})
    vehicles = []
    for k, raw in enumerate(doc.get("vehicles", [{}])):
        where = f"[[vehicles]] {k + 1} "
        _unknown(source, where, set(raw), {"home", "battery_wh", "gps_sigma_m"})
        home = DEFAULT_HOME
        if "home" in raw:
            h = raw["home"]
            if not (isinstance(h, list) and len(h) == 3):
                raise _fail(source, f"{where}home", "must be [latitude, longitude, alt_amsl_m]")
            lat = _num(source, f"{where}home latitude", h[0], -90, 90)
            lon = _num(source, f"{where}home longitude", h[1], -180, 180)
            home = GeoPoint(lat, lon, _num(source, f"{where}home altitude", h[2], -500, 9000))
        vehicles.append(
            VehicleSpec(
                home,
                _num(source, f"{where}battery_wh", raw.get("battery_wh", 100.0), 1, 10_000),
                _num(source, f"{where}gps_sigma_m", raw.get("gps_sigma_m", 0.0), 0, 100),
            )
        )
    faults = []
    for k, raw in enumerate(doc.get("faults", [])):
        where = f"[[faults]] {k + 1} "
        _unknown(source, where, set(raw), {"vehicle", "kind", "at_s", "duration_s", "value"})
        kinds = {f.value: f for f in FaultKind}
        if raw.get("kind") not in kinds:
            raise _fail(
                source, f"{where}kind", f"{raw.get('kind')!r} is not one of " + ", ".join(kinds)
            )
        vehicle = int(_num(source, f"{where}vehicle", raw.get("vehicle", 0), 0, len(vehicles) - 1))
        faults.append(
            Fault(
                vehicle,
                kinds[raw["kind"]],
                _num(source, f"{where}at_s", raw.get("at_s", 0.0), 0, 1e7),
                _num(source, f"{where}duration_s", raw.get("duration_s", 0.0), 0, 1e7),
                _num(source, f"{where}value", raw.get("value", 0.0), -1e3, 1e3),
            )
        )
    firmwares = {f.value: f for f in Firmware}
    if doc.get("autopilot", "px4") not in firmwares:
        raise _fail(
            source, "autopilot", f"{doc.get('autopilot')!r} is not one of " + ", ".join(firmwares)
        )
    return Scenario(
        autopilot=firmwares[doc.get("autopilot", "px4")],
        camera=_camera(doc.get("camera", {}), source),
        targets=tuple(_target(raw, k, source) for k, raw in enumerate(doc.get("targets", []))),
        vehicles=tuple(vehicles),
        speedup=_num(source, "speedup", doc.get("speedup", 1.0), 0, 1000),
        seed=int(_num(source, "seed", doc.get("seed", 0), 0, 2**31)),
        wind_e_mps=_num(source, "[wind] east_mps", wind.get("east_mps", 0.0), -30, 30),
        wind_n_mps=_num(source, "[wind] north_mps", wind.get("north_mps", 0.0), -30, 30),
        gust_mps=_num(source, "[wind] gust_mps", wind.get("gust_mps", 0.0), 0, 30),
        faults=tuple(faults),
    )


_CAMERA_MODEL_KEYS = {
    "sensor_width_mm",
    "sensor_height_mm",
    "focal_length_mm",
    "image_width_px",
    "image_height_px",
    "gimbal_pitch_deg",
}


def _camera(raw: Any, source: str) -> CameraSpec:
    where = "[camera] "
    _unknown(source, where, set(raw), {"enabled", "view", "fps", "port"} | _CAMERA_MODEL_KEYS)
    views = {v.value: v for v in View}
    if raw.get("view", "thermal") not in views:
        raise _fail(
            source, f"{where}view", f"{raw.get('view')!r} is not one of " + ", ".join(views)
        )
    model = {k: v for k, v in raw.items() if k in _CAMERA_MODEL_KEYS}
    try:
        camera = Camera(**model)
    except (TypeError, ValueError) as exc:
        raise _fail(source, where.strip(), str(exc)) from exc
    return CameraSpec(
        enabled=_flag(source, f"{where}enabled", raw.get("enabled", True)),
        view=views[raw.get("view", "thermal")],
        fps=_num(source, f"{where}fps", raw.get("fps", 10.0), 0.1, 200),
        port=int(_num(source, f"{where}port", raw.get("port", DEFAULT_VIDEO_PORT), 1024, 65000)),
        camera=camera,
    )


def _target(raw: Any, k: int, source: str) -> TargetSpec:
    where = f"[[targets]] {k + 1} "
    _unknown(source, where, set(raw), {"name", "class", "path", "speed_mps", "heat"})
    kinds = {c.value: c for c in TargetClass}
    if raw.get("class") not in kinds:
        raise _fail(
            source, f"{where}class", f"{raw.get('class')!r} is not one of " + ", ".join(kinds)
        )
    kind = kinds[raw["class"]]
    path = raw.get("path")
    if (
        not isinstance(path, list)
        or not path
        or not all(isinstance(p, list) and len(p) == 2 for p in path)
    ):
        raise _fail(source, f"{where}path", "must be a list of [latitude, longitude] points")
    points = tuple(
        LatLon(
            _num(source, f"{where}path latitude", p[0], -90, 90),
            _num(source, f"{where}path longitude", p[1], -180, 180),
        )
        for p in path
    )
    return TargetSpec(
        name=str(raw.get("name", f"target {k + 1}")),
        kind=kind,
        path=points,
        speed_mps=_num(source, f"{where}speed_mps", raw.get("speed_mps", 0.0), 0, 60),
        heat=_num(source, f"{where}heat", raw.get("heat", DEFAULT_HEAT[kind]), 0, 1),
    )


def load_scenario(path: Path) -> Scenario:
    source = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ScenarioError(f"{source}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{source}: cannot read file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from exc
    return parse_scenario(doc, source)
