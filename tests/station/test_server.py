"""The station's API over real HTTP on loopback, with its real SQLite store."""

import asyncio
import base64
import io
import json
import math
import sqlite3
import uuid

import aiohttp
import pytest

from patrol.station.server import MAX_HIT_BYTES
from tests.station.helpers import (
    STAFF_TOKEN,
    VEHICLE_TOKEN,
    auth,
    flight_wire,
    hit_wire,
    jpeg,
    station,
)

pytestmark = pytest.mark.anyio


def _rows(db) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT COUNT(*) FROM hits").fetchone()[0]
    finally:
        con.close()


async def test_a_hit_is_stored_once_listed_and_its_snapshot_served(tmp_path):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        hit = hit_wire()
        async with http.post("/api/v1/hits", json=hit, headers=auth(VEHICLE_TOKEN)) as r:
            assert r.status == 201
            assert (await r.json())["id"] == hit["id"]
        async with http.post("/api/v1/hits", json=hit, headers=auth(VEHICLE_TOKEN)) as r:
            assert r.status == 409  # a replay stores nothing
            body = await r.json()
            assert body["same"] is True
        async with http.get("/api/v1/hits", headers=auth(STAFF_TOKEN)) as r:
            (listed,) = (await r.json())["hits"]
        assert listed["id"] == hit["id"]
        assert listed["class"] == "person"
        assert listed["lat_deg"] == pytest.approx(16.5431)
        assert listed["zone"] == "Si Mongkhon Yot Kaeo"
        assert "snapshot_jpeg" not in listed
        async with http.get(listed["snapshot_url"], headers=auth(STAFF_TOKEN)) as r:
            assert r.content_type == "image/jpeg"
            assert await r.read() == base64.b64decode(hit["snapshot_jpeg"])
    assert _rows(st.db) == 1


async def test_the_same_id_with_other_content_is_a_conflict_and_keeps_the_first(tmp_path):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        hit = hit_wire()
        await http.post("/api/v1/hits", json=hit, headers=auth(VEHICLE_TOKEN))
        other = dict(hit, lat_deg=16.0)
        async with http.post("/api/v1/hits", json=other, headers=auth(VEHICLE_TOKEN)) as r:
            assert r.status == 409
            assert (await r.json())["same"] is False
        async with http.get("/api/v1/hits", headers=auth(STAFF_TOKEN)) as r:
            (listed,) = (await r.json())["hits"]
    assert listed["lat_deg"] == pytest.approx(16.5431)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token-of-ours-at-all"}, 401),
        ({"Authorization": f"Basic {VEHICLE_TOKEN}"}, 401),
        (auth(STAFF_TOKEN), 403),  # staff read, they do not post
    ],
)
async def test_posting_without_a_vehicle_token_stores_nothing(tmp_path, headers, status):
    async with (
        station(tmp_path) as st,
        aiohttp.ClientSession(st.url) as http,
        http.post("/api/v1/hits", json=hit_wire(), headers=headers) as r,
    ):
        assert r.status == status
        assert "error" in await r.json()
        if status == 401:
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert _rows(st.db) == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/hits", "/api/v1/flights", "/api/v1/events", "/api/v1/flights/x1"]
)
async def test_a_vehicle_token_cannot_read(tmp_path, path):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        async with http.get(path, headers=auth(VEHICLE_TOKEN)) as r:
            assert r.status == 403
        async with http.get(path) as r:
            assert r.status == 401


