"""`patrol sim` / `python -m sim`: run simulated vehicles until Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path

import anyio
import asyncclick as click
from rich.console import Console

from sim.scenario import Scenario, load_scenario
from sim.server import Ports, Simulation


@click.command("sim")
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(path_type=Path),
    help="Scenario TOML (vehicles, wind, faults); default: one vehicle at the sample's station.",
)
@click.option(
    "--speedup",
    type=click.FloatRange(0, 1000),
    default=None,
    help="Sim seconds per wall second (0: as fast as possible). Overrides the scenario.",
)
@click.option(
    "--vehicles",
    type=click.IntRange(1, 50),
    default=None,
    help="Number of vehicles (extra ones copy the first, 5 m apart).",
)
@click.option("--seed", type=int, default=None, help="Random seed (overrides the scenario).")
async def sim_command(
    scenario_path: Path | None, speedup: float | None, vehicles: int | None, seed: int | None
) -> None:
    """Simulated PX4 quadrotors speaking MAVLink on UDP, as PX4 SITL does."""
    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    if vehicles is not None:
        scenario = scenario.with_vehicles(vehicles)
    if speedup is not None or seed is not None:
        scenario = Scenario(
            scenario.vehicles,
            scenario.speedup if speedup is None else speedup,
            scenario.seed if seed is None else seed,
            scenario.wind_e_mps,
            scenario.wind_n_mps,
            scenario.gust_mps,
            scenario.faults,
        )
    sim = Simulation(scenario, Ports())
    console = Console()
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as tg:
            await tg.start(sim.serve)
            for v in sim.vehicles:
                api_port = sim.ports.api_remote_base + v.index
                console.print(
                    f"vehicle {v.index + 1} (system id {v.index + 1}) at "
                    f"{v.ap.home.lat_deg:.6f}, {v.ap.home.lon_deg:.6f}: API client "
                    f"udpin://0.0.0.0:{api_port}, ground station udp port {sim.ports.gcs_remote}"
                )
            console.print(f"speed-up {scenario.speedup:g}x, seed {scenario.seed}; Ctrl-C stops")
            async for _signum in signals:
                tg.cancel_scope.cancel()
                break
    console.print(f"stopped after {sim.sim_time_s:.1f} s of simulated time")
