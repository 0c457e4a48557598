"""Flying the real ArduCopter and PX4 SITL from the tests: start one, run `patrol` against it as a
pilot would (a subprocess, no terminal), read its flight log, and watch the vehicle after the
controller has gone (a plain MAVLink listener on the same port).

Vehicle settings a real airframe would carry are given at boot (a battery that lasts a sortie);
stream rates never are: the controller asks for its telemetry itself.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from geofence.frames import LatLon, LocalFrame
from sim.sitl import Firmware, Sitl, start
from tests.sitl_support import require_sitl

#: Faster than real time, within what the link-loss failsafes allow: MAVSDK sends one heartbeat
#: a wall second, and both autopilots are told to return after 10 s (their clock) without one.
SPEEDUP = 4.0
PATROL = [sys.executable, "-m", "patrol"]
FIRMWARES = [
    pytest.param(Firmware.ARDUPILOT, id="arducopter"),
    pytest.param(Firmware.PX4, id="px4"),
]


@contextlib.contextmanager
def vehicle(firmware: Firmware, **params: float) -> Iterator[Sitl]:
    require_sitl(firmware)
    with start(firmware, speedup=SPEEDUP, params=params) as sitl:
        yield sitl


def patrol(*args: str, timeout_s: float = 1200.0) -> subprocess.CompletedProcess[str]:
    """`patrol ARGS` as a pilot runs it without a terminal; stdout and stderr together."""
    return subprocess.run(
        [*PATROL, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@contextlib.contextmanager
def patrol_running(*args: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*PATROL, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


@dataclass(frozen=True, slots=True)
class Logged:
    """What one flight log holds, as the tests read it."""

    path: Path
    events: list[tuple[str, str]]  # (kind, detail)
    track: list[tuple[float, float, float, float, int]]  # t_s, lat, lon, alt_rel_m, item
    meta: dict[str, str]

    def of_kind(self, kind: str) -> list[str]:
        """The details of the events of one kind ("autopilot": what the autopilot said)."""
        return [d for k, d in self.events if k == kind]

    def said(self, *words: str) -> list[str]:
        """Events whose kind or detail holds every one of `words` (any case)."""
        return [
            f"{k}: {d}"
            for k, d in self.events
            if all(w.lower() in f"{k} {d}".lower() for w in words)
        ]


def flight_logs(data_dir: Path) -> list[Logged]:
    out = []
    for path in sorted(data_dir.glob("*.sqlite"), key=lambda p: p.stat().st_mtime):
        db = sqlite3.connect(path)
        try:
            events = [(str(k), str(d)) for k, d in db.execute("SELECT kind, detail FROM events")]
            track = list(
                db.execute(
                    "SELECT t_s, lat_deg, lon_deg, alt_rel_m, mission_current FROM telemetry"
                    " ORDER BY t_s"
                )
            )
            meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
        finally:
            db.close()
        out.append(Logged(path, events, track, meta))
    return out


def wait_for_text(process: subprocess.Popen[str], text: str, lines: list[str]) -> None:
    """Read the controller's output until a line holds `text` (or it exits)."""
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if text in line:
            return
    raise AssertionError(f"patrol exited before saying {text!r}:\n{''.join(lines)}")


@dataclass
class Watched:
    modes: list[int]
    last_lat_deg: float = math.nan
    last_lon_deg: float = math.nan
    last_alt_rel_m: float = math.nan
    armed: bool = True


def watch_until_disarmed(sitl: Sitl, timeout_s: float = 600.0) -> Watched:
    """Listen on the controller's port after it has gone, as a bystander (no heartbeats of
    its own), until the vehicle disarms: the modes it went through and where it ended."""
    from pymavlink import mavutil

    url = sitl.url.replace("udpin://", "udpin:")
    link = mavutil.mavlink_connection(url, source_system=200)
    seen = Watched([])
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = link.recv_match(
                type=["HEARTBEAT", "GLOBAL_POSITION_INT"], blocking=True, timeout=5
            )
            if msg is None:
                continue
            if msg.get_type() == "HEARTBEAT":
                if msg.get_srcComponent() != 1 or msg.type == 6:  # the autopilot only
                    continue
                if not seen.modes or seen.modes[-1] != msg.custom_mode:
                    seen.modes.append(int(msg.custom_mode))
                seen.armed = bool(msg.base_mode & 128)
                if not seen.armed:
                    return seen
            elif msg.lat or msg.lon:
                seen.last_lat_deg, seen.last_lon_deg = msg.lat / 1e7, msg.lon / 1e7
                seen.last_alt_rel_m = msg.relative_alt / 1000
    finally:
        link.close()
    raise AssertionError(f"the vehicle did not land within {timeout_s:g} s: modes {seen.modes}")


