"""`patrol sim` / `python -m sim`: run simulated vehicles until Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
from dataclasses import replace
from pathlib import Path

import anyio
import asyncclick as click
from rich.console import Console

from geofence.errors import PatrolError
from sim.autopilot import Firmware
from sim.camera import View
from sim.ports import (
    DEFAULT_BASE_PORT,
    LOWEST_BASE_PORT,
    free_port_block,
    highest_base_port,
    local_ports,
    ports_from_base,
    top_offset,
)
from sim.scenario import CameraSpec, Scenario, load_scenario
from sim.server import PortError, Ports, Simulation

#: `--camera off`: no camera, no video port.
CAMERA_OFF = "off"


class SimOptionError(PatrolError):
    """What `patrol sim` was asked for cannot be done as given: an option out of range, or a
    port it must listen on already taken."""


@click.command("sim")
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(path_type=Path),
    help="Scenario TOML (vehicles, wind, faults, camera, targets); default: one vehicle at the "
    "sample's station with a thermal camera. Example: sim/examples/mukdahan.toml.",
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
    "--camera",
    type=click.Choice([v.value for v in View] + [CAMERA_OFF]),
    default=None,
    help="What the vehicles' cameras see: thermal (the default, for --detector thermal) or "
    "colour; off for none. Overrides the scenario's [camera] view.",
)
@click.option(
    "--base-port",
    type=int,
    default=None,
    metavar="N",
    help=f"Move every port up or down so the lowest is N, PX4 SITL's spacing kept (default "
    f"{DEFAULT_BASE_PORT}: the camera on {DEFAULT_BASE_PORT}, MAVLink on PX4's numbers); for a "
    "second simulator beside the first. patrol fly takes its camera as --video sim:N.",
)
@click.option(
    "--free-ports",
    is_flag=True,
    help="Use free loopback ports, the cameras' too, instead of PX4 SITL's numbering (printed "
    "as usual).",
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
    camera: str | None,
    base_port: int | None,
    free_ports: bool,
    truth: Path | None,
) -> None:
    """Simulated PX4 quadrotors speaking MAVLink on UDP, as PX4 SITL does."""
    scenario = (
        load_scenario(scenario_path) if scenario_path else Scenario(camera=CameraSpec(enabled=True))
    )
    if vehicles is not None:
        scenario = scenario.with_vehicles(vehicles)
    if speedup is not None:
        scenario = replace(scenario, speedup=speedup)
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    if autopilot is not None:
        scenario = replace(scenario, autopilot=Firmware(autopilot))
    scenario = _with_camera(scenario, camera)
    scenario, ports = _placed(scenario, base_port, free_ports)
    sim = Simulation(scenario, ports)
    try:
        await sim.bind()
    except PortError as exc:
        raise SimOptionError(f"{exc}; {_move_hint(len(scenario.vehicles))}") from None
    console = Console()
    console.soft_wrap = not console.is_terminal  # a pipe gets whole lines (URLs to copy)
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as tg:
            await tg.start(sim.serve)
            _print_ports(console, sim)
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


def _with_camera(scenario: Scenario, camera: str | None) -> Scenario:
    """`--camera` over the scenario's [camera]: a view turns the camera on, off turns it off."""
    if camera is None:
        return scenario
    if camera == CAMERA_OFF:
        spec = replace(scenario.camera, enabled=False)
    else:
        spec = replace(scenario.camera, enabled=True, view=View(camera))
    return replace(scenario, camera=spec)


#: Vehicle i sends to api_remote_base + i, and base + 10 is the ground station's port.
PX4_NUMBERED_VEHICLES = 10


def _placed(scenario: Scenario, base_port: int | None, free_ports: bool) -> tuple[Scenario, Ports]:
    """The ports to listen and send on, and the scenario with its camera's port to match."""
    count = len(scenario.vehicles)
    if base_port is not None and free_ports:
        raise SimOptionError("--base-port and --free-ports both choose the ports: give one")
    if free_ports:
        ports, video_port = local_ports(count), free_port_block(count, socket.SOCK_STREAM)
    elif base_port is not None:
        highest = highest_base_port(count)
        if not LOWEST_BASE_PORT <= base_port <= highest:
            vehicles = f"{count} vehicle{'s' if count > 1 else ''}"
            raise SimOptionError(
                f"--base-port {base_port}: out of range; with {vehicles} the simulator needs "
                f"ports N to N + {top_offset(count)}, so use {LOWEST_BASE_PORT} to {highest}"
            )
        ports, video_port = ports_from_base(base_port), base_port
    else:
        ports, video_port = Ports(), scenario.camera.port
    if not free_ports and count > PX4_NUMBERED_VEHICLES:
        raise SimOptionError(
            f"{count} vehicles: in PX4's numbering vehicle {PX4_NUMBERED_VEHICLES + 1} would "
            f"send to the ground station's port {ports.gcs_remote}; use --free-ports for more "
            f"than {PX4_NUMBERED_VEHICLES}"
        )
    return replace(scenario, camera=replace(scenario.camera, port=video_port)), ports


def _move_hint(vehicles: int) -> str:
    return (
        "another patrol sim (or a SITL) may be running: move this one with --base-port N "
        f"({LOWEST_BASE_PORT} to {highest_base_port(vehicles)}) or use --free-ports"
    )


def _print_ports(console: Console, sim: Simulation) -> None:
    """Where to connect: each vehicle's MAVLink, its camera, and what patrol fly takes."""
    ports, camera = sim.ports, sim.scenario.camera
    for v in sim.vehicles:
        console.print(
            f"vehicle {v.index + 1} (system id {v.index + 1}) at "
            f"{v.ap.home.lat_deg:.6f}, {v.ap.home.lon_deg:.6f}: API client "
            f"udpin://0.0.0.0:{ports.api_remote_base + v.index}, ground station udp port "
            f"{ports.gcs_remote}",
            highlight=False,
            soft_wrap=True,
        )
    if not camera.enabled:
        return
    for v in sim.vehicles:
        console.print(
            f"vehicle {v.index + 1} camera ({camera.view.value}): "
            f"http://{ports.host}:{camera.port + v.index}/video.mjpg",
            highlight=False,
            soft_wrap=True,
        )
    video = "sim" if camera.port == DEFAULT_BASE_PORT else f"sim:{camera.port}"
    console.print(
        f"detection on these cameras: patrol fly … --video {video}",
        highlight=False,
        soft_wrap=True,
    )


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
