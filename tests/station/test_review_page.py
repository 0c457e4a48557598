"""The review page in headless Chromium (Debian's package, driven by Playwright): the zone map,
the flight list, hit markers with their snapshots, and a new hit appearing live."""

import base64
import json
import os
import shutil
import urllib.request

import cv2
import numpy as np
import pytest

from sim.ports import free_tcp_port
from tests.station.helpers import (
    STAFF_TOKEN,
    VEHICLE_TOKEN,
    flight_wire,
    hit_wire,
    jpeg,
    serve_process,
    write_tokens,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    if os.environ.get("PATROL_REQUIRE_BROWSER"):
        raise RuntimeError("PATROL_REQUIRE_BROWSER is set but chromium is not installed")
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )

sync_api = pytest.importorskip("playwright.sync_api")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FLIGHT = "20261121T030000Z-page01"
SPOTS = [(16.5415, 104.7215), (16.5440, 104.7250), (16.5452, 104.7222), (16.5420, 104.7262)]


def _call(url, method, path, token, body=None):
    request = urllib.request.Request(
        url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


@pytest.fixture
def station_url(tmp_path):
    write_tokens(tmp_path / "tokens.txt")
    port = free_tcp_port()
    proc = serve_process(tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    yield url
    proc.terminate()
    proc.wait()


def _hit(k):
    lat, lon = SPOTS[k]
    snapshot = base64.b64encode(jpeg(3000, seed=k)).decode()
    return hit_wire(flight=FLIGHT, lat_deg=lat, lon_deg=lon, snapshot_jpeg=snapshot)


def _markers(png: bytes) -> int:
    """Magenta blobs in a screenshot: the hit markers (nothing else on the page is magenta)."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    b, g, r = cv2.split(image.astype(np.int16))
    mask = ((r > 200) & (b > 200) & (g < 80)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return sum(1 for k in range(1, count) if stats[k, cv2.CC_STAT_AREA] >= 30)


def test_the_map_shows_the_zone_flights_and_hits_and_new_hits_arrive_live(station_url, tmp_path):
    assert (
        _call(station_url, "PUT", f"/api/v1/flights/{FLIGHT}", VEHICLE_TOKEN, flight_wire(FLIGHT))
        == 201
    )
    for k in range(3):
        assert _call(station_url, "POST", "/api/v1/hits", VEHICLE_TOKEN, _hit(k)) == 201
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{station_url}/#token={STAFF_TOKEN}")
        page.wait_for_selector('#hit-count[data-count="3"]', timeout=15_000)
        assert page.locator("path.fence-inclusion").count() == 1
        assert page.locator("path.fence-exclusion").count() == 1
        assert page.locator("path.track").count() == 1
        row = page.locator("tr.flight").first.inner_text()
        assert "vehicle 1" in row
        assert "2:00" in row  # duration
        assert row.split()[-1] == "3"  # hits
        page.wait_for_selector("#live-status.live", timeout=15_000)
        assert _call(station_url, "POST", "/api/v1/hits", VEHICLE_TOKEN, _hit(3)) == 201
        page.wait_for_selector('#hit-count[data-count="4"]', timeout=15_000)
        assert page.locator("tr.flight").first.inner_text().split()[-1] == "4"
        page.wait_for_timeout(300)  # let the marker paint
        shot = page.screenshot(path=str(tmp_path / "review.png"))
        assert _markers(shot) == 4
        page.locator("#hits li").first.click()  # the newest hit: its popup and snapshot
        page.wait_for_function(
            "() => { const i = document.querySelector('.popup img');"
            " return i && i.complete && i.naturalWidth > 0; }",
            timeout=15_000,
        )
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert "person (confidence 0.91)" in popup
        assert f"{SPOTS[3][0]:.6f}" in popup
        assert not errors
        browser.close()


def test_without_a_staff_token_the_page_asks_for_one(station_url):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(station_url + "/")
        page.wait_for_selector("#login:not([hidden])", timeout=15_000)
        page.goto(f"{station_url}/#token={VEHICLE_TOKEN}")  # a vehicle token cannot read
        page.reload()
        page.wait_for_selector("#error:not([hidden])", timeout=15_000)
        assert "staff token" in page.locator("#error").inner_text()
        browser.close()
