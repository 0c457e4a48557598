"""No hit lost, none twice: the station down mid-patrol, the controller killed with hits
queued, the station killed while it writes. Real processes, real UDP, real HTTP, real SQLite."""

import base64
import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys

import aiohttp
import anyio
import pytest
from asyncclick.testing import CliRunner

from bench.scoring import layout, mission, targets
from missions import plan_text
from patrol.cli import cli
from patrol.station.serve import running
from sim.ports import free_tcp_port
from sim.scenario import CameraSpec, Scenario
from sim.server import Simulation
from tests.sim.client import make_ports
from tests.station.helpers import (
    STAFF_TOKEN,
    VEHICLE_TOKEN,
    auth,
    hit_wire,
    jpeg,
    serve_process,
    until,
    write_tokens,
)

pytestmark = pytest.mark.anyio


def _query(db, sql):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _station_ids(db) -> list[str]:
    try:
        return [i for (i,) in _query(db, "SELECT id FROM hits")]
    except sqlite3.OperationalError:
        return []


def _tried_and_waiting(logs) -> bool:
    for log in logs.glob("*.sqlite"):
        rows = _query(
            log, "SELECT 1 FROM outbox WHERE kind = 'hit' AND outcome IS NULL AND attempts > 0"
        )
        if rows:
            return True
    return False


def _sim_patrol(tmp_path):
    plan, stations, truths = layout()
    source = tmp_path / "scoring.plan"
    source.write_text(plan_text(mission(plan, stations)))
    ports, camera_port = make_ports(), free_tcp_port()
    scenario = Scenario(
        speedup=5.0,
        camera=CameraSpec(enabled=True, port=camera_port),
        targets=targets(plan, truths),
    )
    args = [
        "fly",
        str(source),
        "--vehicle",
        f"udpin://127.0.0.1:{ports.api_remote_base}",
        "--data-dir",
        str(tmp_path / "logs"),
        "--video",
        f"http://127.0.0.1:{camera_port}/video.mjpg",
    ]
    return Simulation(scenario, ports), args


async def test_station_down_for_the_middle_of_a_patrol_loses_nothing(tmp_path):
    sim, args = _sim_patrol(tmp_path)
    tokens, db, port = (
        write_tokens(tmp_path / "tokens.txt"),
        tmp_path / "station.db",
        free_tcp_port(),
    )
    url = f"http://127.0.0.1:{port}"
    down = anyio.Event()

    async def station_with_an_outage() -> None:
        async with running(db, tokens, port=port):
            await until(lambda: bool(_station_ids(db)))  # up until the first hit arrives
        down.set()
        await until(lambda: _tried_and_waiting(tmp_path / "logs"))  # a later hit waits
        await anyio.sleep(2.0)
        async with running(db, tokens, port=port):
            await anyio.sleep_forever()

    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        tg.start_soon(station_with_an_outage)
        result = await CliRunner().invoke(
            cli, [*args, "--station", url], env={"PATROL_STATION_TOKEN": VEHICLE_TOKEN}
        )
        tg.cancel_scope.cancel()
    assert result.exit_code == 0, result.output
    assert down.is_set()
    (log,) = (tmp_path / "logs").glob("*.sqlite")
    logged = sorted(i for (i,) in _query(log, "SELECT hit_id FROM hits"))
    stored = _station_ids(db)
    assert len(logged) >= 3
    assert sorted(stored) == logged  # every hit arrived ...
    assert len(set(stored)) == len(stored)  # ... once
    tried = [a for (a,) in _query(log, "SELECT attempts FROM outbox WHERE kind = 'hit'")]
    assert max(tried) >= 2  # some hit waited out the outage
    assert _query(log, "SELECT COUNT(*) FROM outbox WHERE outcome IS NULL") == [(0,)]
    flights = _query(db, "SELECT state, duration_s FROM flights")
    assert flights[0][0] == "landed"
    assert flights[0][1] > 30
    assert "unreachable" in result.output or "retried" in result.output


