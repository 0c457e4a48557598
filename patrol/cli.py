"""The `patrol` command line. The one place that turns errors into messages and exit codes
(`patrol.ending.Exit`; the README draws the same table):

0    as planned (for `fly`: every vehicle landed at the end of its mission)
2    bad input: a file, a field, an option, a vehicle URL or a connection it cannot open
     (PatrolError, a usage error; for `station push` a station certificate not trusted): one
     line names it, says what is wrong and how to mend it; nothing was sent to a vehicle
3    refused before arming: a preflight check, a parameter the vehicle lacks, a refused arm,
     a refused upload (VehicleError), or a start-up check (RefusedError: a video that gives
     no frame, a model that does not load or run, a station token that is not a vehicle's or
     a station certificate not trusted); nothing was armed. For `station push`: records the
     station has not taken yet
4    ended early, safely: a monitor, the pilot or the autopilot brought a vehicle back, or
     the mission had no return and the controller commanded one (FlightAbortedError)
130  interrupted (Ctrl-C, SIGTERM): the vehicles were returned or left on their missions
"""

from __future__ import annotations

import json
import math
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import asyncclick as click
from rich.console import Console
from rich.markup import escape

from geofence.errors import PatrolError
from missions import (
    check_mission,
    load_spec,
    plan_file,
    plan_text,
    read_plan,
)
from missions.geojson_export import plan_geojson_text
from missions.preview import plan_svg
from patrol import __version__, assign, flightlog
from patrol.ending import Ending, Exit, exit_code, worst
from patrol.errors import MOST_CHARACTERS, RefusedError, VehicleError, one_line
from patrol.files import numbered, write_all
from patrol.flight import FlightAbortedError, FlightOutcome
from patrol.library_log import LibraryLine, LibraryLog, native_stderr
from patrol.mavsdk_vehicle import check_url, connect, mavsdk_log
from patrol.names import NAME_COLS, named
from patrol.operation import Assignment, Result, operate
from patrol.options import ceiling_option, data_dir_option
from patrol.pilot import PilotCommand
from patrol.preflight import CheckResult, preflight
from patrol.report import flights_table, print_lint, print_plan
from patrol.resume import read_stopped
from patrol.screen import make_console, stamped
from patrol.shell import command_line, patrol_command
from patrol.station.cli import station_command, station_link, station_options
from patrol.vision.georef import Intrinsics
from patrol.vision.pipeline import VisionRun
from patrol.vision.setup import detector_factory, video_for, vision_run

F = TypeVar("F", bound=Callable[..., Any])


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


def verbose_option(help_text: str) -> Callable[[F], F]:
    return click.option("-v", "--verbose", is_flag=True, help=help_text)


@contextmanager
def library_output(console: Console, verbose: bool) -> Iterator[LibraryLog]:
    """For the block, what MAVSDK and native code (OpenCV, FFmpeg) say is off the screen: it
    goes into the flight logs an operation attaches, and onto `console` only if `verbose`."""

    def show(line: LibraryLine) -> None:
        console.print(stamped(str(line)), style="dim", highlight=False, markup=False)

    library = LibraryLog(show if verbose else None)
    with native_stderr(library.take_threadsafe) as stderr, mavsdk_log(library.take_threadsafe):
        library.syncs.append(stderr.sync)
        yield library


#: The entry-point group other packages register `patrol` commands under: the simulator's
#: `patrol sim` and the demo live outside the product package, which never imports them.
COMMANDS_GROUP = "patrol.commands"


