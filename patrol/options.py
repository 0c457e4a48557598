"""Command-line options more than one command takes, defined once."""

from __future__ import annotations

from pathlib import Path

import asyncclick as click

from geofence.fence import DEFAULT_CEILING_REL_M, MAX_CEILING_REL_M, MIN_CEILING_REL_M

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where flight logs are (default $PATROL_DATA_DIR or ~/.local/share/patrol/flights).",
)

ceiling_option = click.option(
    "--ceiling",
    "ceiling_rel_m",
    type=click.FloatRange(MIN_CEILING_REL_M, MAX_CEILING_REL_M),
    default=None,
    metavar="METRES",
    help="For a .plan: the altitude ceiling above home it is checked against and flown with "
    f"(default: the ceiling the plan carries, else {DEFAULT_CEILING_REL_M:g} m as for a spec, "
    "said as such). A spec sets [fence] ceiling_rel_m.",
)
