"""The `patrol` command line. The one place that turns errors into messages and exit codes:

0  done
2  a user's input cannot be used (PatrolError: file, field, what is wrong, how to mend)
3  the vehicle or the link failed a check or a command (VehicleError); nothing was armed
130 interrupted
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import asyncclick as click
from rich.console import Console
from rich.table import Table

from geofence.errors import PatrolError
from missions import (
    VehicleModel,
    check_mission,
    load_plan,
    load_spec,
    plan_document,
    plan_file,
    plan_text,
)
from missions.geojson_export import plan_geojson_text
from missions.mission import Mission
from missions.preview import plan_svg
from patrol import __version__, flightlog
from patrol.demo import run_demo
from patrol.errors import VehicleError
from patrol.files import numbered, write_all
from patrol.flight import FlightAbortedError, fly
from patrol.flightlog import FlightLog, new_flight_id
from patrol.mavsdk_vehicle import check_url, connect
from patrol.preflight import CheckResult, preflight
from patrol.report import print_lint, print_plan
from sim.cli import sim_command

F = TypeVar("F", bound=Callable[..., Any])
EXIT_USAGE = 2
EXIT_VEHICLE = 3
DEFAULT_RESERVE_PCT = 25.0
EXIT_INTERRUPTED = 130


def vehicle_options(command: F) -> F:
    """--vehicle, --sortie and --timeout, shared by the commands that talk to a vehicle."""
    for option in reversed(
        [
            click.option(
                "--vehicle",
                "url",
                required=True,
                help="MAVLink connection, e.g. udpin://0.0.0.0:14540 or "
                "serial:///dev/ttyUSB0:57600.",
            ),
            click.option(
                "--sortie",
                type=click.IntRange(1),
                default=1,
                show_default=True,
                help="Which sortie of a multi-sortie patrol.",
            ),
            click.option(
                "--timeout",
                "timeout_s",
                type=click.FloatRange(0.5, 600),
                default=10.0,
                show_default=True,
                help="Seconds to wait for the vehicle's heartbeat.",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group()
@click.version_option(__version__, prog_name="patrol")
def cli() -> None:
    """Drone patrol mission controller: plan geofenced routes, fly them, report hits."""


@cli.command("plan")
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the mission as a QGroundControl .plan (one file per sortie).",
)
@click.option(
    "--geojson", type=click.Path(path_type=Path), help="Write fence and route as GeoJSON."
)
@click.option("--svg", type=click.Path(path_type=Path), help="Write a preview drawing.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
async def plan_command(
    source: Path, output: Path | None, geojson: Path | None, svg: Path | None, as_json: bool
) -> None:
    """Plan SOURCE (a patrol spec .toml), or check SOURCE (a QGroundControl .plan) against its
    fence."""
    console = Console()
    if source.suffix.lower() == ".plan":
        _check_plan(console, source, output, geojson, svg, as_json)
        return
    plan = plan_file(source)
    outputs: dict[Path, str] = {}
    if output is not None:
        for k, mission in enumerate(plan.missions, start=1):
            outputs[numbered(output, k, len(plan.missions))] = plan_text(mission)
    if geojson is not None:
        outputs[geojson] = plan_geojson_text(plan)
    if svg is not None:
        outputs[svg] = plan_svg(plan)
    write_all(outputs)
    if as_json:
        click.echo(json.dumps(plan.summary() | {"written": [str(p) for p in outputs]}))
    else:
        print_plan(console, plan, [str(p) for p in outputs])


cli.add_command(sim_command)


@cli.command("fly")
@click.argument("source", type=click.Path(path_type=Path))
@vehicle_options
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where flight logs go (default $PATROL_DATA_DIR or ~/.local/share/patrol).",
)
async def fly_command(
    source: Path, url: str, sortie: int, timeout_s: float, data_dir: Path | None
) -> None:
    """Preflight and fly SOURCE on a vehicle, watching it to the landing; Ctrl-C returns it."""
    prepared = _prepare(source, sortie)
    check_url(url)
    console = Console()
    flight_id = new_flight_id()
    log_path = flightlog.data_dir(data_dir) / f"{flight_id}.sqlite"
    log = FlightLog(
        log_path,
        {
            "flight_id": flight_id,
            "source": str(source),
            "sortie": sortie,
            "vehicle_url": url,
            "mission": plan_document(prepared.mission),
            "software": f"patrol {__version__}",
        },
    )

    def say(text: str) -> None:
        console.print(f"[{time.strftime('%H:%M:%S')}] {text}", highlight=False)

    def report(result: CheckResult) -> None:
        log.event("preflight", f"{'ok' if result.ok else 'FAIL'} {result.name}: {result.detail}")
        say(f"{'ok' if result.ok else 'FAIL'} {result.name}: {result.detail}")

    interrupted = False
    try:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with connect(url, timeout_s=timeout_s) as vehicle:
                log.event("connected", vehicle.profile.name)
                await preflight(
                    vehicle,
                    prepared.mission,
                    battery_needed_pct=prepared.needed_pct,
                    reserve_pct=prepared.model.reserve_pct,
                    report=report,
                )
                async with anyio.create_task_group() as tg:

                    async def on_signal() -> None:
                        nonlocal interrupted
                        async for signum in signals:
                            interrupted = True
                            log.event("pilot", f"signal {signum}: return to launch")
                            tg.cancel_scope.cancel()
                            return

                    tg.start_soon(on_signal)
                    outcome = await fly(
                        vehicle,
                        prepared.mission,
                        model=prepared.model,
                        margin_m=prepared.margin_m,
                        log=log,
                        say=say,
                    )
                    tg.cancel_scope.cancel()
    finally:
        log.close()
    say(f"flight log: {log_path}")
    if interrupted:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if outcome.decisions:
        first = outcome.decisions[0]
        raise FlightAbortedError(
            f"the flight ended early: the {first.monitor} monitor "
            f"commanded {first.action.value} ({first.reason}); log: {log_path}"
        )
    if not outcome.finished:
        raise FlightAbortedError(
            "the vehicle landed before its mission ended (its autopilot "
            f"brought it home: see the events in {log_path})"
        )
    say("landed as planned")


@cli.command("demo")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Where the plans, the preview and the flight log go.",
)
@click.option(
    "--speedup",
    type=click.FloatRange(1, 200),
    default=30.0,
    show_default=True,
    help="Simulation speed-up for the flight.",
)
async def demo_command(out: Path, speedup: float) -> None:
    """A simulated patrol from one command: plan the sample zone, fly it, review the log."""
    await run_demo(out, speedup, Console())


@cli.command("logs")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where flight logs are (default $PATROL_DATA_DIR or ~/.local/share/patrol).",
)
async def logs_command(data_dir: Path | None) -> None:
    """List recorded flights: when, how long, how far, and how each ended."""
    console = Console()
    table = Table(title="flights", title_justify="left")
    for col in ("flight", "source", "duration", "samples", "last event"):
        table.add_column(col)
    for path in sorted(flightlog.data_dir(data_dir).glob("*.sqlite")):
        summary = flightlog.summarise(path)
        table.add_row(
            path.stem,
            summary.source,
            f"{summary.duration_s:.0f} s",
            str(summary.samples),
            summary.last_event,
        )
    console.print(table)


@cli.command("check")
@click.argument("source", type=click.Path(path_type=Path))
@vehicle_options
async def check_command(source: Path, url: str, sortie: int, timeout_s: float) -> None:
    """Preflight SOURCE (a spec or a .plan) on a vehicle: checks, uploads, read-back; no arming."""
    mission, needed_pct, reserve_pct = _mission_for(source, sortie)
    check_url(url)
    console = Console()
    console.print(f"preflight of {mission.name} on {url}")

    def report(result: CheckResult) -> None:
        mark = "[green]ok[/]  " if result.ok else "[red]FAIL[/]"
        console.print(f"  {mark} {result.name}: {result.detail}", highlight=False)

    async with connect(url, timeout_s=timeout_s) as vehicle:
        console.print(f"  connected to {vehicle.profile.name}")
        await preflight(
            vehicle, mission, battery_needed_pct=needed_pct, reserve_pct=reserve_pct, report=report
        )
    console.print(f"[green]preflight passed[/]: {mission.name} is loaded; not armed")


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a flight needs from its source: the mission and the figures to watch it by."""

    mission: Mission
    needed_pct: float | None
    model: VehicleModel
    margin_m: float


