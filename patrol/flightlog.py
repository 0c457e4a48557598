"""The flight log: one self-contained SQLite file per flight, readable while it is written.

Schema (version 2):

    meta(key TEXT PRIMARY KEY, value TEXT)          spec, mission, fence (JSON), vehicle URL,
                                                    autopilot, software version, started_utc
    telemetry(t_s REAL, lat_deg REAL, lon_deg REAL, alt_rel_m REAL, alt_amsl_m REAL,
              ground_speed_mps REAL, battery_pct REAL, voltage_v REAL, mode TEXT,
              armed INTEGER, in_air INTEGER, mission_current INTEGER)
    events(t_s REAL, kind TEXT, detail TEXT)        armed, mission started, monitors' decisions,
                                                    link lost and regained, landed, ...
    hits(hit_id TEXT PRIMARY KEY, t_s REAL, label TEXT, lat_deg REAL, lon_deg REAL,
         error_m REAL, confidence REAL, sightings INTEGER, snapshot_jpeg BLOB)
                                                    confirmed targets; a refinement replaces
                                                    its row (same id)

t_s is seconds since the log was opened. WAL mode lets `patrol logs` read while a flight
writes; rows are committed at least once a second, so a kill -9 loses at most about a second.
Files live in one data directory: --data-dir, else $PATROL_DATA_DIR, else
$XDG_DATA_HOME/patrol/flights (~/.local/share/patrol/flights).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from patrol.vehicle import Live

SCHEMA_VERSION = 2
COMMIT_EVERY_S = 0.5


def data_dir(option: Path | None = None) -> Path:
    """Where flight logs go: the option, else $PATROL_DATA_DIR, else the XDG data home."""
    if option is not None:
        return option
    if env := os.environ.get("PATROL_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "patrol" / "flights"


def new_flight_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class FlightLog:
    """Append-only writer of one flight's log."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS telemetry (t_s REAL, lat_deg REAL, lon_deg REAL,
                alt_rel_m REAL, alt_amsl_m REAL, ground_speed_mps REAL, battery_pct REAL,
                voltage_v REAL, mode TEXT, armed INTEGER, in_air INTEGER,
                mission_current INTEGER);
            CREATE TABLE IF NOT EXISTS events (t_s REAL, kind TEXT, detail TEXT);
            CREATE TABLE IF NOT EXISTS hits (hit_id TEXT PRIMARY KEY, t_s REAL, label TEXT,
                lat_deg REAL, lon_deg REAL, error_m REAL, confidence REAL, sightings INTEGER,
                snapshot_jpeg BLOB);
        """)
        rows = {"schema_version": SCHEMA_VERSION, "started_utc": datetime.now(UTC).isoformat()}
        rows |= meta
        self.db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in rows.items()],
        )
        self.db.commit()
        self.start_s = time.monotonic()
        self._last_commit_s = self.start_s

    def _t(self) -> float:
        return time.monotonic() - self.start_s

    def _maybe_commit(self) -> None:
        now = time.monotonic()
        if now - self._last_commit_s >= COMMIT_EVERY_S:
            self.db.commit()
            self._last_commit_s = now

    def telemetry(self, live: Live) -> None:
        self.db.execute(
            "INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self._t(),
                live.lat_deg,
                live.lon_deg,
                live.alt_rel_m,
                live.alt_amsl_m,
                live.ground_speed_mps,
                live.battery_pct,
                live.voltage_v,
                live.mode,
                int(live.armed),
                int(live.in_air),
                live.mission_current,
            ),
        )
        self._maybe_commit()

    def event(self, kind: str, detail: str = "") -> None:
        """Events are committed at once: they are the decisions a reviewer looks for."""
        self.db.execute("INSERT INTO events VALUES (?, ?, ?)", (self._t(), kind, detail))
        self.db.commit()

    def hit(
        self,
        hit_id: str,
        capture_s: float,
        label: str,
        lat_deg: float,
        lon_deg: float,
        error_m: float,
        confidence: float,
        sightings: int,
        snapshot_jpeg: bytes,
    ) -> None:
        """A confirmed hit (capture time on the monotonic clock), or its refinement: the same
        id replaces the row. Committed at once, as events are."""
        self.db.execute(
            "INSERT OR REPLACE INTO hits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                hit_id,
                capture_s - self.start_s,
                label,
                lat_deg,
                lon_deg,
                error_m,
                confidence,
                sightings,
                snapshot_jpeg,
            ),
        )
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


@dataclass(frozen=True, slots=True)
class LoggedHit:
    hit_id: str
    t_s: float
    label: str
    lat_deg: float
    lon_deg: float
    error_m: float
    confidence: float
    sightings: int


def read_hits(path: Path) -> list[LoggedHit]:
    """The hits of a flight log, in the order they were seen (read-only, without snapshots)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT hit_id, t_s, label, lat_deg, lon_deg, error_m, confidence, sightings "
            "FROM hits ORDER BY t_s"
        ).fetchall()
    finally:
        db.close()
    return [LoggedHit(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class Summary:
    source: str
    duration_s: float
    samples: int
    last_event: str


def summarise(path: Path) -> Summary:
    """One line's worth about a flight log (opened read-only, so a flight may still write)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        samples, last_t = db.execute("SELECT COUNT(*), MAX(t_s) FROM telemetry").fetchone()
        event = db.execute("SELECT kind, detail FROM events ORDER BY t_s DESC LIMIT 1").fetchone()
    finally:
        db.close()
    last = f"{event[0]}: {event[1]}" if event else "none"
    return Summary(meta.get("source", "?"), float(last_t or 0.0), int(samples), last)
