"""The station's HTTP API and review page, on aiohttp.

Every request is checked before anything is stored: the bearer token and its role, the size,
the content type, the JSON, every field of the schema. Anything wrong gets a 4xx with a JSON
body `{"error": "..."}` naming what is wrong. See `openapi.py` for the routes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web

from patrol.errors import StationError
from patrol.station.live import Event, Hub
from patrol.station.openapi import openapi_document
from patrol.station.schema import (
    SchemaError,
    check_flight_id,
    parse_flight,
    parse_hit,
    parse_utc,
    summary_wire,
    utc_text,
)
from patrol.station.store import Store
from patrol.station.tokens import Holder, Role, Tokens

MAX_HIT_BYTES = 1024 * 1024
MAX_FLIGHT_BYTES = 32 * 1024 * 1024
HEARTBEAT_S = 15.0
LIST_LIMIT = 5000

STORE: web.AppKey[Store] = web.AppKey("store", Store)
TOKENS: web.AppKey[Tokens] = web.AppKey("tokens", Tokens)
HUB: web.AppKey[Hub] = web.AppKey("hub", Hub)
CONFIG: web.AppKey[dict[str, Any]] = web.AppKey("config", dict)


class ApiError(StationError):
    """A request the station refuses: answered with `status` and the message as JSON."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.extra = status, extra