class _Patrol(click.Group):
    """The `patrol` group: its own commands, and those registered under `COMMANDS_GROUP`,
    loaded only when named (or listed by --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {e.name for e in _registered()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        for entry in _registered():
            if entry.name == cmd_name:
                loaded = entry.load()
                return loaded if isinstance(loaded, click.Command) else None
        return None


def _registered() -> tuple[metadata.EntryPoint, ...]:
    return tuple(metadata.entry_points(group=COMMANDS_GROUP))


@click.group(cls=_Patrol)
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
@ceiling_option
async def plan_command(
    source: Path,
    output: Path | None,
    geojson: Path | None,
    svg: Path | None,
    as_json: bool,
    ceiling_rel_m: float | None,
) -> None:
    """Plan SOURCE (a patrol spec .toml), or check SOURCE (a QGroundControl .plan) against its
    fence."""
    console = make_console()
    if source.suffix.lower() == ".plan":
        _check_plan(console, source, output, geojson, svg, as_json, ceiling_rel_m)
        return
    _spec_has_its_ceiling(ceiling_rel_m)
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


cli.add_command(station_command)


@cli.command("fly")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option(
    "--vehicle",
    "urls",
    multiple=True,
    help="MAVLink connection, e.g. udpin://0.0.0.0:14540; repeat it to fly several vehicles, "
    "one sector each.",
)
@click.option(
    "--name",
    "names",
    multiple=True,
    help="The vehicle's name, as the dashboard, the flight log and the station show it; "
    f"one per --vehicle, in the same order (up to {NAME_COLS} characters).",
)
@click.option(
    "--sortie",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Which sortie of a multi-sortie patrol.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(0.5, 600),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each vehicle's heartbeat.",
)
@click.option(
    "--resume",
    "resume_id",
    metavar="FLIGHT_ID",
    help="Continue an earlier flight from its next unflown waypoint (or, when it flew its "
    "sortie to the end, with the patrol's next sortie).",
)
@click.option(
    "--loops",
    type=click.IntRange(1, 1000),
    default=None,
    help="Fly the patrol this many times over (a standing patrol); overrides the spec.",
)
@data_dir_option
@ceiling_option
@click.option(
    "--video",
    default=None,
    help="Detect targets in this video: a stream URL (rtsp://, udp://, http://), a file, a "
    "device number, or 'sim' for the simulator's camera (vehicle k's on port 8800 + k; "
    "'sim:PORT' for PORT + k, as patrol sim --base-port PORT prints).",
)
@click.option(
    "--detector",
    default=None,
    help="thermal (the default), motion, or onnx:PATH (a YOLOv5/v8/v11 export; class names "
    "in PATH.names or --classes). Needs --video.",
)
@click.option(
    "--classes",
    type=click.Path(path_type=Path),
    default=None,
    help="Class names for an ONNX model, one per line.",
)
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    default=None,
    help="OpenCV camera calibration (camera_matrix, distortion_coefficients); default: the "
    "spec's [camera].",
)
@station_options
@verbose_option(
    "Also show what MAVSDK, OpenCV and FFmpeg say; the flight log keeps it either way "
    "(its library table)."
)
async def fly_command(
    source: Path | None,
    urls: tuple[str, ...],
    names: tuple[str, ...],
    sortie: int,
    timeout_s: float,
    resume_id: str | None,
    loops: int | None,
    data_dir: Path | None,
    ceiling_rel_m: float | None,
    video: str | None,
    detector: str | None,
    classes: Path | None,
    calibration: Path | None,
    station_url: str | None,
    station_token_file: Path | None,
    station_ca: Path | None,
    verbose: bool,
) -> None:
    """Preflight and fly SOURCE (a spec or a .plan) to the landing; Ctrl-C returns the vehicles
    and watches them land (a second Ctrl-C leaves the return to the autopilot).

    On a terminal it draws a live dashboard and takes keys: p pause, c continue, r r return,
    l l land (pressed twice to confirm; 1-9 pick a vehicle, a all of them)."""
    logs_dir = flightlog.data_dir(data_dir)
    station = station_link(station_url, station_token_file, station_ca)
    if resume_id is not None:
        if loops is not None or source is not None or ceiling_rel_m is not None:
            raise click.UsageError(
                "--resume continues a flight as planned: drop SOURCE/--loops/--ceiling"
            )
        if len(urls) > 1:
            raise click.UsageError("--resume continues one vehicle's flight: give one --vehicle")
        stopped = read_stopped(logs_dir, resume_id)
        assignments = [assign.resumed(stopped, urls[0] if urls else stopped.vehicle_url)]
    else:
        if source is None:
            raise click.UsageError("give SOURCE (a patrol spec or a .plan), or --resume FLIGHT_ID")
        if not urls:
            raise click.UsageError("Missing option '--vehicle' (a MAVLink connection URL)")
        assignments = assign.from_source(source, urls, sortie, loops, ceiling_rel_m=ceiling_rel_m)
    for a in assignments:
        check_url(a.url)
    if len(set(urls)) < len(urls):
        twice = next(u for u in urls if urls.count(u) > 1)
        raise click.UsageError(
            f"--vehicle {twice} given twice: one connection is one vehicle; give each vehicle "
            "its own URL"
        )
    assignments = named(assignments, names)
    separation_m = 0.0
    if len(assignments) > 1 and source is not None:
        separation_m = load_spec(source).separation_m
    vision = None
    if video is None:
        _no_video(detector, classes, calibration)
    else:
        video_for(video, 0)  # a bad sim:PORT is said before anything starts
        make_detector = detector_factory(detector or "thermal", classes)
        if calibration is not None:
            Intrinsics.from_file(calibration)  # a bad file is the pilot's to mend before flying

        def vision(k: int, a: Assignment) -> VisionRun:
            return vision_run(video, k, make_detector, a, calibration)

    console = make_console()
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    with library_output(console, verbose) as library:
        result = await operate(
            assignments,
            connect=connect,
            data_dir=logs_dir,
            console=console,
            terminal_fd=sys.stdin.fileno() if interactive else None,
            timeout_s=timeout_s,
            separation_m=separation_m,
            vision=vision,
            station=station,
            library=library,
        )
    _report_flights(console, result, data_dir)


def _no_video(detector: str | None, classes: Path | None, calibration: Path | None) -> None:
    """Detection options without a video would be silently ignored: a usage error instead."""
    given = [
        name
        for name, value in (
            ("--detector", detector),
            ("--classes", classes),
            ("--calibration", calibration),
        )
        if value is not None
    ]
    if given:
        detector_factory(detector or "thermal", classes)  # an unknown name is said first
        raise click.UsageError(
            f"{given[0]} is for detection, which needs --video (a stream URL, a file, a "
            "device number or 'sim'); add --video or drop " + "/".join(given)
        )


def _early(outcome: FlightOutcome, ending: Ending) -> str:
    """Why a flight ended before its mission did, in the pilot's words."""
    if ending is Ending.MONITOR and outcome.decisions:
        first = outcome.decisions[0]
        return f"the {first.monitor} monitor commanded {first.action.value} ({first.reason})"
    if ending is Ending.NO_RETURN:
        return "its mission ended without a return; the controller commanded one"
    commanded = PilotCommand.LAND if PilotCommand.LAND in outcome.pilot else None
    commanded = commanded or (outcome.pilot[-1] if outcome.pilot else None)
    why = (
        f"the pilot commanded {commanded.value}"
        if ending is Ending.PILOT and commanded is not None
        else "its autopilot brought it home: see the log's events"
    )
    return f"landed before its mission ended ({why})"


