"""`patrol demo`: a whole simulated patrol from one command, as far as the project goes today:
plan the Mukdahan sample, start a simulated vehicle, preflight and fly the hot-spot round,
and review the flight log."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
from rich.console import Console

from missions import plan_file, plan_text
from missions.geojson_export import plan_geojson_text
from missions.preview import plan_svg
from patrol import flightlog
from patrol.assign import from_source
from patrol.files import numbered, write_all
from patrol.operation import operate
from patrol.report import print_plan
from sim.scenario import Scenario
from sim.server import Ports, Simulation

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"


def _free_ports() -> Ports:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        base = int(s.getsockname()[1]) % 20000 + 30000
    return Ports(
        api_local_base=base, gcs_local_base=base + 1, api_remote_base=base + 2, gcs_remote=base + 3
    )


async def run_demo(out: Path, speedup: float, console: Console) -> Path:
    """Plan, fly and review; returns the flight log's path."""
    sweep = plan_file(EXAMPLES / "patrol.toml")
    outputs = {
        numbered(out / "mukdahan.plan", k, len(sweep.missions)): plan_text(m)
        for k, m in enumerate(sweep.missions, start=1)
    }
    outputs[out / "mukdahan.geojson"] = plan_geojson_text(sweep)
    outputs[out / "mukdahan.svg"] = plan_svg(sweep)
    write_all(outputs)
    print_plan(console, sweep, [str(p) for p in outputs])

    rounds = plan_file(EXAMPLES / "hotspots.toml")
    mission = rounds.missions[0]
    console.rule(f"flying {mission.name} on a simulated PX4 quadrotor at {speedup:g}x")
    ports = _free_ports()
    sim = Simulation(Scenario(speedup=speedup), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    assignments = from_source(EXAMPLES / "hotspots.toml", (url,), 1, None)
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await operate(
            assignments, data_dir=out / "flights", console=console, terminal_fd=None
        )
        tg.cancel_scope.cancel()
    log_path: Path = result.flights[0].log_path
    summary = flightlog.summarise(log_path)
    console.rule("review")
    console.print(
        f"flight log {log_path}: {summary.duration_s:.0f} s, {summary.samples} "
        f"telemetry samples, ended with '{summary.last_event}'"
    )
    console.print("detection and forwarding to the station join this demo as they land")
    return log_path
