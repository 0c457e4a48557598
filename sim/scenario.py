"""Scenarios: vehicles and their homes, wind, scheduled faults, speed-up and seed, from TOML.

    speedup = 20.0          # sim seconds per wall second (0: as fast as the machine goes)
    seed = 1
    [wind]
    east_mps = 2.0
    north_mps = 0.0
    gust_mps = 3.0          # peak of random gusts
    [[vehicles]]
    home = [16.5424, 104.7246, 140.0]   # lat, lon, alt AMSL
    battery_wh = 100.0
    gps_sigma_m = 1.5
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
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from geofence.errors import PatrolError
from geofence.frames import GeoPoint

#: The Mukdahan sample's police station, home of the default scenario.
DEFAULT_HOME = GeoPoint(16.5424, 104.7246, 140.0)


class ScenarioError(PatrolError):
    """A scenario file that cannot be used (path, key)."""


class FaultKind(Enum):
    LINK_DROP = "link_drop"
    GPS_LOSS = "gps_loss"
    GUST = "gust"
    BATTERY_SAG = "battery_sag"
    DRIFT = "drift"
    REJECT_UPLOAD = "reject_upload"


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
class Scenario:
    vehicles: tuple[VehicleSpec, ...] = (VehicleSpec(),)
    speedup: float = 1.0
    seed: int = 0
    wind_e_mps: float = 0.0
    wind_n_mps: float = 0.0
    gust_mps: float = 0.0
    faults: tuple[Fault, ...] = field(default_factory=tuple)

    def with_vehicles(self, count: int) -> Scenario:
        """`count` vehicles: the listed ones, then copies of the first spaced 5 m apart east."""
        specs = list(self.vehicles[:count])
        base = self.vehicles[0]
        while len(specs) < count:
            k = len(specs)
            lon = base.home.lon_deg + 5.0 * k / (
                111_320 * math.cos(math.radians(base.home.lat_deg))
            )
            specs.append(
                VehicleSpec(
                    GeoPoint(base.home.lat_deg, lon, base.home.alt_amsl_m),
                    base.battery_wh,
                    base.gps_sigma_m,
                )
            )
        return Scenario(
            tuple(specs),
            self.speedup,
            self.seed,
            self.wind_e_mps,
            self.wind_n_mps,
            self.gust_mps,
            self.faults,
        )


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


def parse_scenario(doc: dict[str, Any], source: str) -> Scenario:
    _unknown(source, "", set(doc), {"speedup", "seed", "wind", "vehicles", "faults"})
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
    return Scenario(
        vehicles=tuple(vehicles),
        speedup=_num(source, "speedup", doc.get("speedup", 1.0), 0, 1000),
        seed=int(_num(source, "seed", doc.get("seed", 0), 0, 2**31)),
        wind_e_mps=_num(source, "[wind] east_mps", wind.get("east_mps", 0.0), -30, 30),
        wind_n_mps=_num(source, "[wind] north_mps", wind.get("north_mps", 0.0), -30, 30),
        gust_mps=_num(source, "[wind] gust_mps", wind.get("gust_mps", 0.0), 0, 30),
        faults=tuple(faults),
    )


def load_scenario(path: Path) -> Scenario:
    source = str(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScenarioError(f"{source}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{source}: cannot read file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from exc
    return parse_scenario(doc, source)