def _report_flights(console: Console, result: Result, data_dir: Path | None) -> None:
    """Say how each flight ended and what comes next; raise for any that did not go to plan
    (the exit code is the worst ending's, `patrol.ending.exit_code`)."""
    failed: list[str] = []
    codes: list[Exit] = [Exit.INTERRUPTED] if result.interrupted else []
    if len(result.flights) > 1 and math.isfinite(result.closest_m):
        console.print(f"closest approach between vehicles: {result.closest_m:.1f} m")
    for flown in result.flights:
        who = flown.assignment.who
        name = f"vehicle {who}: " if who else ""
        console.print(f"{name}flight {flown.flight_id}, log {flown.log_path}", highlight=False)
        outcome = flown.outcome
        again = ("--data-dir", data_dir) if data_dir is not None else ()
        command = command_line(patrol_command(), "fly", "--resume", flown.flight_id, *again)
        resume = (
            f"to fly the rest, after a battery swap (carried back to its pad if it landed "
            f"elsewhere): {command}"
        )
        ending = Ending.INTERRUPTED if outcome is None else outcome.ended
        codes.append(exit_code(ending))
        if outcome is None or ending is Ending.INTERRUPTED:
            continue
        if exit_code(ending) is Exit.ENDED_EARLY:
            failed.append(f"{name}{_early(outcome, ending)}; {resume}")
        else:
            sortie = int(str(flown.assignment.meta.get("sortie", 1)))
            sorties = int(str(flown.assignment.meta.get("sorties", 1)))
            console.print(f"{name}landed as planned")
            if sortie < sorties:
                console.print(f"{name}sortie {sortie} of {sorties} flown; next, {resume}")
    code = worst(codes)
    if code is Exit.INTERRUPTED:
        for line in failed:  # watched to the landing after a Ctrl-C return
            console.print(line, highlight=False)
        raise click.exceptions.Exit(Exit.INTERRUPTED)
    if code is Exit.ENDED_EARLY:
        raise FlightAbortedError("; ".join(failed))


@cli.command("logs")
@data_dir_option
async def logs_command(data_dir: Path | None) -> None:
    """List recorded flights: when, how long, how far, and how each ended."""
    console = make_console()
    directory = flightlog.data_dir(data_dir)
    paths = sorted(directory.glob("*.sqlite"))
    if not paths:
        console.print(_no_flights(directory, data_dir), highlight=False, soft_wrap=True)
        return
    console.print(flights_table([(path.stem, flightlog.summarise(path)) for path in paths]))


def _no_flights(directory: Path, data_dir: Path | None) -> str:
    """Where `patrol logs` looked and found nothing, and how to look elsewhere."""
    origin = flightlog.data_dir_origin(data_dir)
    missing = "" if directory.is_dir() else "; it does not exist"
    return (
        f"no flight logs in {directory} ({origin}{missing}); to look elsewhere: "
        "patrol logs --data-dir DIR, or set $PATROL_DATA_DIR"
    )


