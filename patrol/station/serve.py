"""Running the station: its store, its tokens and its HTTP(S) site, until stopped."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from aiohttp import web

from patrol.station.server import StationConfig, make_app
from patrol.station.store import Store
from patrol.station.tokens import Tokens, TokensError


@dataclass(frozen=True, slots=True)
class Serving:
    url: str  # where it listens, with the port it got (a port of 0 picks a free one)
    store: Store


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise TokensError("--cert and --key go together: give both for HTTPS, or neither")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise TokensError(f"--cert {cert} / --key {key}: cannot be loaded ({exc})") from None
    return context


@asynccontextmanager
async def running(
    db: Path,
    tokens_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    cert: Path | None = None,
    key: Path | None = None,
    tiles_url: str | None = None,
) -> AsyncIterator[Serving]:
    """The station, serving while the context is open; it closes its streams and store after."""
    tokens = Tokens.load(tokens_path)
    context = tls_context(cert, key)
    store = Store(db)
    runner = web.AppRunner(
        make_app(store, tokens, StationConfig(tiles_url)), access_log=None, shutdown_timeout=2.0
    )
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=context)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        scheme = "https" if context else "http"
        yield Serving(f"{scheme}://{host}:{bound}", store)
    finally:
        try:
            with anyio.CancelScope(shield=True):  # cancelled or not, the store closes
                await runner.cleanup()
        finally:
            store.close()
