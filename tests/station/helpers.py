"""A station on a free loopback port, with one vehicle and one staff token, and hits to post."""

import base64
import datetime
import ipaddress
import itertools
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import cv2
import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from patrol.station.serve import Serving, running

VEHICLE_TOKEN = "vehicle-token-0123456789abcdef"
STAFF_TOKEN = "staff-token-0123456789abcdef"


@dataclass(frozen=True)
class Station:
    serving: Serving
    db: Path
    tokens: Path

    @property
    def url(self) -> str:
        return self.serving.url


def write_tokens(path: Path) -> Path:
    path.write_text(f"vehicle drone-1 {VEHICLE_TOKEN}\n# the desk\nstaff desk {STAFF_TOKEN}\n")
    return path


@asynccontextmanager
async def station(tmp_path: Path, **options: Any) -> AsyncIterator[Station]:
    tmp_path.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a test's own folder)
    tokens = write_tokens(tmp_path / "tokens.txt")
    db = tmp_path / "station.db"
    async with running(db, tokens, port=0, **options) as serving:
        yield Station(serving, db, tokens)


def self_signed(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for `host` (an IP address) and its key, as PEM files in
    `folder`: a station's own certificate that no CA vouches for."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "patrol test station")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def jpeg(approx_bytes: int = 2000, seed: int = 0) -> bytes:
    """A real JPEG of about this size (noise compresses badly, so size follows area)."""
    rng = np.random.default_rng(seed)
    side = max(8, int((approx_bytes / 1.1) ** 0.5))
    image = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()


def hit_wire(**over: Any) -> dict[str, Any]:
    wire = {
        "schema": "patrol.hit.v1",
        "id": str(uuid.uuid4()),
        "mission": "Mukdahan sweep",
        "flight": "20261121T030405Z-abc123",
        "vehicle": "vehicle 1",
        "zone": "Si Mongkhon Yot Kaeo",
        "captured_utc": "2026-11-21T03:04:05.120Z",
        "lat_deg": 16.5431,
        "lon_deg": 104.7237,
        "error_m": 1.4,
        "class": "person",
        "confidence": 0.91,
        "sightings": 3,
        "snapshot_jpeg": base64.b64encode(jpeg()).decode(),
    }
    wire.update(over)
    return wire


def flight_wire(flight_id: str = "20261121T030405Z-abc123", **over: Any) -> dict[str, Any]:
    wire = {
        "schema": "patrol.flight.v1",
        "id": flight_id,
        "mission": "Mukdahan sweep",
        "vehicle": "vehicle 1",
        "state": "landed",
        "started_utc": "2026-11-21T03:00:00.000Z",
        "ended_utc": "2026-11-21T03:10:00.000Z",
        "fence": [
            {
                "inclusion": True,
                "polygon": [
                    [16.540, 104.720],
                    [16.540, 104.727],
                    [16.546, 104.727],
                    [16.546, 104.720],
                ],
            },
            {"inclusion": False, "center": [16.5445, 104.7215], "radius_m": 40.0},
        ],
        "route": [[16.541, 104.721], [16.545, 104.726]],
        "track": [
            [0.0, 16.541, 104.721, 0.0],
            [60.0, 16.545, 104.726, 40.0],
            [120.0, 16.541, 104.721, 0.0],
        ],
        "events": [[0.0, "armed", ""], [120.0, "landed", "at home"]],
        "hits": [],
    }
    wire.update(over)
    return wire


async def until(condition: Callable[[], bool], timeout_s: float = 240, period_s: float = 0.05):
    """Poll `condition` (a file or a database another process writes) until it holds."""
    with anyio.fail_after(timeout_s):
        for _ in itertools.count():
            if condition():
                return
            await anyio.sleep(period_s)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def serve_process(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """`patrol station serve` as its own process (db and tokens in `folder`), once it answers."""
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "patrol", "station", "serve", "--db", str(folder / "s.db"),
            "--tokens", str(folder / "tokens.txt"), "--port", str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).close()
            return proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.05)
