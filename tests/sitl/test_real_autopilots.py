"""patrol against the real ArduCopter and PX4 SITL: preflight, the sample's three patterns, a
second flight without a reboot, resume, Ctrl-C, kill -9, the autopilot's own fence, and the
refusals. Each test starts its own autopilot on its own instance number and ports."""

from __future__ import annotations

import json
import math
import signal
import time
from pathlib import Path

import pytest

from geofence.frames import LocalFrame
from geofence.loaders import load_area
from missions import load_spec
from missions.planner import plan
from missions.qgc import plan_document
from sim.sitl import Firmware
from tests.conftest import EXAMPLES
from tests.sitl.helpers import (
    FIRMWARES,
    RETURNING,
    Pilot,
    distance_m,
    flight_logs,
    fly_args,
    patrol,
    stopped_in_flight,
    vehicle,
    watch_until_disarmed,
)

pytestmark = [pytest.mark.sitl, pytest.mark.slow]

PATTERNS = ["patrol.toml", "hotspots.toml", "perimeter.toml"]
HOTSPOTS = EXAMPLES / "hotspots.toml"


def _ends(spec: Path) -> list[tuple[float, float]]:
    """Where a return may end: home and every rally point of the spec's first sortie."""
    planned = plan(load_spec(spec), load_area(load_spec(spec).area_path))
    mission = planned.missions[0]
    return [(mission.home.lat_deg, mission.home.lon_deg)] + [
        (r.lat_deg, r.lon_deg) for r in mission.rally
    ]


def _landed_at_an_end(spec: Path, lat_deg: float, lon_deg: float) -> float:
    from geofence.frames import LatLon

    return min(distance_m(LatLon(a, b), lat_deg, lon_deg) for a, b in _ends(spec))


def _breaches(log) -> list[str]:  # type: ignore[no-untyped-def]
    """What the autopilot itself said of a fence breach (ArduPilot: "… fence breached",
    PX4: "Geofence …")."""
    return [
        said
        for said in log.of_kind("autopilot")
        if "breach" in said.lower() or "geofence" in said.lower()
    ]