@cli.command("check")
@click.argument("source", type=click.Path(path_type=Path))
@vehicle_options
@verbose_option("Also show what MAVSDK says (otherwise not shown; a check keeps no log).")
@ceiling_option
async def check_command(
    source: Path,
    url: str,
    sortie: int,
    timeout_s: float,
    verbose: bool,
    ceiling_rel_m: float | None,
) -> None:
    """Preflight SOURCE (a spec or a .plan) on a vehicle: checks, uploads, read-back; no arming."""
    (assignment,) = assign.from_source(source, (url,), sortie, None, ceiling_rel_m=ceiling_rel_m)
    mission = assignment.mission
    check_url(url)
    console = make_console()
    console.print(f"preflight of {mission.name} on {url}", highlight=False)
    if "ceiling" in assignment.meta:
        console.print(f"  ceiling {assignment.meta['ceiling']}", highlight=False)

    def report(result: CheckResult) -> None:
        colour = {"ok": "green", "warn": "yellow", "FAIL": "red"}[result.mark]
        mark = f"[{colour}]{result.mark:<4}[/]"
        line = f"  {mark} {escape(result.name)}: {escape(result.detail)}"
        console.print(line, highlight=False, soft_wrap=True)

    with library_output(console, verbose):
        async with connect(url, timeout_s=timeout_s) as vehicle:
            console.print(f"  connected to {vehicle.profile.name}")
            await preflight(
                vehicle,
                mission,
                battery_needed_pct=assignment.needed_pct,
                reserve_pct=assignment.model.reserve_pct,
                report=report,
            )
    console.print(f"[green]preflight passed[/]: {mission.name} is loaded; not armed")


def _spec_has_its_ceiling(ceiling_rel_m: float | None) -> None:
    if ceiling_rel_m is not None:
        raise click.UsageError(
            "--ceiling is for a .plan; a spec sets its ceiling in [fence] ceiling_rel_m"
        )


def _check_plan(
    console: Console,
    source: Path,
    output: Path | None,
    geojson: Path | None,
    svg: Path | None,
    as_json: bool,
    ceiling_rel_m: float | None,
) -> None:
    if geojson is not None or svg is not None:
        raise click.UsageError("--geojson and --svg need a patrol spec (.toml), not a .plan")
    plan_file = read_plan(source, ceiling_rel_m=ceiling_rel_m)
    mission = plan_file.mission
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
                    "max_alt_rel_m": round(report.max_alt_rel_m, 2),
                    "ceiling_rel_m": plan_file.ceiling.rel_m,
                    "ceiling_source": plan_file.ceiling.source.name.lower(),
                }
            )
        )
    else:
        print_lint(console, mission, report, plan_file.ceiling)


def exit_code_of(exc: BaseException) -> Exit:
    """The exit code for an error that reached the command line (see the module's table)."""
    if isinstance(exc, FlightAbortedError):  # landed safely, but not as planned
        return Exit.ENDED_EARLY
    if isinstance(exc, VehicleError | RefusedError):
        return Exit.REFUSED
    if isinstance(exc, click.exceptions.Abort | KeyboardInterrupt):
        return Exit.INTERRUPTED
    return Exit.BAD_INPUT  # PatrolError, a usage error, a port taken, a file gone mid-run


def _terminated(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: run the CLI, mapping errors to one line and an exit code."""
    # SIGTERM as Ctrl-C wherever it comes (the flight's own handler takes over in flight)
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, _terminated)  # the terminal closed: as a service stop
    try:
        code = cli(standalone_mode=False, _anyio_backend="asyncio")
    except BaseExceptionGroup as group:  # one error out of a task group: said as itself
        _exit_for(_only(group) or group)
    except (PatrolError, click.ClickException, click.exceptions.Abort, OSError) as exc:
        _exit_for(exc)
    except KeyboardInterrupt as exc:
        _exit_for(exc)
    if isinstance(code, int) and code:  # click returns an Exit's code in this mode
        sys.exit(code)


def _only(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The one error a task group (or groups within groups) raised, or None for several."""
    while len(group.exceptions) == 1:
        (inner,) = group.exceptions
        if not isinstance(inner, BaseExceptionGroup):
            return inner
        group = inner
    return None


def _exit_for(exc: BaseException) -> NoReturn:
    """Say `exc` in one line and exit with its code; anything unforeseen is raised as it is."""
    if isinstance(exc, PatrolError):  # one line, never a repr, however it was built
        # an early landing is the safety working, not an error (exit 4)
        what = "ended early, safely" if isinstance(exc, FlightAbortedError) else "error"
        click.echo(f"patrol: {what}: {one_line(str(exc), 4 * MOST_CHARACTERS)}", err=True)
    elif isinstance(exc, click.ClickException):
        exc.show()
    elif isinstance(exc, click.exceptions.Abort | KeyboardInterrupt):
        click.echo("patrol: interrupted", err=True)
    elif isinstance(exc, OSError):  # a port already taken, a file that vanished mid-run
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"patrol: error: {where}{exc.strerror or exc}", err=True)
    else:
        raise exc
    sys.exit(exit_code_of(exc))
