"""Flight time and battery energy for a multicopter route: simple, explicit and conservative.

Time: cruise at the planned speed, a slow-down at each turn (a full stop costs speed/accel seconds,
a gentle turn less), climb and descent at their own rates, loiters. Energy: hover power while
climbing,
descending, turning and loitering, cruise power while cruising, plus the work of lifting the mass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GRAVITY_MPS2 = 9.80665
#: Battery share each sortie leaves unplanned on top of the reserve: a fresh pack reads 95-100 %,
#: and the simulator with 3 m/s gusts landed sorties planned to the reserve a few per cent short.
SORTIE_MARGIN_PCT = 5.0


@dataclass(frozen=True, slots=True)
class VehicleModel:
    """Performance figures of the patrol multicopter (defaults: a 2.5 kg quad, ~25 min)."""

    battery_wh: float = 100.0
    hover_power_w: float = 230.0
    cruise_power_w: float = 240.0
    mass_kg: float = 2.5
    lift_efficiency: float = 0.5
    reserve_pct: float = 25.0
    climb_speed_mps: float = 3.0
    descent_speed_mps: float = 1.5
    accel_mps2: float = 2.5

    def __post_init__(self) -> None:
        for name in (
            "battery_wh",
            "hover_power_w",
            "cruise_power_w",
            "mass_kg",
            "climb_speed_mps",
            "descent_speed_mps",
            "accel_mps2",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} > 0, got {getattr(self, name)}")
        if not 0 < self.lift_efficiency <= 1:
            raise ValueError(f"0 < lift_efficiency <= 1, got {self.lift_efficiency}")
        if not 0 <= self.reserve_pct < 100:
            raise ValueError(f"0 <= reserve_pct < 100, got {self.reserve_pct}")

    @property
    def usable_wh(self) -> float:
        return self.battery_wh * (1 - self.reserve_pct / 100)

    @property
    def sortie_wh(self) -> float:
        """What one sortie is planned to use: the battery less the reserve and
        `SORTIE_MARGIN_PCT`, so a fresh pack that reads a few per cent short still flies it and
        the model's error (gusts, an ageing pack) eats the margin, not the reserve."""
        return self.battery_wh * max(0.0, 1 - (self.reserve_pct + SORTIE_MARGIN_PCT) / 100)


@dataclass(frozen=True, slots=True)
class Cost:
    """Time and energy of part of a flight."""

    duration_s: float = 0.0
    energy_wh: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.duration_s + other.duration_s, self.energy_wh + other.energy_wh)


def _wh(power_w: float, seconds: float) -> float:
    return power_w * seconds / 3600.0


def cruise(model: VehicleModel, distance_m: float, speed_mps: float) -> Cost:
    t = distance_m / speed_mps
    return Cost(t, _wh(model.cruise_power_w, t))


def turn(model: VehicleModel, deflection_rad: float, speed_mps: float) -> Cost:
    """Time lost slowing for a turn: the whole stop-and-go for 180 deg, nothing going straight."""
    t = speed_mps / model.accel_mps2 * (1 - math.cos(deflection_rad)) / 2
    return Cost(t, _wh(model.hover_power_w, t))


def hover(model: VehicleModel, seconds: float) -> Cost:
    return Cost(seconds, _wh(model.hover_power_w, seconds))


def climb(model: VehicleModel, height_m: float) -> Cost:
    t = height_m / model.climb_speed_mps
    lift_wh = model.mass_kg * GRAVITY_MPS2 * height_m / model.lift_efficiency / 3600.0
    return Cost(t, _wh(model.hover_power_w, t) + lift_wh)


def descend(model: VehicleModel, height_m: float) -> Cost:
    t = height_m / model.descent_speed_mps
    return Cost(t, _wh(model.hover_power_w, t))


def deflection_rad(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """The heading change at `b` going a -> b -> c (0 straight on, pi turning back)."""
    ux, uy = b[0] - a[0], b[1] - a[1]
    vx, vy = c[0] - b[0], c[1] - b[1]
    nu, nv = math.hypot(ux, uy), math.hypot(vx, vy)
    if nu == 0 or nv == 0:
        return 0.0
    cos_t = max(-1.0, min(1.0, (ux * vx + uy * vy) / (nu * nv)))
    return math.acos(cos_t)
