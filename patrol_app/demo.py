"""`patrol demo` (a `patrol` command by entry point): a whole simulated patrol from one
command: plan the Mukdahan sample, start a station and a simulated vehicle with its thermal
camera and people and a car near the hot-spots (and one person across the river), preflight and
fly the hot-spot round with detection on, forward each hit to the station as it is confirmed,
review what the station holds, and print the commands that list its flight logs and serve the
review map (naming the `patrol` that ran, so they work pasted where `make demo` ran)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiohttp
import anyio
import asyncclick as click
from rich.console import Console
from rich.table import Table

from geofence.words import plural
from missions import plan_file, plan_text
from missions.geojson_export import plan_geojson_text
from missions.planner import Plan
from missions.preview import plan_svg
from patrol import flightlog
from patrol.assign import from_source
from patrol.cli import library_output
from patrol.files import numbered, write_all
from patrol.mavsdk_vehicle import connect
from patrol.operation import Assignment, operate
from patrol.report import print_plan
from patrol.screen import clock, make_console
from patrol.shell import command_line, patrol_command
from patrol.station.sender import StationLink
from patrol.station.serve import running
from patrol.station.tokens import Role, add_token
from patrol.vision.pipeline import VisionRun
from patrol.vision.setup import vision_run
from patrol.vision.thermal import ThermalDetector
from sim.ports import free_tcp_port, local_ports
from sim.scenario import CameraSpec, Scenario, TargetSpec
from sim.server import Simulation
from sim.targets import TargetClass

EXAMPLES = Path(__file__).resolve().parents[1] / "missions" / "examples" / "mukdahan"


@click.command("demo")
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
    default=10.0,
    show_default=True,
    help="Simulation speed-up for the flight.",
)
async def demo_command(out: Path, speedup: float) -> None:
    """A simulated patrol from one command: plan the sample zone, fly it, review the log."""
    await run_demo(out, speedup, make_console())


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
    ports = local_ports()
    video_port = free_tcp_port()
    scenario = Scenario(
        speedup=speedup,
        camera=CameraSpec(enabled=True, port=video_port),
        targets=_targets(rounds),
    )
    sim = Simulation(scenario, ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    assignments = from_source(EXAMPLES / "hotspots.toml", (url,), 1, None)

    def vision(k: int, a: Assignment) -> VisionRun:
        return vision_run(f"http://127.0.0.1:{video_port}/video.mjpg", k, ThermalDetector, a)

    tokens = out / "station-tokens.txt"
    if not tokens.exists():
        add_token(tokens, Role.VEHICLE, "demo-drone")
        add_token(tokens, Role.STAFF, "demo-desk")
    vehicle_token, staff_token = _demo_tokens(tokens)
    async with running(out / "station.db", tokens, port=0) as station:
        console.print(f"station on {station.url}, database {out / 'station.db'}")
        async with anyio.create_task_group() as tg:
            await tg.start(sim.serve)
            with library_output(console, verbose=False) as library:  # into the flight log
                result = await operate(
                    assignments,
                    connect=connect,
                    data_dir=out / "flights",
                    console=console,
                    terminal_fd=None,
                    vision=vision,
                    station=StationLink(station.url, vehicle_token),
                    library=library,
                )
            tg.cancel_scope.cancel()
        flight_id = result.flights[0].flight_id
        async with aiohttp.ClientSession(
            station.url, headers={"Authorization": f"Bearer {staff_token}"}
        ) as http:
            async with http.get("/api/v1/hits", params={"flight": flight_id}) as r:
                station_hits = (await r.json())["hits"]
            async with http.get("/api/v1/flights") as r:
                flights = [f for f in (await r.json())["flights"] if f["id"] == flight_id]
    log_path: Path = result.flights[0].log_path
    summary = flightlog.summarise(log_path)
    console.rule("review")
    console.print(
        f"flight log {log_path}: {summary.duration_s:.0f} s, {summary.samples} "
        f"telemetry samples, ended with '{summary.last_event}'"
    )
    logged = flightlog.read_hits(log_path)
    table = Table(title="hits at the station", title_justify="left")
    for column in ("captured", "class", "zone", "latitude", "longitude", "error", "conf."):
        table.add_column(column)
    for hit in station_hits:
        table.add_row(
            clock(datetime.fromisoformat(hit["captured_utc"]).timestamp()),  # local, as above
            hit["class"],
            hit["zone"] or "-",
            f"{hit['lat_deg']:.6f}",
            f"{hit['lon_deg']:.6f}",
            f"{hit['error_m']:.1f} m",
            f"{hit['confidence']:.2f}",
        )
    console.print(table)
    for f in flights:
        console.print(
            f"station's flight {f['id']}: {f['state']}, {f['duration_s']:.0f} s, "
            f"{f['distance_m']:.0f} m flown, {plural(f['hits'], 'hit')} "
            f"({len(logged)} in the flight log)"
        )
    _say_what_next(console, out, tokens, staff_token)
    return log_path


def _say_what_next(console: Console, out: Path, tokens: Path, staff_token: str) -> None:
    """The commands to list the demo's flight logs and serve its review map, each on a line
    of its own, runnable as pasted into a shell where the demo ran."""
    patrol = patrol_command()
    station = command_line(
        patrol, "station", "serve", "--db", out / "station.db", "--tokens", tokens
    )
    for line in (
        f"the demo's flight logs are in {out / 'flights'}; list them with",
        f"  {command_line(patrol, 'logs', '--data-dir', out / 'flights')}",
        "review on the map: serve it with",
        f"  {station}",
        f"then open http://127.0.0.1:8765/#token={staff_token}",
    ):
        console.print(line, highlight=False, soft_wrap=True)


def _demo_tokens(path: Path) -> tuple[str, str]:
    """The demo's vehicle and staff tokens from its own tokens file."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in ("demo-drone", "demo-desk"):
            found[parts[1]] = parts[2]
    return found["demo-drone"], found["demo-desk"]


#: Where the demo's targets stand, metres east and north of each hot-spot.
_NEAR_HOTSPOTS = ((TargetClass.PERSON, 4.0, 3.0), (TargetClass.CAR, -6.0, -4.0))


def _targets(rounds: Plan) -> tuple[TargetSpec, ...]:
    """People and a car beside each hot-spot, and one person across the river, which the
    camera may see but patrol must never report."""
    out = []
    for k, spot in enumerate(rounds.area.hotspots):
        e0, n0 = rounds.frame.geodetic2enu(spot.position.lat_deg, spot.position.lon_deg)
        kind, de, dn = _NEAR_HOTSPOTS[k % len(_NEAR_HOTSPOTS)]
        where = rounds.frame.enu2geodetic(e0 + de, n0 + dn)
        heat = 0.6 if kind is TargetClass.CAR else 0.9
        out.append(TargetSpec(f"{kind.value} {k + 1}", kind, (where,), 0.0, heat))
    river = rounds.frame.enu2geodetic(380.0, 180.0)
    out.append(TargetSpec("across the river", TargetClass.PERSON, (river,)))
    return tuple(out)