@pytest.mark.parametrize("firmware", FIRMWARES)
@pytest.mark.parametrize("name", PATTERNS)
def test_checks_then_flies_each_sample_pattern(firmware: Firmware, name: str, tmp_path: Path):
    spec = EXAMPLES / name
    with vehicle(firmware) as sitl:
        check = patrol("check", str(spec), "--vehicle", sitl.url, "--timeout", "60")
        assert check.returncode == 0, check.stdout
        assert "preflight passed" in check.stdout
        flown = patrol(
            *fly_args(spec, sitl, tmp_path),
        )
        assert flown.returncode == 0, flown.stdout
    (log,) = flight_logs(tmp_path)
    assert not _breaches(log), _breaches(log)
    _t, lat, lon, alt_rel_m, _item = log.track[-1]
    assert alt_rel_m < 2.0
    assert _landed_at_an_end(spec, lat, lon) < 10.0


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_flies_again_without_a_reboot(firmware: Firmware, tmp_path: Path):
    """After a landing ArduPilot stays in RTL or AUTO, where it refuses to arm."""
    spec = EXAMPLES / "hotspots.toml"
    with vehicle(firmware) as sitl:
        for _ in range(2):
            flown = patrol(
                *fly_args(spec, sitl, tmp_path),
            )
            assert flown.returncode == 0, flown.stdout
    assert len(flight_logs(tmp_path)) == 2


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_ctrl_c_in_flight_returns_and_lands(firmware: Firmware, tmp_path: Path):
    spec = EXAMPLES / "patrol.toml"
    with vehicle(firmware) as sitl:
        code, out = stopped_in_flight(sitl, spec, tmp_path, "item 3/", signal.SIGINT)
        assert code == 130, out
        assert "landed and disarmed" in out, "the controller watched the return to the landing"
        seen = watch_until_disarmed(sitl)
    assert not seen.armed
    assert _landed_at_an_end(spec, seen.last_lat_deg, seen.last_lon_deg) < 10.0
    (log,) = flight_logs(tmp_path)
    assert log.said("pilot: return")
    # the autopilot's own return mode, as the controller watched it (PX4 Return, ArduPilot RTL)
    assert log.said("mode", "(return)"), log.events
    assert log.said("landed")


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_kill_9_leaves_the_link_loss_failsafe_to_return_it(firmware: Firmware, tmp_path: Path):
    """What preflight promised: the autopilot watches this controller's heartbeat."""
    spec = EXAMPLES / "patrol.toml"
    with vehicle(firmware) as sitl:
        stopped_in_flight(sitl, spec, tmp_path, "item 3/", signal.SIGKILL)
        seen = watch_until_disarmed(sitl)
    assert set(seen.modes) & RETURNING[firmware], seen.modes
    assert _landed_at_an_end(spec, seen.last_lat_deg, seen.last_lon_deg) < 10.0


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_resume_after_a_landing_flies_the_unflown_items(firmware: Firmware, tmp_path: Path):
    spec = EXAMPLES / "hotspots.toml"
    with vehicle(firmware) as sitl:
        # stopped on its first leg, near home: its return lands there (one that came down at a
        # rally point is refused until carried back to the pad, which a SITL cannot do)
        code, out = stopped_in_flight(sitl, spec, tmp_path, "item 2/", signal.SIGINT)
        assert code == 130, out
        watch_until_disarmed(sitl)
        (first,) = flight_logs(tmp_path)
        resumed = patrol(
            "fly",
            "--resume",
            first.path.stem,
            "--vehicle",
            sitl.url,
            "--timeout",
            "60",
            "--data-dir",
            str(tmp_path),
        )
        assert resumed.returncode == 0, resumed.stdout
    first, second = flight_logs(tmp_path)
    assert second.meta["resumed_from"] == first.path.stem
    stopped_at = max(item for *_rest, item in first.track)
    # the resumed mission flies the stopped-at item and everything after it, nothing before
    import json

    before = json.loads(first.meta["mission"])["mission"]["items"]
    after = json.loads(second.meta["mission"])["mission"]["items"]
    assert after[-(len(before) - stopped_at) :] == before[stopped_at:]


def test_no_battery_monitor_is_one_line_exit_3_and_logged(tmp_path: Path):
    """Without a battery monitor neither patrol's energy monitor nor the autopilot's battery
    failsafe can work: preflight refuses, naming what to configure."""
    with vehicle(Firmware.ARDUPILOT, BATT_MONITOR=0) as sitl:
        flown = patrol(
            *fly_args(HOTSPOTS, sitl, tmp_path),
        )
    assert flown.returncode == 3, flown.stdout
    (error,) = [line for line in flown.stdout.splitlines() if line.startswith("patrol: error")]
    assert "reports no battery level; configure its battery monitor" in error
    assert "Traceback" not in flown.stdout
    (log,) = flight_logs(tmp_path)
    assert log.said("battery", "FAIL")


