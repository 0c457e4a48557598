"""Reading and settling the outboxes in flight logs (blocking: the sender calls these in
worker threads).

A log's flight may still be writing it; SQLite's WAL lets this second connection read beside
it, and the busy timeout waits out the flight's short write transactions.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Pending:
    path: Path
    seq: int
    kind: str  # "hit", "flight-start", "flight-log"
    key: str  # the hit id or the flight id
    body: bytes


@dataclass(frozen=True, slots=True)
class Counts:
    """Hits queued, delivered and refused; `owed` counts every undelivered row (flight
    records too)."""

    queued: int
    delivered: int
    refused: int
    owed: int = 0


class Outbox:
    """One flight log's outbox."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def has_outbox(self) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
            ).fetchone()
        return row is not None

    def pending(self, limit: int) -> list[Pending]:
        """Not yet delivered nor refused, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, kind, key, body FROM outbox WHERE outcome IS NULL "
                "ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [Pending(self.path, s, k, key, bytes(b)) for s, k, key, b in rows]

    def settle(self, delivered: list[tuple[int, str]], failed: list[int]) -> None:
        """Mark rows delivered (with the outcome the station gave) and count failed tries."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._db.executemany(
                "UPDATE outbox SET outcome = ?, delivered_utc = ?, attempts = attempts + 1 "
                "WHERE seq = ?",
                [(outcome, now, seq) for seq, outcome in delivered],
            )
            self._db.executemany(
                "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", [(s,) for s in failed]
            )
            self._db.commit()

    def counts(self) -> Counts:
        with self._lock:
            queued, delivered, refused, owed = self._db.execute(
                "SELECT COALESCE(SUM(kind = 'hit' AND outcome IS NULL), 0), "
                "COALESCE(SUM(kind = 'hit' AND outcome IN ('stored', 'duplicate')), 0), "
                "COALESCE(SUM(kind = 'hit' AND outcome LIKE 'refused%'), 0), "
                "COALESCE(SUM(outcome IS NULL), 0) FROM outbox"
            ).fetchone()
        return Counts(int(queued), int(delivered), int(refused), int(owed))


def logs_with_pending(data_dir: Path) -> list[Path]:
    """Flight logs in `data_dir` that still owe the station something."""
    found = []
    for path in sorted(data_dir.glob("*.sqlite")):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
            try:
                row = db.execute("SELECT 1 FROM outbox WHERE outcome IS NULL LIMIT 1").fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            continue  # an older log without an outbox, or not a flight log
        if row is not None:
            found.append(path)
    return found
