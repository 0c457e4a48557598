"""The station's storage: one SQLite file in WAL mode, written by one thread that commits in
groups.

A request is acknowledged only after its row is committed with `synchronous=FULL` (the WAL is
synced to disk at every commit), so a station killed at any moment has every hit it ever
acknowledged. Syncing once per request would cap the rate at the disk's sync rate; the writer
instead takes every request waiting at that moment into one transaction (group commit), so
concurrent senders share a sync. Inserts are idempotent on the hit id.

Readers open their own connections: WAL lets them read while the writer writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from patrol.station.schema import HitReport, utc_text

STATION_SCHEMA_VERSION = 1
MAX_GROUP = 512

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS hits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    received_utc TEXT NOT NULL, posted_by TEXT NOT NULL,
    mission TEXT NOT NULL, flight TEXT NOT NULL, vehicle TEXT NOT NULL, zone TEXT,
    captured_utc TEXT NOT NULL, lat_deg REAL NOT NULL, lon_deg REAL NOT NULL,
    error_m REAL NOT NULL, class TEXT NOT NULL, confidence REAL NOT NULL,
    sightings INTEGER NOT NULL, content_sha256 TEXT NOT NULL,
    snapshot_jpeg BLOB NOT NULL, snapshot_sha256 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hits_captured ON hits (captured_utc);
CREATE INDEX IF NOT EXISTS hits_flight ON hits (flight);
CREATE TABLE IF NOT EXISTS flights (
    id TEXT PRIMARY KEY, mission TEXT NOT NULL, vehicle TEXT NOT NULL, state TEXT NOT NULL,
    started_utc TEXT NOT NULL, ended_utc TEXT, duration_s REAL NOT NULL,
    distance_m REAL NOT NULL, updated_utc TEXT NOT NULL, record TEXT NOT NULL);
"""

HIT_COLUMNS = (
    "seq, id, mission, flight, vehicle, zone, captured_utc, lat_deg, lon_deg, error_m, class, "
    "confidence, sightings, received_utc"
)


@dataclass(frozen=True, slots=True)
class Stored:
    """What the writer did with a request: `created` False means the id was there already;
    `same` says whether the stored content is the one sent."""

    created: bool
    same: bool
    seq: int


def content_digest(hit: HitReport) -> str:
    """The hit's content, for telling a retry (same content) from a clash (same id)."""
    fields = [
        hit.hit_id,
        hit.mission,
        hit.flight,
        hit.vehicle,
        hit.zone or "",
        utc_text(hit.captured_utc),
        repr(hit.lat_deg),
        repr(hit.lon_deg),
        repr(hit.error_m),
        hit.label,
        repr(hit.confidence),
        str(hit.sightings),
        hashlib.sha256(hit.snapshot_jpeg).hexdigest(),
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _now() -> str:
    return utc_text(datetime.now(UTC))


def _distance_m(track: list[list[float]]) -> float:
    """Ground distance along a track of [t_s, lat, lon, alt] points (spherical Earth)."""
    total = 0.0
    for (_, la1, lo1, _), (_, la2, lo2, _) in itertools.pairwise(track):
        p1, p2 = math.radians(la1), math.radians(la2)
        dp, dl = p2 - p1, math.radians(lo2 - lo1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))
    return total


_Job = tuple[Callable[[sqlite3.Connection], Any], asyncio.AbstractEventLoop, asyncio.Future[Any]]


