"""The controller's outbox and sender against a real station on loopback."""

import json
import random
import sqlite3
import time

import anyio
import pytest
import trustme

from patrol.flightlog import FlightLog
from patrol.station.outbox import Outbox, logs_with_pending
from patrol.station.sender import BACKOFF_CAP_S, Sender, StationLink, backoff_s
from sim.ports import free_tcp_port
from tests.station.helpers import VEHICLE_TOKEN, hit_wire, running, station, until, write_tokens

pytestmark = pytest.mark.anyio


def queued_log(path, n: int) -> list[str]:
    """A flight log with `n` hits, each queued for the station in its own transaction."""
    log = FlightLog(path, {"flight_id": path.stem, "vehicle_url": "udpin://x"})
    ids = []
    for _ in range(n):
        wire = hit_wire(flight=path.stem)
        write_hit(log, wire)
        ids.append(wire["id"])
    log.close()
    return ids


def write_hit(log, wire, *, label="person", lat_deg=16.5, error_m=1.0, confidence=0.9, sightings=3):
    """A confirmed hit into the log with its station report, as the flight writes it."""
    log.hit(
        wire["id"],
        time.monotonic(),
        label,
        lat_deg,
        104.7,
        error_m,
        confidence,
        sightings,
        b"\xff\xd8",
        json.dumps(wire).encode(),
    )


def station_ids(db) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [i for (i,) in con.execute("SELECT id FROM hits ORDER BY seq")]
    finally:
        con.close()


def outcomes(path) -> list[str | None]:
    con = sqlite3.connect(path)
    try:
        return [o for (o,) in con.execute("SELECT outcome FROM outbox ORDER BY seq")]
    finally:
        con.close()


def test_a_hit_and_its_outbox_row_are_one_transaction(tmp_path):
    log = FlightLog(tmp_path / "f.sqlite", {"flight_id": "f"})
    wire = hit_wire()
    write_hit(log, wire)
    # a reader sees both at once (committed together) ...
    con = sqlite3.connect(tmp_path / "f.sqlite")
    assert con.execute("SELECT COUNT(*) FROM hits").fetchone()[0] == 1
    assert con.execute("SELECT kind, key FROM outbox").fetchall() == [("hit", wire["id"])]
    # ... and a refinement of the same hit queues nothing more
    write_hit(log, wire, lat_deg=16.6, error_m=0.5, confidence=0.95, sightings=5)
    assert con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1
    con.close()
    log.close()


def test_backoff_doubles_to_its_cap_with_jitter_in_the_upper_half():
    rng = random.Random(1)
    for failures, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (50, 30.0)]:
        waits = [backoff_s(failures, rng) for _ in range(200)]
        assert min(waits) >= ceiling / 2
        assert max(waits) <= ceiling
        assert max(waits) - min(waits) > ceiling / 4  # jittered, not in step
    assert backoff_s(99, rng) <= BACKOFF_CAP_S


async def test_queued_hits_are_delivered_once_and_marked(tmp_path):
    ids = queued_log(tmp_path / "f1.sqlite", 5)
    assert logs_with_pending(tmp_path) == [tmp_path / "f1.sqlite"]
    async with station(tmp_path / "st") as st:
        sender = Sender(StationLink(st.url, VEHICLE_TOKEN), lambda _: None)
        sender.watch(tmp_path / "f1.sqlite")
        counts = await sender.drain(20)
        sender.close()
        assert (counts.queued, counts.delivered) == (0, 5)
        assert station_ids(st.db) == ids
    assert outcomes(tmp_path / "f1.sqlite") == ["stored"] * 5
    assert logs_with_pending(tmp_path) == []


async def test_a_lost_answer_is_retried_and_counted_delivered_as_a_duplicate(tmp_path):
    (hit_id,) = queued_log(tmp_path / "f1.sqlite", 1)
    async with station(tmp_path / "st") as st:
        sender = Sender(StationLink(st.url, VEHICLE_TOKEN), lambda _: None)
        sender.watch(tmp_path / "f1.sqlite")
        await sender.drain(20)
        # as if the ack never reached the vehicle: the row is owed again
        con = sqlite3.connect(tmp_path / "f1.sqlite")
        con.execute("UPDATE outbox SET outcome = NULL")
        con.commit()
        con.close()
        counts = await sender.drain(20)
        sender.close()
        assert counts.delivered == 1
        assert station_ids(st.db) == [hit_id]
    assert outcomes(tmp_path / "f1.sqlite") == ["duplicate"]


async def test_a_refused_report_is_said_and_not_retried(tmp_path):
    path = tmp_path / "f1.sqlite"
    log = FlightLog(path, {"flight_id": "f1"})
    log.hit("bad", time.monotonic(), "person", 0, 0, 1, 0.5, 3, b"", b'{"schema": "nope"}')
    log.close()
    said: list[str] = []
    async with station(tmp_path / "st") as st:
        sender = Sender(StationLink(st.url, VEHICLE_TOKEN), said.append)
        sender.watch(path)
        counts = await sender.drain(20)
        sender.close()
    assert counts.refused == 1
    assert counts.owed == 0
    assert outcomes(path)[0].startswith("refused: schema")
    assert any("station refused hit bad" in s for s in said)


