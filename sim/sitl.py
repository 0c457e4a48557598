"""Real autopilots in software-in-the-loop: ArduCopter SITL and PX4 SITL (with its SIH simulator)
from the `shared/` folder beside the project, started headless on loopback for tests and
benchmarks.

Each start takes an instance number no other start on this machine holds (a lock file per
number), so tests and benchmarks can run several side by side: ArduCopter's `-I N` shifts its
own ports and its MAVLink goes to a free port we listen on; PX4's instance N listens on
14580+N and sends to 14540+N. PX4's bundle keeps its module links as plain files (`px4-param`
holding the text "px4"), which a read-only copy cannot fix, so a start lays the links anew in
a scratch folder beside the working directory and runs PX4's own start script from there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO

from sim.ports import free_port_block

#: Where the real autopilots are: $PATROL_SHARED, else `shared/` beside the project root.
SHARED_ENV = "PATROL_SHARED"
PX4_INSTANCES = range(10)  # PX4 gives instances above 9 one shared API port
ARDUPILOT_INSTANCES = range(1, 40)
STOP_WAIT_S = 10.0


class Firmware(Enum):
    ARDUPILOT = "ArduCopter"
    PX4 = "PX4"


@dataclass(frozen=True, slots=True)
class Home:
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float


#: What a real airframe would carry, given at boot: a battery that lasts a sortie, and a
#: critical-battery threshold (ArduPilot ships it at 0, a failsafe that never fires). Never
#: stream rates: a controller must ask for its telemetry itself.
AIRFRAME: dict[Firmware, dict[str, float]] = {
    Firmware.ARDUPILOT: {"BATT_CAPACITY": 20000, "SIM_BATT_CAP_AH": 20, "BATT_CRT_MAH": 2000},
    Firmware.PX4: {"SIM_BAT_DRAIN": 3600},
}

#: The Mukdahan sample's home (as both start scripts default to).
MUKDAHAN_HOME = Home(16.5424, 104.7246, 140.0)


@dataclass(frozen=True, slots=True)
class Sitl:
    firmware: Firmware
    url: str  # what the controller opens (MAVSDK form)
    instance: int
    workdir: Path
    pid: int


def shared_dir() -> Path:
    env = os.environ.get(SHARED_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared"


def _binary(firmware: Firmware) -> Path:
    if firmware is Firmware.ARDUPILOT:
        return shared_dir() / "ardupilot" / "arducopter"
    return shared_dir() / "px4" / "bin" / "px4"


def missing(firmware: Firmware) -> str | None:
    """Why `firmware` cannot be started here, or None when it can."""
    binary = _binary(firmware)
    if not binary.is_file():
        return (
            f"no {firmware.value} SITL at {binary}: put the real binary there "
            f"(or set ${SHARED_ENV} to the folder holding ardupilot/ and px4/)"
        )
    if not os.access(binary, os.X_OK):
        return f"{binary} is not executable"
    if firmware is Firmware.PX4 and shutil.which("bc") is None:
        return "PX4 SITL faster than real time needs bc (apt-get install bc)"
    return None


@contextlib.contextmanager
def _instance_lock(firmware: Firmware, numbers: range) -> Iterator[int]:
    """Hold an instance number no other start on this machine holds."""
    for n in numbers:
        path = Path(tempfile.gettempdir()) / f"patrol-sitl-{firmware.name.lower()}-{n}.lock"
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        if firmware is Firmware.PX4 and not _px4_ports_free(n):
            handle.close()
            continue
        try:
            yield n
        finally:
            handle.close()
        return
    raise RuntimeError(f"every {firmware.value} SITL instance number is in use")


def _px4_ports_free(n: int) -> bool:
    for port in (14540 + n, 14580 + n, 18570 + n):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                return False
    return not Path(f"/tmp/px4_lock-{n}").exists() or _lock_free(Path(f"/tmp/px4_lock-{n}"))


def _lock_free(path: Path) -> bool:
    try:
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _px4_stage(where: Path) -> Path:
    """PX4's bundle with its module links laid anew: bin/px4-NAME -> px4, etc/ as shipped."""
    bundle = shared_dir() / "px4"
    (where / "bin").mkdir(parents=True)
    (where / "bin" / "px4").symlink_to(bundle / "bin" / "px4")
    for entry in (bundle / "bin").iterdir():
        if entry.name == "px4":
            continue
        target = where / "bin" / entry.name
        if entry.stat().st_size <= 8 and entry.read_text(errors="replace").strip() == "px4":
            target.symlink_to("px4")
        else:
            shutil.copy(entry, target)
    (where / "etc").symlink_to(bundle / "etc")
    shutil.copy(bundle / "run-px4-sih.sh", where / "run-px4-sih.sh")
    return where / "run-px4-sih.sh"


def _param_file(path: Path, params: Mapping[str, float]) -> Path:
    path.write_text("".join(f"{name} {value:g}\n" for name, value in params.items()))
    return path


@contextlib.contextmanager
def start(
    firmware: Firmware,
    *,
    home: Home = MUKDAHAN_HOME,
    speedup: float = 1.0,
    params: Mapping[str, float] | None = None,
    log: IO[bytes] | None = None,
) -> Iterator[Sitl]:
    """Start one real autopilot and stop it (and everything it started) on leaving.

    `params` are vehicle settings a real airframe would carry (a battery's capacity, say), set
    at boot; never stream rates, which the controller must ask for itself."""
    reason = missing(firmware)
    if reason is not None:
        raise RuntimeError(reason)
    params = AIRFRAME[firmware] | dict(params or {})
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="patrol-sitl-")))
        workdir = scratch / "work"
        if firmware is Firmware.ARDUPILOT:
            n = stack.enter_context(_instance_lock(firmware, ARDUPILOT_INSTANCES))
            port = free_port_block(1)
            workdir.mkdir()
            env = dict(os.environ, ARDUCOPTER_WORKDIR=str(workdir))
            if params:
                env["PARAMS"] = str(_param_file(scratch / "extra.parm", params))
            argv = [
                str(shared_dir() / "ardupilot" / "run-arducopter"),
                "--home",
                f"{home.lat_deg},{home.lon_deg},{home.alt_amsl_m},0",
                "--speedup",
                f"{speedup:g}",
                "-I",
                str(n),
                "--serial0",
                f"udpclient:127.0.0.1:{port}",
            ]
            url = f"udpin://127.0.0.1:{port}"
        else:
            n = stack.enter_context(_instance_lock(firmware, PX4_INSTANCES))
            script = _px4_stage(scratch / "px4")
            env = dict(os.environ)
            env.update({f"PX4_PARAM_{name}": f"{value:g}" for name, value in params.items()})
            argv = [
                str(script),
                "--instance",
                str(n),
                "--lat",
                f"{home.lat_deg}",
                "--lon",
                f"{home.lon_deg}",
                "--alt",
                f"{home.alt_amsl_m}",
                "--speed",
                f"{speedup:g}",
                "--workdir",
                str(workdir),
            ]
            url = f"udpin://0.0.0.0:{14540 + n}"
        out = log if log is not None else stack.enter_context((scratch / "sitl.log").open("wb"))
        process = subprocess.Popen(
            argv,
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops what it started
        )
        try:
            yield Sitl(firmware, url, n, workdir, process.pid)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_WAIT_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything left in its group
    process.wait()