class Store:
    """Open (creating if new) the station's database and start its writer."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
            (str(STATION_SCHEMA_VERSION),),
        )
        db.commit()
        db.close()
        self._synchronous = synchronous
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._write_loop, name="station-writer")
        self._thread.start()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        db.execute("PRAGMA busy_timeout=10000")
        return db

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()

    # --- the writer ----------------------------------------------------------------------

    def _write_loop(self) -> None:
        db = self._connect()
        db.execute(f"PRAGMA synchronous={self._synchronous}")
        stop = False
        while not stop:
            first = self._jobs.get()
            if first is None:
                break
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                group.append(job)
            results: list[tuple[bool, Any]] = []
            db.execute("BEGIN IMMEDIATE")
            for fn, _, _ in group:
                db.execute("SAVEPOINT job")
                try:
                    results.append((True, fn(db)))
                    db.execute("RELEASE job")
                except Exception as exc:  # one bad job must not fail its group
                    db.execute("ROLLBACK TO job")
                    db.execute("RELEASE job")
                    results.append((False, exc))
            try:
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                results = [(False, exc)] * len(group)
            for (_, loop, future), (ok, value) in zip(group, results, strict=True):
                loop.call_soon_threadsafe(_settle, future, ok, value)
        db.close()

    async def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((fn, loop, future))
        return await future

    async def add_hit(self, hit: HitReport, posted_by: str) -> Stored:
        digest = content_digest(hit)

        def insert(db: sqlite3.Connection) -> Stored:
            row = db.execute(
                "SELECT seq, content_sha256 FROM hits WHERE id = ?", (hit.hit_id,)
            ).fetchone()
            if row is not None:
                return Stored(False, row[1] == digest, int(row[0]))
            cursor = db.execute(
                "INSERT INTO hits (id, received_utc, posted_by, mission, flight, vehicle, zone, "
                "captured_utc, lat_deg, lon_deg, error_m, class, confidence, sightings, "
                "content_sha256, snapshot_jpeg, snapshot_sha256) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    hit.hit_id,
                    _now(),
                    posted_by,
                    hit.mission,
                    hit.flight,
                    hit.vehicle,
                    hit.zone,
                    utc_text(hit.captured_utc),
                    hit.lat_deg,
                    hit.lon_deg,
                    hit.error_m,
                    hit.label,
                    hit.confidence,
                    hit.sightings,
                    digest,
                    hit.snapshot_jpeg,
                    hashlib.sha256(hit.snapshot_jpeg).hexdigest(),
                ),
            )
            return Stored(True, True, int(cursor.lastrowid or 0))

        result: Stored = await self._write(insert)
        return result

    async def put_flight(self, record: dict[str, Any]) -> bool:
        """Store a flight record (replacing the one at take-off with the landed log, never
        a landed log with a take-off record); refine its hits' positions. True if new."""
        track = record["track"]
        duration_s = track[-1][0] - track[0][0] if len(track) > 1 else 0.0
        distance_m = _distance_m(track)

        def put(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT state FROM flights WHERE id = ?", (record["id"],)).fetchone()
            if row is not None and row[0] == "landed" and record["state"] == "flying":
                return False
            db.execute(
                "INSERT OR REPLACE INTO flights VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record["id"],
                    record["mission"],
                    record["vehicle"],
                    record["state"],
                    record["started_utc"],
                    record["ended_utc"],
                    duration_s,
                    distance_m,
                    _now(),
                    json.dumps(record, separators=(",", ":")),
                ),
            )
            db.executemany(
                "UPDATE hits SET lat_deg = ?, lon_deg = ?, error_m = ?, confidence = ? "
                "WHERE id = ? AND flight = ?",
                [
                    (
                        h["lat_deg"],
                        h["lon_deg"],
                        h["error_m"],
                        h["confidence"],
                        h["id"],
                        record["id"],
                    )
                    for h in record["hits"]
                ],
            )
            return row is None

        created: bool = await self._write(put)
        return created

    # --- readers -------------------------------------------------------------------------

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[sqlite3.Row]:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10.0)
        db.row_factory = sqlite3.Row
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    async def read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return await asyncio.to_thread(self._read, sql, args)

    async def hits(
        self,
        *,
        since: str | None = None,
        flight: str | None = None,
        zone: str | None = None,
        label: str | None = None,
        after_seq: int = 0,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        where: list[str] = ["seq > ?"]
        args: list[object] = [after_seq]
        for column, value in (("captured_utc >=", since), ("flight =", flight)):
            if value is not None:
                where.append(f"{column} ?")
                args.append(value)
        for column, value in (("zone =", zone), ("class =", label)):
            if value is not None:
                where.append(f"{column} ?")
                args.append(value)
        rows = await self.read(
            f"SELECT {HIT_COLUMNS} FROM hits WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            (*args, limit),
        )
        return [hit_row(r) for r in rows]

    async def snapshot(self, hit_id: str) -> bytes | None:
        rows = await self.read("SELECT snapshot_jpeg FROM hits WHERE id = ?", (hit_id,))
        return bytes(rows[0][0]) if rows else None

    async def flights(self, flight_id: str | None = None) -> list[dict[str, Any]]:
        """Flight summaries, newest first: all of them, or the one with this id."""
        rows = await self.read(
            "SELECT f.id, f.mission, f.vehicle, f.state, f.started_utc, f.ended_utc, "
            "f.duration_s, f.distance_m, (SELECT COUNT(*) FROM hits h WHERE h.flight = f.id) "
            "AS hits FROM flights f WHERE ? IS NULL OR f.id = ? ORDER BY f.started_utc DESC",
            (flight_id, flight_id),
        )
        return [dict(r) for r in rows]

    async def flight(self, flight_id: str) -> dict[str, Any] | None:
        rows = await self.read("SELECT record FROM flights WHERE id = ?", (flight_id,))
        return json.loads(rows[0][0]) if rows else None


def hit_row(row: sqlite3.Row) -> dict[str, Any]:
    """A stored hit in its wire form, without the snapshot (fetched by its own URL)."""
    out = dict(row)
    out["schema"] = "patrol.hit.v1"
    out["snapshot_url"] = f"/api/v1/hits/{out['id']}/snapshot"
    return out


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
