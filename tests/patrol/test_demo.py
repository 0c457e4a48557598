"""`patrol demo` (what `make demo` runs) plans, flies and reviews a simulated patrol."""

import io
import sqlite3

import pytest
from rich.console import Console

from geofence.words import plural
from patrol import flightlog
from patrol_app.demo import run_demo

pytestmark = pytest.mark.anyio


async def test_demo_plans_flies_and_reviews(tmp_path):
    out = io.StringIO()
    log_path = await run_demo(tmp_path, 20.0, Console(file=out, width=100))
    text = out.getvalue()
    assert (tmp_path / "mukdahan.svg").exists()
    assert (tmp_path / "mukdahan-1.plan").exists()
    assert "landed and disarmed" in text
    summary = flightlog.summarise(log_path)
    assert summary.last_event.startswith("vision summary")  # written after the landing
    assert summary.samples > 20
    hits = flightlog.read_hits(log_path)
    assert hits  # the people and cars beside the hot-spots
    assert {h.label for h in hits} <= {"person", "car"}
    assert "hits at the station" in text
    assert hits[0].label in text
    station = sqlite3.connect(tmp_path / "station.db")
    stored = sorted(i for (i,) in station.execute("SELECT id FROM hits"))
    (state,) = station.execute("SELECT state FROM flights").fetchone()
    station.close()
    assert stored == sorted(h.hit_id for h in hits)  # every hit forwarded, once
    assert state == "landed"
    said = f"{plural(len(hits), 'hit')} ({len(hits)} in the flight log)"
    assert said in " ".join(text.split())
