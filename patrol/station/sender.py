"""The controller's sender: delivers what the flight logs' outboxes owe the station.

A row leaves the outbox only when the station has answered for it: stored (201), or already
stored with the same content (409, a retry whose first answer was lost). A request the station
refuses as malformed is marked refused and said, not retried forever. Anything else (no
route, a timeout, a 5xx, a token the station does not know yet) is tried again after an
exponential backoff with jitter, so a fleet coming back into range does not hit the station
in step. Rows are read from the logs, so a controller restarted after a crash delivers what
the last one had queued.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import anyio

from patrol.errors import RefusedError, StationError
from patrol.station.outbox import Counts, Outbox, Pending

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
#: While draining at shutdown, the longest wait between tries.
DRAIN_RETRY_S = 1.0
POLL_S = 0.2
BATCH = 64
IN_FLIGHT = 8
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class StationLink:
    """Where the station is and how to prove who we are."""

    url: str  # http://host:port or https://host:port
    token: str
    ca_file: Path | None = None  # the station's own CA, for a certificate no public CA signed

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.url.startswith("https:"):
            return False
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


def _session(link: StationLink, timeout_s: float = REQUEST_TIMEOUT_S) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=link.url,
        headers={"Authorization": f"Bearer {link.token}"},
        connector=aiohttp.TCPConnector(ssl=link.ssl_context(), limit=IN_FLIGHT),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
    )


TOKEN_OPTION = "--station-token-file (or $PATROL_STATION_TOKEN)"


def tls_problem(link: StationLink, exc: aiohttp.ClientSSLError) -> tuple[str, str]:
    """The option to mend and one line on a failed TLS handshake with the station: what is
    wrong (the certificate's problem as OpenSSL words it) and how to mend it. No retry mends
    either: the pilot must."""
    if not isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = getattr(getattr(exc, "os_error", None), "reason", None) or "no TLS"
        return "--station", (
            f"station {link.url}: TLS failed ({str(reason).lower().replace('_', ' ')}); is it "
            "serving HTTPS (patrol station serve --cert/--key), or is it an http:// station?"
        )
    cause = exc.certificate_error
    problem = (getattr(cause, "verify_message", None) or str(cause) or "not verified").rstrip(".")
    if isinstance(cause, ssl.CertificateError) and "mismatch" in problem.lower():
        mend = "give --station the host name the certificate was issued for"
    elif link.ca_file is not None:
        mend = f"--station-ca {link.ca_file} did not sign it: give the CA that did"
    else:
        mend = "give the station's own CA certificate (PEM) with --station-ca FILE"
    return (
        "--station-ca",
        f"station {link.url}: its TLS certificate is not trusted ({problem}); {mend}",
    )


async def check_tls(link: StationLink, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
    """For an https:// station, raise StationError if TLS with it fails, before anything is
    sent (`patrol station push`); a station out of reach passes (what is owed stays owed)."""
    if not link.url.startswith("https:"):
        return
    try:
        async with _session(link, timeout_s) as http, http.get("/api/v1/health") as response:
            await response.read()
    except aiohttp.ClientSSLError as exc:
        raise StationError(tls_problem(link, exc)[1]) from None
    except (aiohttp.ClientError, TimeoutError, OSError):
        return


async def check_vehicle_token(link: StationLink, timeout_s: float = REQUEST_TIMEOUT_S) -> str:
    """Ask the station whose token this is, before anything flies; the line to tell the pilot.

    A vehicle's token passes. A token the station does not know, or a staff token (which may
    read but not post), is refused: every hit would be refused too. A station out of reach
    passes: the outbox keeps the hits until it answers."""
    try:
        async with _session(link, timeout_s) as http, http.get("/api/v1/whoami") as response:
            status, body = response.status, await response.text()
    except aiohttp.ClientSSLError as exc:
        raise RefusedError(*tls_problem(link, exc)) from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return _out_of_reach(link, str(exc) or exc.__class__.__name__)
    try:
        who = json.loads(body) if status == 200 else {}
    except ValueError:
        who = {}
    if status == 401:
        raise RefusedError(
            TOKEN_OPTION,
            f"the station {link.url} does not know this token; give this vehicle's token "
            "(patrol station token --role vehicle --name NAME, on the station)",
        )
    if not isinstance(who, dict) or "role" not in who:
        return _out_of_reach(link, f"HTTP {status} from /api/v1/whoami")
    if who["role"] != "vehicle":
        raise RefusedError(
            TOKEN_OPTION,
            f"the token is {who.get('name', '?')}'s, a {who['role']} token, which cannot post "
            "hits; give this vehicle's token (patrol station token --role vehicle --name NAME)",
        )
    return f"station {link.url}: token of vehicle {who.get('name', '?')} accepted"


def _out_of_reach(link: StationLink, why: str) -> str:
    return (
        f"station {link.url} cannot be asked now ({why}); the flight goes on and hits stay "
        "queued in the outbox until it answers"
    )


def backoff_s(failures: int, rng: random.Random) -> float:
    """Wait before try `failures + 1`: doubling from 0.5 s up to 30 s, the upper half random."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0 ** max(0, failures - 1))
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class Answer:
    delivered: bool
    outcome: str  # 'stored', 'duplicate', 'refused: ...', or why it failed


