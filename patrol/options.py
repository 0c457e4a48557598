"""Command-line options more than one command takes, defined once."""

from __future__ import annotations

from pathlib import Path

import asyncclick as click

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where flight logs are (default $PATROL_DATA_DIR or ~/.local/share/patrol/flights).",
)