@pytest.mark.parametrize(
    ("body", "content_type", "status", "names"),
    [
        (b"{not json", "application/json", 400, "not JSON"),
        (b'{"lat_deg": NaN}', "application/json", 400, "not JSON"),
        (json.dumps(hit_wire()).encode(), "text/plain", 415, "application/json"),
        (json.dumps(hit_wire(lat_deg=95.0)).encode(), "application/json", 400, "lat_deg"),
        (json.dumps(hit_wire(id="12")).encode(), "application/json", 400, "id"),
        (json.dumps(hit_wire(extra=1)).encode(), "application/json", 400, "extra"),
        (json.dumps(hit_wire(snapshot_jpeg="aGVsbG8=")).encode(), "application/json", 400, "JPEG"),
        (
            json.dumps(hit_wire(captured_utc="2026-11-21T10:04:05+07:00")).encode(),
            "application/json",
            400,
            "captured_utc",
        ),
        (b"[]", "application/json", 400, "object"),
    ],
)
async def test_malformed_hits_get_a_4xx_naming_what_is_wrong(
    tmp_path, body, content_type, status, names
):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        headers = auth(VEHICLE_TOKEN) | {"Content-Type": content_type}
        async with http.post("/api/v1/hits", data=body, headers=headers) as r:
            assert r.status == status
            assert names in (await r.json())["error"]
    assert _rows(st.db) == 0


async def test_an_oversized_request_is_refused_unread(tmp_path):
    big = hit_wire(mission="x" * (MAX_HIT_BYTES + 10))
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        headers = auth(VEHICLE_TOKEN) | {"Content-Type": "application/json"}
        body = io.BytesIO(json.dumps(big).encode())
        async with http.post("/api/v1/hits", data=body, headers=headers) as r:
            assert r.status == 413

        async def chunks():  # no Content-Length: the limit holds while reading
            for _ in range(20):
                yield b"x" * 100_000

        async with http.post("/api/v1/hits", data=chunks(), headers=headers) as r:
            assert r.status == 413
    assert _rows(st.db) == 0


async def test_hits_are_filtered_by_time_flight_zone_and_class(tmp_path):
    hits = [
        hit_wire(captured_utc="2026-11-21T03:00:00Z", flight="f1", zone="A", **{"class": "car"}),
        hit_wire(captured_utc="2026-11-21T03:10:00Z", flight="f1", zone="B"),
        hit_wire(captured_utc="2026-11-21T03:20:00Z", flight="f2", zone=None),
    ]
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        for hit in hits:
            async with http.post("/api/v1/hits", json=hit, headers=auth(VEHICLE_TOKEN)) as r:
                assert r.status == 201

        async def ids(query: str) -> list[str]:
            async with http.get(f"/api/v1/hits?{query}", headers=auth(STAFF_TOKEN)) as r:
                assert r.status == 200, await r.text()
                return [h["id"] for h in (await r.json())["hits"]]

        assert await ids("since=2026-11-21T03:05:00Z") == [hits[1]["id"], hits[2]["id"]]
        assert await ids("flight=f1") == [hits[0]["id"], hits[1]["id"]]
        assert await ids("zone=B") == [hits[1]["id"]]
        assert await ids("class=car") == [hits[0]["id"]]
        assert await ids("flight=f1&class=person") == [hits[1]["id"]]
        assert await ids("limit=1") == [hits[0]["id"]]
        async with http.get("/api/v1/hits?since=yesterday", headers=auth(STAFF_TOKEN)) as r:
            assert r.status == 400
        async with http.get("/api/v1/hits?limit=-1", headers=auth(STAFF_TOKEN)) as r:
            assert r.status == 400


