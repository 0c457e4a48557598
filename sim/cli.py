"""`patrol sim` / `python -m sim`: run simulated vehicles until Ctrl-C."""

from __future__ import annotations

import json
import signal
from dataclasses import replace
from pathlib import Path

import anyio
import asyncclick as click
from rich.console import Console

from sim.autopilot import Firmware
from sim.ports import local_ports
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
    help="Number of vehicles (extra ones copy the first, 10 m apart).",
)
@click.option("--seed", type=int, default=None, help="Random seed (overrides the scenario).")
@click.option(
    "--autopilot",
    type=click.Choice([f.value for f in Firmware]),
    default=None,
    help="Imitate PX4 (default) or ArduPilot on the wire (overrides the scenario).",
)
@click.option(
    "--free-ports",
    is_flag=True,
    help="Use free loopback ports instead of PX4 SITL's numbering (printed as usual).",
)
@click.option(
    "--truth",
    type=click.Path(path_type=Path),
    default=None,
    help="Write ground truth (vehicles and targets) as JSON lines, one per simulated second.",
)
async def sim_command(
    scenario_path: Path | None,
    speedup: float | None,
    vehicles: int | None,
    seed: int | None,
    autopilot: str | None,
    free_ports: bool,
    truth: Path | None,
) -> None:
    """Simulated PX4 quadrotors speaking MAVLink on UDP, as PX4 SITL does."""
    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    if vehicles is not None:
        scenario = scenario.with_vehicles(vehicles)
    if speedup is not None:
        scenario = replace(scenario, speedup=speedup)
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    if autopilot is not None:
        scenario = replace(scenario, autopilot=Firmware(autopilot))
    ports = local_ports(len(scenario.vehicles)) if free_ports else Ports()
    sim = Simulation(scenario, ports)
    console = Console()
    console.soft_wrap = not console.is_terminal  # a pipe gets whole lines (URLs to copy)
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
            for v in sim.vehicles:
                if v.video is not None:
                    console.print(
                        f"vehicle {v.index + 1} camera ({scenario.camera.view.value}): "
                        f"http://{sim.ports.host}:{scenario.camera.port + v.index}/video.mjpg"
                    )
            if truth is not None:
                tg.start_soon(_write_truth, sim, truth)
            console.print(
                f"{scenario.autopilot.value}, speed-up {scenario.speedup:g}x, "
                f"seed {scenario.seed}; Ctrl-C stops"
            )
            async for _signum in signals:
                tg.cancel_scope.cancel()
                break
    console.print(f"stopped after {sim.sim_time_s:.1f} s of simulated time")


async def _write_truth(sim: Simulation, path: Path) -> None:
    """Append one ground-truth record per simulated second until cancelled."""
    next_s = 0.0
    with path.open("w", encoding="utf-8") as out:
        while True:
            if sim.sim_time_s >= next_s:
                out.write(json.dumps(sim.truth()) + "\n")
                out.flush()
                next_s = sim.sim_time_s + 1.0
            await anyio.sleep(0.02)
