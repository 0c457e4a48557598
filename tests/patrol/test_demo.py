"""`patrol demo` (what `make demo` runs) plans, flies and reviews a simulated patrol, and the
commands it prints at the end run as pasted into a shell where it ran.

The demo runs once, as `make demo` runs it: the venv's `patrol` script, from the repository's
root, its output on a pipe (80 columns)."""

import json
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from geofence.words import plural
from patrol import flightlog

ROOT = Path(__file__).resolve().parents[2]
PATROL = Path(sys.executable).parent / "patrol"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's output folder and what it printed."""
    if not PATROL.is_file():
        pytest.skip(f"no patrol script beside {sys.executable}: install the package (make)")
    out = tmp_path_factory.mktemp("demo") / "out"
    done = subprocess.run(
        [str(PATROL), "demo", "--out", str(out), "--speedup", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done.stdout


def _printed(text: str, after: str) -> str:
    """The command printed on the line after the one that ends with `after`."""
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.rstrip().endswith(after))
    return lines[k + 1].strip()


def test_demo_plans_flies_and_reviews(demo):
    out, text = demo
    assert (out / "mukdahan.svg").exists()
    assert (out / "mukdahan-1.plan").exists()
    assert "landed and disarmed" in text
    (log_path,) = (out / "flights").glob("*.sqlite")
    summary = flightlog.summarise(log_path)
    assert summary.last_event.startswith("landed")  # how it ended, before what came after
    assert summary.samples > 20
    hits = flightlog.read_hits(log_path)
    assert hits  # the people and cars beside the hot-spots
    assert {h.label for h in hits} <= {"person", "car"}
    assert "hits at the station" in text
    assert hits[0].label in text
    station = sqlite3.connect(out / "station.db")
    stored = sorted(i for (i,) in station.execute("SELECT id FROM hits"))
    (state,) = station.execute("SELECT state FROM flights").fetchone()
    station.close()
    assert stored == sorted(h.hit_id for h in hits)  # every hit forwarded, once
    assert state == "landed"
    said = f"{plural(len(hits), 'hit')} ({len(hits)} in the flight log)"
    assert said in " ".join(text.split())


def test_the_printed_logs_command_lists_the_demos_flight(demo):
    out, text = demo
    command = _printed(text, "list them with")
    assert command.startswith(".venv/bin/patrol logs --data-dir ")  # not a bare `patrol`
    done = subprocess.run(
        ["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    (log_path,) = (out / "flights").glob("*.sqlite")
    assert log_path.stem in done.stdout


def test_the_printed_review_command_serves_the_demos_station(demo):
    """Pasted into a shell at the repository's root, it starts the station (here on a free port
    instead of the default), and the printed staff token reads the demo's hits from it."""
    out, text = demo
    command = _printed(text, "serve it with")
    assert command.startswith(".venv/bin/patrol station serve ")
    (token,) = re.findall(r"#token=(\S+)", text)
    station = subprocess.Popen(
        ["sh", "-c", f"exec {command} --port 0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert station.stdout is not None
        first = station.stdout.readline()
        found = re.findall(r"station on (http://127\.0\.0\.1:\d+)", first)
        assert found, first
        request = urllib.request.Request(
            f"{found[0]}/api/v1/hits", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            hits = json.load(reply)["hits"]
        (log_path,) = (out / "flights").glob("*.sqlite")
        assert len(hits) == len(flightlog.read_hits(log_path))
    finally:
        station.send_signal(signal.SIGINT)
        station.communicate(timeout=30)
    assert station.returncode == 0