async def test_hits_queued_by_a_killed_controller_are_delivered_after_restart(tmp_path):
    sim, args = _sim_patrol(tmp_path)
    dead = f"http://127.0.0.1:{free_tcp_port()}"  # no station yet
    logs = tmp_path / "logs"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        proc = await anyio.open_process(
            [sys.executable, "-m", "patrol", *args, "--station", dead],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ | {"PATROL_STATION_TOKEN": VEHICLE_TOKEN},
        )
        queued: list = []
        with anyio.fail_after(240):
            while len(queued) < 2:
                await anyio.sleep(0.2)
                for log in logs.glob("*.sqlite"):
                    with contextlib.suppress(sqlite3.OperationalError):
                        queued = _query(log, "SELECT key FROM outbox WHERE kind = 'hit'")
        proc.kill()  # SIGKILL with hits queued and undelivered
        await proc.wait()
        tg.cancel_scope.cancel()
    (log,) = logs.glob("*.sqlite")
    logged = sorted(i for (i,) in _query(log, "SELECT hit_id FROM hits"))
    queued_ids = sorted(k for (k,) in _query(log, "SELECT key FROM outbox WHERE kind = 'hit'"))
    assert logged == queued_ids  # each hit was queued in its own transaction
    assert len(logged) >= 2
    tokens, db = write_tokens(tmp_path / "tokens.txt"), tmp_path / "station.db"
    async with running(db, tokens, port=0) as serving:
        result = await CliRunner().invoke(
            cli,
            ["station", "push", "--station", serving.url, "--data-dir", str(logs)],
            env={"PATROL_STATION_TOKEN": VEHICLE_TOKEN},
        )
        assert result.exit_code == 0, result.output
        again = await CliRunner().invoke(  # a second push finds nothing owed
            cli,
            ["station", "push", "--station", serving.url, "--data-dir", str(logs)],
            env={"PATROL_STATION_TOKEN": VEHICLE_TOKEN},
        )
        assert "0 records owed" in " ".join(again.output.split())
    stored = _station_ids(db)
    assert sorted(stored) == logged
    assert len(set(stored)) == len(stored)
    assert _query(db, "SELECT state FROM flights") == [("flying",)]  # its take-off record


async def test_a_station_killed_while_writing_keeps_every_acknowledged_hit_whole(tmp_path):
    write_tokens(tmp_path / "tokens.txt")
    port = free_tcp_port()
    url = f"http://127.0.0.1:{port}"
    snapshots = [jpeg(20_000, seed=k) for k in range(8)]
    hits = [
        hit_wire(snapshot_jpeg=base64.b64encode(snapshots[k % 8]).decode()) for k in range(3000)
    ]
    acked: set[str] = set()
    station = serve_process(tmp_path, port)
    try:
        async with aiohttp.ClientSession(url, headers=auth(VEHICLE_TOKEN)) as http:

            async def sender(mine):
                for hit in mine:
                    try:
                        async with http.post("/api/v1/hits", json=hit) as r:
                            if r.status == 201:
                                acked.add(hit["id"])
                    except (TimeoutError, aiohttp.ClientError):
                        return

            async with anyio.create_task_group() as tg:
                for k in range(8):
                    tg.start_soon(sender, hits[k::8])
                await until(lambda: len(acked) >= 300, period_s=0.01)
                station.kill()  # SIGKILL mid-stream: requests in flight, a group half-written
                station.wait()
    finally:
        station.kill()
        station.wait()
    assert 300 <= len(acked) < len(hits)
    db = tmp_path / "s.db"
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]
    rows = _query(db, "SELECT id, snapshot_jpeg, snapshot_sha256 FROM hits")
    stored = {i for i, _, _ in rows}
    assert acked <= stored  # nothing acknowledged is lost
    assert len(stored) == len(rows)  # nothing twice
    for _, blob, digest in rows:  # no partial rows
        assert hashlib.sha256(blob).hexdigest() == digest
        assert bytes(blob) in snapshots
    station = serve_process(tmp_path, port)  # back up: senders retry all they sent
    try:
        async with aiohttp.ClientSession(url, headers=auth(VEHICLE_TOKEN)) as http:
            statuses = []
            for hit in hits[: len(rows) + 50]:
                async with http.post("/api/v1/hits", json=hit) as r:
                    statuses.append(r.status)
                    if r.status == 409:
                        assert (await r.json())["same"] is True
            async with http.get("/api/v1/hits?limit=5000", headers=auth(STAFF_TOKEN)) as r:
                listed = (await r.json())["hits"]
    finally:
        station.terminate()
        station.wait()
    assert statuses.count(201) == len({h["id"] for h in hits[: len(rows) + 50]} - stored)
    assert (
        len(listed)
        == len({h["id"] for h in listed})
        == len(stored | {h["id"] for h in hits[: len(rows) + 50]})
    )
