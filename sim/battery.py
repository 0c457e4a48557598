"""A flight battery that drains with time and speed (about 25 min at cruise by default)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.physics import GRAVITY_MPS2


@dataclass
class Battery:
    """Energy left, and the voltage a 4S pack shows for it (sagging under load)."""

    capacity_wh: float = 100.0
    energy_wh: float = 100.0
    cells: int = 4
    hover_power_w: float = 230.0
    drag_w_per_mps2: float = 0.15
    mass_kg: float = 2.5
    last_power_w: float = 0.0

    @property
    def remaining(self) -> float:
        """State of charge, 0..1."""
        return max(0.0, min(1.0, self.energy_wh / self.capacity_wh))

    @property
    def voltage_v(self) -> float:
        per_cell = 3.5 + 0.7 * self.remaining - 0.0001 * self.last_power_w
        return self.cells * per_cell

    @property
    def current_a(self) -> float:
        return self.last_power_w / max(self.voltage_v, 1.0)

    def drain(self, dt_s: float, *, flying: bool, speed_mps: float, climb_mps: float) -> None:
        """Take the energy of dt seconds of flight (a little for avionics on the ground)."""
        if not flying:
            power = 5.0
        else:
            lift = max(climb_mps, 0.0) * self.mass_kg * GRAVITY_MPS2 / 0.5
            power = self.hover_power_w + self.drag_w_per_mps2 * speed_mps**2 + lift
        self.last_power_w = power
        self.energy_wh = max(0.0, self.energy_wh - power * dt_s / 3600.0)

    def sag(self, fraction: float) -> None:
        """A sudden loss of charge (a bad cell, a cold pack): a fault the scenario injects."""
        self.energy_wh = max(0.0, self.energy_wh - fraction * self.capacity_wh)