def judge(item: Pending, status: int, body: str) -> Answer:
    """What the station's answer means for an outbox row."""
    try:
        detail = json.loads(body) if body else {}
    except ValueError:
        detail = {}
    error = str(detail.get("error", body[:200])) if isinstance(detail, dict) else body[:200]
    if status in (200, 201):
        return Answer(True, "stored")
    if status == 409 and item.kind == "hit":
        if isinstance(detail, dict) and detail.get("same") is True:
            return Answer(True, "duplicate")
        return Answer(True, f"refused: {error}")
    if status in (400, 413, 415, 422):
        return Answer(True, f"refused: {error}")
    return Answer(False, f"HTTP {status}: {error}")


class Sender:
    def __init__(self, link: StationLink, say: Callable[[str], None], seed: int | None = None):
        self.link, self.say = link, say
        self.outboxes: dict[Path, Outbox] = {}
        self.counts = Counts(0, 0, 0, 0)
        self.failures = 0
        self.retry_at_s = 0.0
        self.last_error = ""
        self._rng = random.Random(seed)

    def watch(self, path: Path) -> None:
        if path not in self.outboxes:
            self.outboxes[path] = Outbox(path)

    def close(self) -> None:
        for outbox in self.outboxes.values():
            outbox.close()
        self.outboxes.clear()

    def status(self) -> str:
        c = self.counts
        text = f"station: {c.queued} queued, {c.delivered} delivered"
        if c.refused:
            text += f", {c.refused} refused"
        if self.failures:
            wait_s = max(0.0, self.retry_at_s - time.monotonic())
            text += f"; unreachable ({self.last_error}), next try in {wait_s:.0f} s"
        return text

    def _count(self) -> Counts:
        totals = [o.counts() for o in list(self.outboxes.values())]
        return Counts(
            sum(c.queued for c in totals),
            sum(c.delivered for c in totals),
            sum(c.refused for c in totals),
            sum(c.owed for c in totals),
        )

    def _pending(self) -> list[Pending]:
        out: list[Pending] = []
        for outbox in list(self.outboxes.values()):
            out += outbox.pending(BATCH - len(out))
            if len(out) >= BATCH:
                break
        return out

    async def _post(self, session: aiohttp.ClientSession, item: Pending) -> Answer:
        if item.kind == "hit":
            method, path = "POST", "/api/v1/hits"
        else:
            method, path = "PUT", f"/api/v1/flights/{item.key}"
        try:
            async with session.request(
                method,
                path,
                data=io.BytesIO(item.body),  # large flight logs stream, not block the loop
                headers={"Content-Type": "application/json"},
            ) as response:
                return judge(item, response.status, await response.text())
        except aiohttp.ClientSSLError as exc:
            return Answer(False, tls_problem(self.link, exc)[1])
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Answer(False, str(exc) or exc.__class__.__name__)

    async def _round(self, session: aiohttp.ClientSession) -> int:
        """Send one batch; the number delivered, or -1 when the station could not be reached."""
        items = await anyio.to_thread.run_sync(self._pending)
        if not items:
            self.counts = await anyio.to_thread.run_sync(self._count)
            return 0
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def one(item: Pending) -> Answer:
            async with limit:
                return await self._post(session, item)

        answers = await asyncio.gather(*(one(i) for i in items))
        by_log: dict[Path, tuple[list[tuple[int, str]], list[int]]] = {}
        failed = ""
        for item, answer in zip(items, answers, strict=True):
            done, retry = by_log.setdefault(item.path, ([], []))
            if answer.delivered:
                done.append((item.seq, answer.outcome))
                if answer.outcome.startswith("refused"):
                    self.say(f"station refused {item.kind} {item.key}: {answer.outcome[9:]}")
            else:
                retry.append(item.seq)
                failed = answer.outcome

        def settle() -> None:
            for path, (done, retry) in by_log.items():
                self.outboxes[path].settle(done, retry)

        await anyio.to_thread.run_sync(settle)
        self.counts = await anyio.to_thread.run_sync(self._count)
        if failed:
            self._failed(failed)
            return -1
        if self.failures:
            self.say(f"station: reachable again; {self.status()[9:]}")
        self.failures = 0
        return len(items)

    def _failed(self, error: str) -> None:
        if not self.failures or error != self.last_error:
            self.say(f"station: {error}; hits stay queued and are retried")
        self.failures += 1
        self.last_error = error
        self.retry_at_s = time.monotonic() + backoff_s(self.failures, self._rng)

    def session(self) -> aiohttp.ClientSession:
        return _session(self.link)

    async def run(self) -> None:
        """Deliver until cancelled."""
        async with self.session() as session:
            while True:
                sent = await self._round(session)
                if sent < 0:
                    await anyio.sleep(max(0.0, self.retry_at_s - time.monotonic()))
                elif sent == 0:
                    await anyio.sleep(POLL_S)

    async def drain(self, timeout_s: float) -> Counts:
        """Deliver what is queued now, for at most `timeout_s`; what is left stays queued.

        A last, bounded effort from one controller: it tries again at least every
        `DRAIN_RETRY_S` rather than waiting out a backoff grown during an outage, so a station
        back up within the window gets everything."""
        with anyio.move_on_after(timeout_s):
            async with self.session() as session:
                while True:
                    sent = await self._round(session)
                    if sent == 0:
                        break
                    if sent < 0:
                        wait_s = max(0.0, self.retry_at_s - time.monotonic())
                        await anyio.sleep(min(wait_s, DRAIN_RETRY_S))
        self.counts = await anyio.to_thread.run_sync(self._count)
        return self.counts