def _prepare(source: Path, sortie: int) -> Prepared:
    mission, needed_pct, reserve_pct = _mission_for(source, sortie)
    if source.suffix.lower() == ".plan":
        return Prepared(
            mission, None, VehicleModel(reserve_pct=reserve_pct), mission.fence.margin_m
        )
    spec = load_spec(source)
    return Prepared(mission, needed_pct, spec.vehicle, spec.margin_m)


def _mission_for(source: Path, sortie: int) -> tuple[Mission, float | None, float]:
    """The mission to fly, the battery it needs (percent) and the reserve to keep."""
    if source.suffix.lower() == ".plan":
        mission = load_plan(source)
        check_mission(mission)
        return mission, None, DEFAULT_RESERVE_PCT
    plan = plan_file(source)
    if sortie > len(plan.missions):
        raise click.BadParameter(
            f"the patrol has {len(plan.missions)} sortie(s)", param_hint="--sortie"
        )
    used = plan.sorties[sortie - 1].cost.energy_wh / plan.spec.vehicle.battery_wh * 100
    return plan.missions[sortie - 1], used, plan.spec.vehicle.reserve_pct


def _check_plan(
    console: Console,
    source: Path,
    output: Path | None,
    geojson: Path | None,
    svg: Path | None,
    as_json: bool,
) -> None:
    if geojson is not None or svg is not None:
        raise click.UsageError("--geojson and --svg need a patrol spec (.toml), not a .plan")
    mission = load_plan(source)
    report = check_mission(mission)
    if output is not None:
        write_all({output: plan_text(mission)})
    if as_json:
        click.echo(
            json.dumps(
                {
                    "name": mission.name,
                    "items": len(mission.items),
                    "waypoints": report.nav_items,
                    "min_clearance_m": round(report.min_clearance_m, 2),
                    "max_alt_rel_m": report.max_alt_rel_m,
                }
            )
        )
    else:
        print_lint(console, mission, report)


def main() -> None:
    """Console-script entry point: run the CLI, mapping errors to one line and an exit code."""
    try:
        cli(standalone_mode=False, _anyio_backend="asyncio")
    except VehicleError as exc:
        click.echo(f"patrol: error: {exc}", err=True)
        sys.exit(EXIT_VEHICLE)
    except PatrolError as exc:
        click.echo(f"patrol: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("patrol: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("patrol: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # a port already taken, a file that vanished mid-run
        click.echo(f"patrol: error: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