def distance_m(a: LatLon, lat_deg: float, lon_deg: float) -> float:
    return math.hypot(*LocalFrame(a).geodetic2enu(lat_deg, lon_deg))


def interrupt(process: subprocess.Popen[str], how: int = signal.SIGINT) -> None:
    process.send_signal(how)


#: Mode numbers (HEARTBEAT custom_mode) meaning "coming home", per autopilot.
RETURNING: Mapping[Firmware, frozenset[int]] = {
    Firmware.ARDUPILOT: frozenset({6, 9, 21}),  # RTL, LAND, SMART_RTL
    Firmware.PX4: frozenset({(4 << 16) | (5 << 24), (4 << 16) | (6 << 24)}),  # Return, Land
}


class Pilot:
    """A bare MAVLink ground station for what patrol does not do itself (flying to a guided
    target), speaking as the controller's system id so the link-loss failsafe is content."""

    def __init__(self, sitl: Sitl, sysid: int = 245) -> None:
        from pymavlink import mavutil

        self.firmware = sitl.firmware
        self.link = mavutil.mavlink_connection(
            sitl.url.replace("udpin://", "udpin:"), source_system=sysid, source_component=190
        )
        self._beat = 0.0
        self.texts: list[str] = []
        self.link.wait_heartbeat(timeout=30)
        self.target = self.link.target_system

    def close(self) -> None:
        self.link.close()

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.recv(None, 0.2)

    def recv(self, kind: str | None, timeout_s: float):  # type: ignore[no-untyped-def]
        now = time.monotonic()
        if now - self._beat > 0.5:
            self._beat = now
            self.link.mav.heartbeat_send(6, 8, 0, 0, 4)  # a ground station, active
        msg = self.link.recv_match(blocking=True, timeout=timeout_s)
        if msg is not None and msg.get_type() == "STATUSTEXT":
            self.texts.append(msg.text)
        if msg is None or (kind is not None and msg.get_type() != kind):
            return None
        return msg

    def command(self, command: int, *params: float) -> int:
        p = (*params, *(0.0,) * (7 - len(params)))
        for _ in range(5):
            self.link.mav.command_long_send(self.target, 1, command, 0, *p)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                ack = self.recv("COMMAND_ACK", 0.5)
                if ack is not None and ack.command == command and ack.result != 5:
                    return int(ack.result)
        raise AssertionError(f"no acknowledgement of command {command}")

    def until(self, what: str, ready, timeout_s: float = 120.0):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = self.recv(None, 0.5)
            if msg is not None and ready(msg):
                return msg
        raise AssertionError(f"{what} did not happen within {timeout_s:g} s: {self.texts[-5:]}")


def fly_args(source: Path, sitl: Sitl, data_dir: Path) -> list[str]:
    """`patrol fly SOURCE` on this vehicle, logging into `data_dir`."""
    return [
        "fly",
        str(source),
        "--vehicle",
        sitl.url,
        "--timeout",
        "60",
        "--data-dir",
        str(data_dir),
    ]


def stopped_in_flight(
    sitl: Sitl, source: Path, data_dir: Path, once_said: str, how: signal.Signals
) -> tuple[int, str]:
    """Fly `source` and send `how` to the controller once it prints `once_said`; its exit code
    and everything it printed (after SIGINT it watches the return to the landing first)."""
    lines: list[str] = []
    with patrol_running(*fly_args(source, sitl, data_dir)) as process:
        wait_for_text(process, once_said, lines)
        process.send_signal(how)
        out, _ = process.communicate(timeout=900)  # SIGINT: watched to the landing
    return process.returncode, "".join(lines) + out