@pytest.mark.parametrize(
    ("firmware", "params", "words"),
    [
        pytest.param(Firmware.ARDUPILOT, {"BATT_ARM_VOLT": 30.0}, "arm", id="arducopter"),
        pytest.param(Firmware.PX4, {"COM_ARM_AUTH_REQ": 1}, "arm", id="px4"),
    ],
)
def test_a_refused_arm_is_one_line_exit_3_and_logged(
    firmware: Firmware, params: dict[str, float], words: str, tmp_path: Path
):
    spec = EXAMPLES / "hotspots.toml"
    with vehicle(firmware, **params) as sitl:
        flown = patrol(
            *fly_args(spec, sitl, tmp_path),
        )
        seen = watch_until_disarmed(sitl, timeout_s=30)
    assert flown.returncode == 3, flown.stdout
    assert "Traceback" not in flown.stdout
    (error,) = [line for line in flown.stdout.splitlines() if line.startswith("patrol: error")]
    assert "refused arm" in error
    assert not seen.armed
    (log,) = flight_logs(tmp_path)
    assert log.said("refused", words)


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_the_uploaded_fence_is_enforced_by_the_autopilot(firmware: Firmware, tmp_path: Path):
    """After `patrol check`, a guided target far beyond the fence is refused, or the
    breach brings the vehicle back: it never gets far outside."""
    spec = EXAMPLES / "hotspots.toml"
    mission = plan(load_spec(spec), load_area(load_spec(spec).area_path)).missions[0]
    home = mission.home
    frame = LocalFrame(home.latlon)
    local = mission.fence.in_frame(frame)
    outside = frame.enu2geodetic(0.0, -500.0)  # south, beyond the zone
    assert local.clearance_m(0.0, -500.0) < -100.0
    outside_lat, outside_lon = outside.lat_deg, outside.lon_deg
    with vehicle(firmware) as sitl:
        check = patrol("check", str(spec), "--vehicle", sitl.url, "--timeout", "60")
        assert check.returncode == 0, check.stdout
        pilot = Pilot(sitl)
        try:
            if firmware is Firmware.ARDUPILOT:
                assert pilot.command(176, 1, 4) == 0  # GUIDED
            for _ in range(30):
                if pilot.command(400, 1) == 0:
                    break
                pilot.pump(1.0)
            else:
                raise AssertionError(f"the vehicle would not arm: {pilot.texts[-5:]}")
            # NAV_TAKEOFF: ArduCopter takes metres above home, PX4 metres above sea level
            climb_to = 20.0 if firmware is Firmware.ARDUPILOT else home.alt_amsl_m + 20.0
            assert pilot.command(22, 0, 0, 0, math.nan, math.nan, math.nan, climb_to) == 0
            pilot.until(
                "the climb",
                lambda m: m.get_type() == "GLOBAL_POSITION_INT" and m.relative_alt > 15000,
            )
            result = pilot.command(
                192, -1, 1, 0, math.nan, outside_lat, outside_lon, home.alt_amsl_m + 20
            )  # DO_REPOSITION
            worst_m, returned = 0.0, False
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not returned:
                m = pilot.recv("GLOBAL_POSITION_INT", 1.0)
                if m is not None:
                    e, n = frame.geodetic2enu(m.lat / 1e7, m.lon / 1e7)
                    worst_m = max(worst_m, -local.clearance_m(e, n))
                hb = pilot.link.messages.get("HEARTBEAT")
                returned = hb is not None and hb.custom_mode in RETURNING[firmware]
        finally:
            pilot.close()
    refused = result != 0 or any("fence" in t.lower() for t in pilot.texts)
    assert refused or returned, (result, pilot.texts)
    assert worst_m < 30.0, (worst_m, pilot.texts[-10:])


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_a_refused_upload_is_one_line_exit_3_and_logged(firmware: Firmware, tmp_path: Path):
    """A fence of 480 vertices, more than either autopilot holds."""
    plan_path = tmp_path / "dense.plan"
    document = plan_document(
        plan(load_spec(HOTSPOTS), load_area(load_spec(HOTSPOTS).area_path)).missions[0]
    )
    outline = document["geoFence"]["polygons"][0]["polygon"]
    dense = []
    for (a_lat, a_lon), (b_lat, b_lon) in zip(outline, outline[1:] + outline[:1], strict=True):
        dense += [
            [a_lat + (b_lat - a_lat) * k / 40, a_lon + (b_lon - a_lon) * k / 40] for k in range(40)
        ]
    document["geoFence"]["polygons"][0]["polygon"] = dense
    plan_path.write_text(json.dumps(document))
    logs = tmp_path / "logs"
    with vehicle(firmware) as sitl:
        flown = patrol(
            *fly_args(plan_path, sitl, logs),
        )
    assert flown.returncode == 3, flown.stdout
    assert "Traceback" not in flown.stdout
    (error,) = [line for line in flown.stdout.splitlines() if line.startswith("patrol: error")]
    assert "fence upload failed: the vehicle cannot hold" in error
    (log,) = flight_logs(logs)
    assert log.said("fence upload", "cannot hold")