async def test_flights_are_listed_with_duration_distance_and_hits_and_refine_them(tmp_path):
    flight = flight_wire("f1")
    hit = hit_wire(flight="f1")
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        v, s = auth(VEHICLE_TOKEN), auth(STAFF_TOKEN)
        await http.post("/api/v1/hits", json=hit, headers=v)
        started = flight_wire("f1", state="flying", ended_utc=None, track=[], events=[])
        async with http.put("/api/v1/flights/f1", json=started, headers=v) as r:
            assert r.status == 201
        refined = {
            "id": hit["id"],
            "lat_deg": 16.5432,
            "lon_deg": 104.7238,
            "error_m": 0.8,
            "confidence": 0.95,
        }
        async with http.put(
            "/api/v1/flights/f1", json=flight | {"hits": [refined]}, headers=v
        ) as r:
            assert r.status == 200
        async with http.put("/api/v1/flights/f1", json=started, headers=v) as r:
            assert r.status == 200  # a late take-off record does not undo the landing
        async with http.get("/api/v1/flights", headers=s) as r:
            (listed,) = (await r.json())["flights"]
        assert listed["state"] == "landed"
        assert listed["duration_s"] == pytest.approx(120.0)
        # there and back: 0.004 deg north (444.8 m) and 0.005 deg east at 16.54 N (533.0 m)
        assert listed["distance_m"] == pytest.approx(2 * math.hypot(444.8, 533.0), rel=0.002)
        assert listed["hits"] == 1
        async with http.get("/api/v1/flights/f1", headers=s) as r:
            record = await r.json()
        assert record["fence"][1]["radius_m"] == 40.0
        async with http.get("/api/v1/hits", headers=s) as r:
            (stored,) = (await r.json())["hits"]
        assert (stored["lat_deg"], stored["error_m"]) == (16.5432, 0.8)
        async with http.put("/api/v1/flights/f2", json=flight, headers=v) as r:
            assert r.status == 400  # the body names another flight
        async with http.get("/api/v1/flights/nope", headers=s) as r:
            assert r.status == 404


async def _read_events(response, count):
    events, buffer = [], b""
    while len(events) < count:
        buffer += await response.content.readany()
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in block.decode().splitlines() if ": " in line
            )
            if "event" in fields:
                events.append(fields)
    return events


async def test_the_live_stream_sends_new_hits_and_what_a_reconnect_missed(tmp_path):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        first, second = hit_wire(), hit_wire()
        async with http.get("/api/v1/events", headers=auth(STAFF_TOKEN)) as stream:
            assert stream.content_type == "text/event-stream"
            await http.post("/api/v1/hits", json=first, headers=auth(VEHICLE_TOKEN))
            (event,) = await asyncio.wait_for(_read_events(stream, 1), 10)
        assert event["event"] == "hit"
        assert json.loads(event["data"])["id"] == first["id"]
        await http.post("/api/v1/hits", json=second, headers=auth(VEHICLE_TOKEN))
        headers = auth(STAFF_TOKEN) | {"Last-Event-ID": event["id"]}
        async with http.get("/api/v1/events", headers=headers) as stream:
            (missed,) = await asyncio.wait_for(_read_events(stream, 1), 10)
        assert json.loads(missed["data"])["id"] == second["id"]


async def test_openapi_and_the_review_page_are_served_without_a_token(tmp_path):
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:
        async with http.get("/openapi.json") as r:
            doc = await r.json()
        assert doc["openapi"].startswith("3.")
        assert "/api/v1/hits" in doc["paths"]
        assert doc["components"]["schemas"]["Hit"]["additionalProperties"] is False
        async with http.get("/") as r:
            assert "patrol station" in await r.text()
        async with http.get("/static/leaflet/leaflet.js") as r:
            assert r.status == 200
        async with http.get("/nope") as r:
            assert r.status == 404
            assert "error" in await r.json()


async def test_concurrent_senders_each_get_one_row_per_hit(tmp_path):
    snapshot = jpeg(20_000)
    encoded = base64.b64encode(snapshot).decode()
    hits = [hit_wire(id=str(uuid.uuid4()), snapshot_jpeg=encoded) for _ in range(60)]
    async with station(tmp_path) as st, aiohttp.ClientSession(st.url) as http:

        async def post(hit):
            async with http.post("/api/v1/hits", json=hit, headers=auth(VEHICLE_TOKEN)) as r:
                return r.status

        statuses = await asyncio.gather(*(post(h) for h in hits + hits[:10]))
    assert sorted(statuses) == [201] * 60 + [409] * 10
    con = sqlite3.connect(st.db)
    assert con.execute("SELECT COUNT(DISTINCT id), COUNT(*) FROM hits").fetchone() == (60, 60)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
