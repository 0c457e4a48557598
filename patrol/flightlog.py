"""The flight log: one self-contained SQLite file per flight, readable while it is written.

Schema (version 4):

    meta(key TEXT PRIMARY KEY, value TEXT)          schema_version, started_utc, flight_id,
                                                    source, sortie, sector, loops, digest,
                                                    vehicle URL and label, the mission (.plan
                                                    JSON), its fence and route, software
    telemetry(t_s REAL, lat_deg REAL, lon_deg REAL, alt_rel_m REAL, alt_amsl_m REAL,
              ground_speed_mps REAL, battery_pct REAL, voltage_v REAL, mode TEXT,
              armed INTEGER, in_air INTEGER, mission_current INTEGER)
    events(t_s REAL, kind TEXT, detail TEXT)        armed, mission started, monitors' decisions,
                                                    link lost and regained, landed, ...
    hits(hit_id TEXT PRIMARY KEY, t_s REAL, label TEXT, lat_deg REAL, lon_deg REAL,
         error_m REAL, confidence REAL, sightings INTEGER, snapshot_jpeg BLOB)
                                                    confirmed targets; a refinement replaces
                                                    its row (same id)
    outbox(seq INTEGER PRIMARY KEY, kind TEXT, key TEXT, body BLOB, queued_utc TEXT,
           delivered_utc TEXT, attempts INTEGER, outcome TEXT, UNIQUE (kind, key))
                                                    what is owed to the station: 'hit' (its
                                                    report, queued in the hit's own
                                                    transaction), 'flight-start' and
                                                    'flight-log' (the flight record)
    library(t_s REAL, source TEXT, level TEXT, text TEXT)
                                                    what MAVSDK, OpenCV, FFmpeg and other native
                                                    code said (patrol.library_log), kept off the
                                                    screen; not sent to the station

t_s is seconds since the log was opened. WAL mode lets `patrol logs` read while a flight
writes; rows are committed every half second (events and hits at once), so a kill -9 loses at
most about that much.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from patrol.library_log import LibraryLine
from patrol.station.records import flight_record
from patrol.station.schema import utc_text
from patrol.vehicle import Live

SCHEMA_VERSION = 4
COMMIT_EVERY_S = 0.5
#: Library lines kept per flight; the rest are counted (a stream failing on every frame for an
#: hour must not fill the disk).
LIBRARY_LINES_KEPT = 20_000


def data_dir(option: Path | None = None) -> Path:
    """Where flight logs go: the option, else $PATROL_DATA_DIR, else the XDG data home."""
    if option is not None:
        return option
    if env := os.environ.get("PATROL_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "patrol" / "flights"


def data_dir_origin(option: Path | None = None) -> str:
    """Where `data_dir(option)` came from, in the words of the option or variable that set it."""
    if option is not None:
        return "given by --data-dir"
    if os.environ.get("PATROL_DATA_DIR"):
        return "from $PATROL_DATA_DIR"
    return "the default"


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
            CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,
                queued_utc TEXT NOT NULL, delivered_utc TEXT,
                attempts INTEGER NOT NULL DEFAULT 0, outcome TEXT, UNIQUE (kind, key));
            CREATE TABLE IF NOT EXISTS library (t_s REAL, source TEXT, level TEXT, text TEXT);
        """)
        rows = {"schema_version": SCHEMA_VERSION, "started_utc": datetime.now(UTC).isoformat()}
        rows |= meta
        self.db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in rows.items()],
        )
        self.db.commit()
        self.start_s = time.monotonic()
        self.started_utc = datetime.fromisoformat(str(rows["started_utc"]))
        self.meta: dict[str, Any] = rows
        self._last_commit_s = self.start_s
        self._library_lines = 0

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
                live.mode.value,
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

    def library(self, line: LibraryLine) -> None:
        """A library's line, at the time it was said; the first `LIBRARY_LINES_KEPT` are kept
        and the rest counted (see `close`). Not a decision: committed with the telemetry."""
        self._library_lines += 1
        if self._library_lines <= LIBRARY_LINES_KEPT:
            self._library_row(
                line.at_s - self.start_s, line.source.value, line.level.value, line.text
            )
            self._maybe_commit()

    def _library_row(self, t_s: float, source: str, level: str, text: str) -> None:
        self.db.execute("INSERT INTO library VALUES (?, ?, ?, ?)", (t_s, source, level, text))

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
        report: bytes | None = None,
    ) -> None:
        """A confirmed hit (capture time on the monotonic clock), or its refinement: the same
        id replaces the row. Its station report, if given, is queued in the outbox in the same
        transaction (a refinement's is not: the first report stands, the landed flight's
        record carries the refined position). Committed at once, as events are."""
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
        if report is not None:
            self._queue("hit", hit_id, report)
        self.db.commit()

    def utc_at(self, monotonic_s: float) -> datetime:
        """Wall-clock time (UTC) of a moment on the monotonic clock the flight runs on."""
        return self.started_utc + timedelta(seconds=monotonic_s - self.start_s)

    def _queue(self, kind: str, key: str, body: bytes) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO outbox (kind, key, body, queued_utc) VALUES (?, ?, ?, ?)",
            (kind, key, body, datetime.now(UTC).isoformat()),
        )

    def queue_flight(self, landed: bool) -> None:
        """Queue the flight's record for the station: its plan at take-off, or everything once
        it has landed (or stopped). Needs the meta keys the operation writes."""
        self.db.commit()
        kind = "flight-log" if landed else "flight-start"
        ended = utc_text(datetime.now(UTC)) if landed else None
        record = flight_record(self.db, "landed" if landed else "flying", ended)
        self._queue(kind, record["id"], json.dumps(record, separators=(",", ":")).encode())
        self.db.commit()

    def close(self) -> None:
        if (left := self._library_lines - LIBRARY_LINES_KEPT) > 0:
            self._library_row(self._t(), "patrol", "warning", f"{left} more lines not kept")
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


#: Events that say how a flight ended, preferred over whatever came last (a vision summary).
ENDINGS = (
    "landed",
    "left on mission",
    "left returning",
    "return",
    "disarmed",
    "refused",
    "arm refused",
    "mission start refused",
)


def summarise(path: Path) -> Summary:
    """One line's worth about a flight log (opened read-only, so a flight may still write);
    a file that is not one says so in its row rather than stopping the listing."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            samples, last_t = db.execute("SELECT COUNT(*), MAX(t_s) FROM telemetry").fetchone()
            marks = ",".join("?" * len(ENDINGS))
            event = (
                db.execute(
                    f"SELECT kind, detail FROM events WHERE kind IN ({marks}) "
                    "ORDER BY t_s DESC LIMIT 1",
                    ENDINGS,
                ).fetchone()
                or db.execute(
                    "SELECT kind, detail FROM events ORDER BY t_s DESC LIMIT 1"
                ).fetchone()
            )
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return Summary("?", 0.0, 0, f"not a flight log patrol can read ({exc})")
    last = f"{event[0]}: {event[1]}" if event else "none"
    return Summary(meta.get("source", "?"), float(last_t or 0.0), int(samples), last)