async def test_with_no_station_hits_stay_queued_and_tries_back_off(tmp_path):
    queued_log(tmp_path / "f1.sqlite", 2)
    said: list[str] = []
    sender = Sender(StationLink(f"http://127.0.0.1:{free_tcp_port()}", VEHICLE_TOKEN), said.append)
    sender.watch(tmp_path / "f1.sqlite")
    counts = await sender.drain(2.5)
    sender.close()
    assert (counts.queued, counts.delivered) == (2, 0)
    assert 1 <= sender.failures <= 4  # 0.25-0.5 s, 0.5-1 s, 1-2 s: not a tight loop
    assert len([s for s in said if "retried" in s]) == 1  # said once, not every try
    con = sqlite3.connect(tmp_path / "f1.sqlite")
    attempts = [a for (a,) in con.execute("SELECT attempts FROM outbox")]
    con.close()
    # each try is counted on the rows as it starts; the drain's end may cut the last one short
    assert attempts[0] == attempts[1]
    assert attempts[0] in (sender.failures, sender.failures + 1)


async def test_an_unknown_token_keeps_hits_queued(tmp_path):
    queued_log(tmp_path / "f1.sqlite", 1)
    said: list[str] = []
    async with station(tmp_path / "st") as st:
        sender = Sender(StationLink(st.url, "not-a-token-the-station-has"), said.append)
        sender.watch(tmp_path / "f1.sqlite")
        counts = await sender.drain(1.0)
        sender.close()
        assert station_ids(st.db) == []
    assert counts.queued == 1
    assert any("HTTP 401" in s for s in said)


async def test_tls_with_the_stations_own_ca(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    ids = queued_log(tmp_path / "f1.sqlite", 1)
    async with station(tmp_path / "st", cert=tmp_path / "cert.pem", key=tmp_path / "key.pem") as st:
        assert st.url.startswith("https://")
        untrusted = Sender(StationLink(st.url, VEHICLE_TOKEN), lambda _: None)
        untrusted.watch(tmp_path / "f1.sqlite")
        counts = await untrusted.drain(1.0)  # a certificate no trusted CA signed
        untrusted.close()
        assert counts.queued == 1
        assert "certificate" in untrusted.last_error.lower()
        trusted = Sender(StationLink(st.url, VEHICLE_TOKEN, tmp_path / "ca.pem"), lambda _: None)
        trusted.watch(tmp_path / "f1.sqlite")
        counts = await trusted.drain(20)
        trusted.close()
        assert counts.delivered == 1
        assert station_ids(st.db) == ids


async def test_the_sender_keeps_running_and_picks_up_new_rows(tmp_path):
    path = tmp_path / "f1.sqlite"
    async with station(tmp_path / "st") as st:
        log = FlightLog(path, {"flight_id": "f1"})
        sender = Sender(StationLink(st.url, VEHICLE_TOKEN), lambda _: None)
        sender.watch(path)
        async with anyio.create_task_group() as tg:
            tg.start_soon(sender.run)
            wire = hit_wire()
            write_hit(log, wire, label="car")
            await until(lambda: station_ids(st.db) == [wire["id"]], timeout_s=10)
            tg.cancel_scope.cancel()
        sender.close()
        log.close()
    assert Outbox(path).counts().delivered == 1


async def test_a_station_back_during_the_shutdown_drain_gets_everything(tmp_path):
    """After a long outage the backoff has grown to tens of seconds; the drain at shutdown is a
    last, bounded effort and tries again every second, so a station back within it gets all."""
    ids = queued_log(tmp_path / "f1.sqlite", 2)
    port = free_tcp_port()
    sender = Sender(StationLink(f"http://127.0.0.1:{port}", VEHICLE_TOKEN), lambda _s: None)
    sender.watch(tmp_path / "f1.sqlite")
    sender.failures = 6  # an outage: the next backoff is 15-30 s

    def tried() -> bool:
        con = sqlite3.connect(tmp_path / "f1.sqlite")
        try:
            return all(a >= 1 for (a,) in con.execute("SELECT attempts FROM outbox"))
        finally:
            con.close()

    async def comes_back() -> None:
        await until(tried)  # the drain's first try found nobody
        async with running(tmp_path / "station.db", write_tokens(tmp_path / "t.txt"), port=port):
            await anyio.sleep_forever()

    async with anyio.create_task_group() as tg:
        tg.start_soon(comes_back)
        counts = await sender.drain(10.0)
        tg.cancel_scope.cancel()
    sender.close()
    assert (counts.queued, counts.delivered) == (0, 2)
    assert sorted(station_ids(tmp_path / "station.db")) == sorted(ids)
