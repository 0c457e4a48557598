"""`patrol demo` (what `make demo` runs) plans, flies and reviews a simulated patrol."""

import io

import pytest
from rich.console import Console

from patrol import flightlog
from patrol.demo import run_demo

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
    assert "hits" in text
    assert hits[0].label in text
