"""`patrol station …`: serve the station, issue tokens, push queued hits; and the `--station`
options `patrol fly` shares."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import asyncclick as click

from geofence.words import plural
from patrol import flightlog
from patrol.ending import Exit
from patrol.options import data_dir_option
from patrol.screen import make_console
from patrol.station.outbox import logs_with_pending
from patrol.station.sender import Sender, StationLink, check_tls
from patrol.station.serve import running
from patrol.station.tokens import Role, TokensError, add_token

F = TypeVar("F", bound=Callable[..., Any])
TOKEN_ENV = "PATROL_STATION_TOKEN"
EXIT_UNDELIVERED = Exit.REFUSED  # the station has not taken everything yet


def station_options(command: F) -> F:
    """--station, --station-token-file and --station-ca: where hits go and how."""
    for option in reversed(
        [
            click.option(
                "--station",
                "station_url",
                envvar="PATROL_STATION",
                default=None,
                help="Forward hits to this station (http://host:port or https://…); "
                "also $PATROL_STATION.",
            ),
            click.option(
                "--station-token-file",
                type=click.Path(path_type=Path),
                default=None,
                help=f"File holding this vehicle's station token (else ${TOKEN_ENV}).",
            ),
            click.option(
                "--station-ca",
                type=click.Path(path_type=Path),
                default=None,
                help="The station's own CA certificate (PEM), for HTTPS without a public CA.",
            ),
        ]
    ):
        command = option(command)
    return command


def station_link(url: str | None, token_file: Path | None, ca: Path | None) -> StationLink | None:
    """The station to forward to, or None; every option checked before anything flies."""
    if url is None:
        if token_file is not None or ca is not None:
            raise click.UsageError("--station-token-file/--station-ca need --station URL")
        return None
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1]) == 0:
        raise click.BadParameter(
            f"{url!r}: use http://HOST:PORT or https://HOST:PORT", param_hint="--station"
        )
    if ca is not None and not url.startswith("https://"):
        raise click.BadParameter("--station-ca is for an https:// station", param_hint="--station")
    if ca is not None and not ca.is_file():
        raise click.BadParameter(f"{ca}: no such file", param_hint="--station-ca")
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8-sig").strip()
        except OSError as exc:
            raise click.BadParameter(
                f"{token_file}: {exc.strerror}", param_hint="--station-token-file"
            ) from None
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token or any(c.isspace() for c in token):
        raise click.BadParameter(
            f"no token: put this vehicle's token in a file for --station-token-file or in "
            f"${TOKEN_ENV} (patrol station token makes one)",
            param_hint="--station",
        )
    return StationLink(url.rstrip("/"), token, ca)


tokens_option = click.option(
    "--tokens",
    "tokens_path",
    type=click.Path(path_type=Path),
    default=Path("station-tokens.txt"),
    show_default=True,
    help="Tokens file: lines of ROLE NAME TOKEN (patrol station token adds one).",
)


@click.group("station")
def station_command() -> None:
    """The station: stores hits and flight logs, and serves the review map."""


@station_command.command("serve")
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=Path("station.db"),
    show_default=True,
    help="The station's SQLite database (made if missing).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@tokens_option
@click.option(
    "--cert",
    type=click.Path(path_type=Path),
    default=None,
    help="TLS certificate (PEM): serve HTTPS.",
)
@click.option(
    "--key", type=click.Path(path_type=Path), default=None, help="TLS private key (PEM) for --cert."
)
@click.option(
    "--tiles",
    "tiles_url",
    default=None,
    help="Base-map tile URL for the review page, e.g. "
    "http://tiles.local/{z}/{x}/{y}.png (default: no base map, works offline).",
)
async def serve_command(
    db: Path,
    host: str,
    port: int,
    tokens_path: Path,
    cert: Path | None,
    key: Path | None,
    tiles_url: str | None,
) -> None:
    """Serve the station's API and review page until Ctrl-C."""
    console = make_console()
    async with running(
        db, tokens_path, host=host, port=port, cert=cert, key=key, tiles_url=tiles_url
    ) as serving:
        console.print(
            f"station on {serving.url} (database {db}); review page {serving.url}/ "
            "(it asks for a staff token); Ctrl-C stops",
            highlight=False,
        )
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break
    console.print("station stopped", highlight=False)


@station_command.command("token")
@tokens_option
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="vehicle: may post hits and logs; staff: may read them.",
)
@click.option("--name", required=True, help="Who holds it, e.g. drone-1 or duty-desk.")
async def token_command(tokens_path: Path, role: str, name: str) -> None:
    """Make a new token, add it to the tokens file and print it (once)."""
    try:
        token = add_token(tokens_path, Role(role), name)
    except OSError as exc:
        raise TokensError(f"{tokens_path}: cannot write ({exc.strerror})") from None
    click.echo(token)


@station_command.command("push")
@data_dir_option
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(0, 86400),
    default=60.0,
    show_default=True,
    help="Give up after this many seconds.",
)
@station_options
async def push_command(
    data_dir: Path | None,
    wait_s: float,
    station_url: str | None,
    station_token_file: Path | None,
    station_ca: Path | None,
) -> None:
    """Deliver what flight logs still owe the station (after a crash or a flight without one).
    Exits 3 when something is still queued."""
    link = station_link(station_url, station_token_file, station_ca)
    if link is None:
        raise click.UsageError("give --station URL (or $PATROL_STATION)")
    await check_tls(link)  # a certificate not trusted is the pilot's to mend: no retry does
    console = make_console()
    sender = Sender(link, lambda text: console.print(text, highlight=False))
    try:
        for path in logs_with_pending(flightlog.data_dir(data_dir)):
            sender.watch(path)
        counts = await sender.drain(wait_s)
    finally:
        sender.close()
    console.print(
        f"{plural(counts.delivered, 'hit')} delivered, {counts.queued} queued, "
        f"{counts.refused} refused; {plural(counts.owed, 'record')} owed in all",
        highlight=False,
    )
    if counts.owed:
        raise click.exceptions.Exit(EXIT_UNDELIVERED)