@dataclass(frozen=True, slots=True)
class StationConfig:
    tiles_url: str | None = None  # a slippy-map tile URL template for the review page


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON: ours, aiohttp's own (404, 405, 413) and anything unforeseen."""
    try:
        return await handler(request)
    except ApiError as exc:
        headers = {"WWW-Authenticate": 'Bearer realm="patrol"'} if exc.status == 401 else None
        return web.json_response(
            {"error": str(exc), **exc.extra}, status=exc.status, headers=headers
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        keep = {k: v for k, v in exc.headers.items() if k.lower() in ("allow",)}
        return web.json_response({"error": exc.reason}, status=exc.status, headers=keep)


QUERIES = {
    ("GET", "/api/v1/hits"): {"since", "flight", "zone", "class", "after", "limit"},
    ("GET", "/api/v1/events"): {"after"},
}


@web.middleware
async def _known_queries(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An unknown query parameter is a typo to report (?clas=car must not list every hit)."""
    route = request.match_info.route.resource
    canonical = route.canonical if route is not None else request.path
    allowed = QUERIES.get((request.method, canonical), set())
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        hint = f"; this route takes {', '.join(sorted(allowed))}" if allowed else ""
        raise ApiError(400, f"unknown query parameter {unknown[0]!r}{hint}")
    return await handler(request)


def _holder(request: web.Request, role: Role | None) -> Holder:
    """Who sent the request; `role` None takes either role."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "send a bearer token: Authorization: Bearer TOKEN")
    holder = request.app[TOKENS].holder(token.strip())
    if holder is None:
        raise ApiError(401, "unknown token")
    if role is not None and holder.role is not role:
        raise ApiError(403, f"a {holder.role.value} token cannot do this; use a {role.value} token")
    return holder


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def _json_body(request: web.Request, limit: int) -> Any:
    if request.content_type != "application/json":
        raise ApiError(415, "send Content-Type: application/json")
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"body of {request.content_length} bytes is over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"body is over {limit} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks), parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not JSON: {exc}") from None


async def post_hit(request: web.Request) -> web.Response:
    holder = _holder(request, Role.VEHICLE)
    body = await _json_body(request, MAX_HIT_BYTES)
    try:
        hit = parse_hit(body)
    except SchemaError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    stored = await request.app[STORE].add_hit(hit, holder.name)
    if not stored.created:
        detail = "is already stored" if stored.same else "is stored with other content"
        raise ApiError(
            409, f"hit {hit.hit_id} {detail}", id=hit.hit_id, same=stored.same, seq=stored.seq
        )
    summary = summary_wire(hit) | {"seq": stored.seq, "snapshot_url": _snapshot_url(hit.hit_id)}
    request.app[HUB].publish(Event("hit", summary, stored.seq))
    return web.json_response({"id": hit.hit_id, "seq": stored.seq}, status=201)


def _snapshot_url(hit_id: str) -> str:
    return f"/api/v1/hits/{hit_id}/snapshot"


def _query_text(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is not None and not 1 <= len(value) <= 200:
        raise ApiError(400, f"query {name}: 1 to 200 characters")
    return value


def _query_int(request: web.Request, name: str, default: int, high: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= high:
        raise ApiError(400, f"query {name}: a whole number from 0 to {high}")
    return int(text)


async def list_hits(request: web.Request) -> web.Response:
    _holder(request, Role.STAFF)
    since = _query_text(request, "since")
    if since is not None:
        try:
            since = utc_text(parse_utc(since, "since"))
        except SchemaError as exc:
            raise ApiError(400, f"query {exc}") from None
    hits = await request.app[STORE].hits(
        since=since,
        flight=_query_text(request, "flight"),
        zone=_query_text(request, "zone"),
        label=_query_text(request, "class"),
        after_seq=_query_int(request, "after", 0, 2**62),
        limit=_query_int(request, "limit", LIST_LIMIT, LIST_LIMIT),
    )
    return web.json_response({"hits": hits})


async def get_snapshot(request: web.Request) -> web.Response:
    _holder(request, Role.STAFF)
    jpeg = await request.app[STORE].snapshot(request.match_info["hit_id"])
    if jpeg is None:
        raise ApiError(404, "no such hit")
    return web.Response(body=jpeg, content_type="image/jpeg")


async def put_flight(request: web.Request) -> web.Response:
    _holder(request, Role.VEHICLE)
    flight_id = request.match_info["flight_id"]
    try:
        check_flight_id(flight_id)
        body = await _json_body(request, MAX_FLIGHT_BYTES)
        record = parse_flight(body, flight_id)
    except SchemaError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    created = await request.app[STORE].put_flight(record)
    for summary in await request.app[STORE].flights(flight_id):
        request.app[HUB].publish(Event("flight", summary))
    return web.json_response({"id": flight_id}, status=201 if created else 200)


async def list_flights(request: web.Request) -> web.Response:
    _holder(request, Role.STAFF)
    return web.json_response({"flights": await request.app[STORE].flights()})


async def get_flight(request: web.Request) -> web.Response:
    _holder(request, Role.STAFF)
    record = await request.app[STORE].flight(request.match_info["flight_id"])
    if record is None:
        raise ApiError(404, "no such flight")
    return web.json_response(record)


def _sse(event: Event) -> bytes:
    lines = [f"event: {event.kind}"]
    if event.seq is not None:
        lines.append(f"id: {event.seq}")
    lines.append("data: " + json.dumps(event.data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `hit` and `flight`. A client that reconnects with Last-Event-ID
    (or ?after=SEQ) is first sent the hits it missed."""
    _holder(request, Role.STAFF)
    after = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    if not after.isascii() or not after.isdigit():
        raise ApiError(400, "Last-Event-ID: a hit sequence number")
    hub, store = request.app[HUB], request.app[STORE]
    queue = hub.subscribe()  # before reading the backlog, so nothing falls between
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    try:
        await response.prepare(request)
        await response.write(b": patrol station\n\n")
        last = int(after)
        for hit in await store.hits(after_seq=last, limit=LIST_LIMIT):
            await response.write(_sse(Event("hit", hit, hit["seq"])))
            last = hit["seq"]
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if event is None:
                break
            if event.seq is not None and event.seq <= last:
                continue  # already sent from the backlog
            await response.write(_sse(event))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.unsubscribe(queue)
    return response


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def config(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONFIG])


async def whoami(request: web.Request) -> web.Response:
    """The token's role and holder: a controller asks before it flies, so that a staff token
    given as a vehicle's is refused on the ground, not found with the first hit."""
    holder = _holder(request, None)
    return web.json_response({"role": holder.role.value, "name": holder.name})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def index(request: web.Request) -> web.Response:
    page = resources.files("patrol.station").joinpath("static/index.html").read_bytes()
    return web.Response(body=page, content_type="text/html")


def make_app(store: Store, tokens: Tokens, station: StationConfig | None = None) -> web.Application:
    app = web.Application(middlewares=[_errors, _known_queries], client_max_size=MAX_FLIGHT_BYTES)
    app[STORE], app[TOKENS], app[HUB] = store, tokens, Hub()
    app[CONFIG] = {"tiles_url": (station or StationConfig()).tiles_url}
    static = resources.files("patrol.station").joinpath("static")
    app.add_routes(
        [
            web.get("/", index),
            web.get("/openapi.json", openapi),
            web.get("/api/v1/health", health),
            web.get("/api/v1/config", config),
            web.get("/api/v1/whoami", whoami),
            web.post("/api/v1/hits", post_hit),
            web.get("/api/v1/hits", list_hits),
            web.get("/api/v1/hits/{hit_id}/snapshot", get_snapshot),
            web.get("/api/v1/flights", list_flights),
            web.put("/api/v1/flights/{flight_id}", put_flight),
            web.get("/api/v1/flights/{flight_id}", get_flight),
            web.get("/api/v1/events", events),
            web.static("/static", str(static)),
        ]
    )

    async def close_streams(app: web.Application) -> None:
        app[HUB].close_all()

    app.on_shutdown.append(close_streams)
    return app
