"""`python -m bench station`: how fast the station takes hits, and how fast an outbox drains.

The station runs as its own process (`patrol station serve`) on loopback, storing to a real
SQLite file with every acknowledgement synced to disk. Several senders post hits with 20 KB
snapshots at once. The baseline, measured in the same run against the same process, is the
same senders calling /api/v1/health: HTTP and the framework with no parsing and no storage.

Targets: >= 1,000 hits/s, p99 <= 50 ms to the acknowledgement, nothing lost or duplicated.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import cv2
import numpy as np

from patrol.flightlog import FlightLog
from patrol.station.sender import Sender, StationLink
from sim.ports import free_tcp_port

SENDERS = 8
HITS = 4000
DRAIN_HITS = 2000
SNAPSHOT_BYTES = 20_000
VEHICLE = "bench-vehicle-token-0123456789"
STAFF = "bench-staff-token-0123456789"


def _snapshot() -> bytes:
    rng = np.random.default_rng(7)
    side = int((SNAPSHOT_BYTES / 1.1) ** 0.5)
    ok, data = cv2.imencode(".jpg", rng.integers(0, 255, (side, side, 3), dtype=np.uint8))
    assert ok
    return bytes(data.tobytes())


def _hit(snapshot_b64: str, flight: str = "bench-flight") -> dict[str, object]:
    return {
        "schema": "patrol.hit.v1",
        "id": str(uuid.uuid4()),
        "mission": "bench",
        "flight": flight,
        "vehicle": "vehicle 1",
        "zone": "Si Mongkhon Yot Kaeo",
        "captured_utc": "2026-11-21T03:04:05.120Z",
        "lat_deg": 16.5431,
        "lon_deg": 104.7237,
        "error_m": 1.4,
        "class": "person",
        "confidence": 0.91,
        "sightings": 3,
        "snapshot_jpeg": snapshot_b64,
    }


class _Station:
    def __init__(self, folder: Path) -> None:
        (folder / "tokens.txt").write_text(f"vehicle v {VEHICLE}\nstaff s {STAFF}\n")
        self.db = folder / "station.db"
        self.url = f"http://127.0.0.1:{free_tcp_port()}"
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "patrol", "station", "serve", "--db", str(self.db),
                "--tokens", str(folder / "tokens.txt"), "--port", self.url.rsplit(":", 1)[1],
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/v1/health", timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()

    def count(self) -> tuple[int, int]:
        con = sqlite3.connect(self.db)
        try:
            rows, unique = con.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM hits").fetchone()
            return int(rows), int(unique)
        finally:
            con.close()


async def _load(url: str, requests: list[Request]) -> tuple[float, list[float], list[int]]:
    """Run the requests over SENDERS connections; wall time, latencies, statuses."""
    latencies: list[float] = []
    statuses: list[int] = []
    queue = list(reversed(requests))
    headers = {"Authorization": f"Bearer {VEHICLE}"}

    async def sender() -> None:
        async with aiohttp.ClientSession(url, headers=headers) as http:
            while queue:
                make = queue.pop()
                t0 = time.perf_counter()
                async with make(http) as response:
                    await response.read()
                    statuses.append(response.status)
                latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(SENDERS)))
    return time.perf_counter() - t0, latencies, statuses


Request = Callable[[aiohttp.ClientSession], Any]


def _post(body: bytes) -> Request:
    headers = {"Content-Type": "application/json"}
    return lambda http: http.post("/api/v1/hits", data=body, headers=headers)


def _health(http: aiohttp.ClientSession) -> Any:
    return http.get("/api/v1/health")


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def _drain(folder: Path, url: str, snapshot_b64: str) -> tuple[float, int]:
    """An outbox of DRAIN_HITS queued during an outage, drained once the station is back."""
    path = folder / "outage.sqlite"
    log = FlightLog(path, {"flight_id": "outage"})
    for _ in range(DRAIN_HITS):
        wire = _hit(snapshot_b64, flight="outage")
        body = json.dumps(wire).encode()
        log.hit(str(wire["id"]), time.monotonic(), "person", 16.5, 104.7, 1, 0.9, 3, b"", body)
    log.close()
    sender = Sender(StationLink(url, VEHICLE), lambda _: None)
    sender.watch(path)
    t0 = time.perf_counter()
    counts = await sender.drain(600)
    elapsed = time.perf_counter() - t0
    sender.close()
    return elapsed, counts.delivered


async def _run(folder: Path) -> None:
    snapshot_b64 = base64.b64encode(_snapshot()).decode()
    station = _Station(folder)
    try:
        warm = [json.dumps(_hit(snapshot_b64)).encode() for _ in range(200)]
        await _load(station.url, [_post(b) for b in warm])
        health_s, health_lat, _ = await _load(station.url, [_health] * HITS)
        bodies = [json.dumps(_hit(snapshot_b64)).encode() for _ in range(HITS)]
        post_s, post_lat, statuses = await _load(station.url, [_post(b) for b in bodies])
        replay_s, _, replayed = await _load(station.url, [_post(b) for b in bodies[:500]])
        drain_s, drained = await _drain(folder, station.url, snapshot_b64)
        rows, unique = station.count()
    finally:
        station.stop()
    expected = len(warm) + HITS + DRAIN_HITS
    health_rate, post_rate = HITS / health_s, HITS / post_s
    print(f"station on loopback, {SENDERS} concurrent senders, snapshots {SNAPSHOT_BYTES} B, "
          f"SQLite WAL synchronous=FULL, {os.cpu_count()} cores")  # fmt: skip
    print(f"  baseline GET /api/v1/health: {health_rate:7.0f} req/s, "
          f"p50 {_pct(health_lat, 50):5.1f} ms, p99 {_pct(health_lat, 99):5.1f} ms")  # fmt: skip
    print(f"  POST /api/v1/hits:           {post_rate:7.0f} hits/s, "
          f"p50 {_pct(post_lat, 50):5.1f} ms, p99 {_pct(post_lat, 99):5.1f} ms "
          f"(target >= 1000 hits/s, p99 <= 50 ms)")  # fmt: skip
    print(f"  ratio to baseline: rate {post_rate / health_rate:.2f}x, "
          f"p99 {_pct(post_lat, 99) / _pct(health_lat, 99):.1f}x")  # fmt: skip
    print(f"  replays of 500 stored hits: {500 / replay_s:7.0f} req/s, all 409: "
          f"{replayed.count(409) == 500}")  # fmt: skip
    print(f"  outbox drain after an outage: {drained} hits in {drain_s:.2f} s = "
          f"{drained / drain_s:.0f} hits/s "
          f"({drained / drain_s / post_rate:.2f}x the raw POST rate)")  # fmt: skip
    lost = expected - unique
    print(f"  stored {rows} rows, {unique} distinct, of {expected} sent: "
          f"lost {lost}, duplicated {rows - unique}; all first posts 201: "
          f"{statuses.count(201) == HITS}")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="patrol-bench-station-") as folder:
        asyncio.run(_run(Path(folder)))
