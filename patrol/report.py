"""Rich renderings of plans, lint reports and flight lists for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from geofence.capacity import CAPACITY, fence_item_count
from geofence.edges import EdgeModel
from geofence.words import plural
from missions import Ceiling, CeilingSource, LintReport, Mission, Plan
from missions.energy import SORTIE_MARGIN_PCT
from patrol.flightlog import Summary


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def plan_table(plan: Plan) -> Table:
    """The summary a pilot reads before flying: the figures and what to watch."""
    s = plan.summary()
    table = Table(title=f"patrol plan: {plan.spec.name}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("pattern", plan.spec.pattern.value)
    table.add_row("zones", ", ".join(plan.spec.zones or plan.area.zone_names()))
    table.add_row("waypoints", str(s["waypoints"]))
    table.add_row("length", f"{plan.length_m / 1000:.2f} km")
    table.add_row("flight time", _minutes(plan.duration_s))
    battery_wh = plan.spec.vehicle.battery_wh
    sortie_pcts = ", ".join(f"{s.cost.energy_wh / battery_wh * 100:.0f} %" for s in plan.sorties)
    table.add_row(
        "battery",
        f"{plan.battery_pct:.0f} % of one battery (per sortie: {sortie_pcts};"
        f" reserve {plan.spec.vehicle.reserve_pct:g} %, and {SORTIE_MARGIN_PCT:g} % margin)",
    )
    table.add_row("sorties", str(len(plan.sorties)))
    if plan.lanes is not None:
        table.add_row(
            "coverage", f"{plan.coverage_pct:.2f} % of {plan.free.area / 1e6:.3f} km2 free area"
        )
        table.add_row(
            "lanes",
            f"{len(plan.lanes.segments)} at {plan.lanes.angle_deg:.1f} deg, "
            f"{plan.lanes.spacing_m:.1f} m apart (footprint {plan.footprint.across_m:.1f}"
            f" m, GSD {plan.spec.camera.gsd_cm(plan.spec.alt_rel_m):.1f} cm/px)",
        )
    ok = plan.min_clearance_m >= plan.spec.margin_m
    style = "green" if ok else "yellow"
    local_m = plan.clearance_by_edges_m[EdgeModel.LOCAL]
    latlon_m = plan.clearance_by_edges_m[EdgeModel.LATLON]
    table.add_row(
        "min clearance",
        f"[{style}]{plan.min_clearance_m:.2f} m[/] to the fence (margin {plan.spec.margin_m:g} m;"
        f" with its edges straight in the local plane {local_m:.2f} m, straight in lat/lon as"
        f" the autopilot tests them {latlon_m:.2f} m)",
    )
    fitted = plan.fitted
    simplified = f", simplified from {fitted.items_drawn:,}" if fitted.simplified else ""
    table.add_row(
        "fence",
        f"{fitted.items:,} items{simplified} (fits {plan.spec.fence_capacity.describe()})",
    )
    table.add_row(
        "altitude", f"{plan.spec.alt_rel_m:g} m above home (ceiling {plan.spec.ceiling_rel_m:g} m)"
    )
    return table


def print_plan(console: Console, plan: Plan, written: list[str]) -> None:
    console.print(plan_table(plan))
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")  # its [section] names are text
    for path in written:
        console.print(f"wrote {path}")


def print_lint(console: Console, mission: Mission, report: LintReport, ceiling: Ceiling) -> None:
    table = Table(
        title=f"patrol plan check: {mission.name}", show_header=False, title_justify="left"
    )
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("items", f"{len(mission.items)} ({report.nav_items} with a position)")
    items = fence_item_count(mission.fence)
    capacity = CAPACITY[mission.autopilot]
    table.add_row(
        "fence",
        f"{plural(len(mission.fence.polygons), 'polygon')}, "
        f"{plural(len(mission.fence.circles), 'circle')}, "
        f"{items:,} items ({capacity.describe()})",
    )
    table.add_row("rally points", str(len(mission.rally)))
    table.add_row("highest", f"{report.max_alt_rel_m:.1f} m above home")
    style = "yellow" if ceiling.source is CeilingSource.DEFAULT else "default"
    table.add_row("ceiling", f"[{style}]{ceiling.describe()}[/]")
    table.add_row("min clearance", f"{report.min_clearance_m:.2f} m to the fence")
    console.print(table)
    if not capacity.fits(mission.fence):
        console.print(
            f"[yellow]warning:[/] the fence has {items:,} items, more than "
            f"{capacity.describe()}: the vehicle will refuse it; simplify it in QGroundControl, "
            "or plan the area with a patrol spec (patrol plan fits the fence to the autopilot)"
        )
    console.print(
        "[green]ok:[/] every leg, loiter circle and item position stays inside the fence, "
        "under the ceiling"
    )


def flights_table(flights: Sequence[tuple[str, Summary]]) -> Table:
    """`patrol logs`: one row per flight id. The id is what `--resume` and the station take, so
    it is never cut; on a narrow terminal the source and the last event fold instead."""
    table = Table(title="flights", title_justify="left")
    id_width = max((len(flight_id) for flight_id, _ in flights), default=0)
    table.add_column("flight", no_wrap=True, min_width=id_width)
    table.add_column("source", overflow="fold")
    table.add_column("duration", justify="right")
    table.add_column("samples", justify="right")
    table.add_column("last event", overflow="fold")
    for flight_id, summary in flights:
        table.add_row(
            flight_id,
            summary.source,
            f"{summary.duration_s:.0f} s",
            str(summary.samples),
            summary.last_event,
        )
    return table
