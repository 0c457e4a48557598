"""The `patrol` command line. The one place that turns errors into messages and exit codes:

0  done
2  a user's input cannot be used (PatrolError: file, field, what is wrong, how to mend)
130 interrupted
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import asyncclick as click
from rich.console import Console

from geofence.errors import PatrolError
from missions import check_mission, load_plan, plan_file, plan_text
from missions.geojson_export import plan_geojson_text
from missions.preview import plan_svg
from patrol import __version__
from patrol.files import numbered, write_all
from patrol.report import print_lint, print_plan
from sim.cli import sim_command

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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
