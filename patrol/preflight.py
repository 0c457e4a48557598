"""Preflight: everything that must hold before arming, checked in an order that never commands
the vehicle before the fence check.

1. on the ground and disarmed; GPS 3D fix; home set; home inside the mission's fence (an
   autopilot refuses to arm otherwise, often silently) -- all read-only;
2. battery enough for the sortie plus the reserve;
3. failsafes set to return (fence, link loss, battery), each read back;
4. fence, mission and rally points uploaded, downloaded and compared item by item (a mission
   without rally points gets home as its one rally point, replacing any an earlier one left).

Each check is reported as it completes; the first that fails raises, and nothing is armed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from geofence.fence import RallyPoint
from geofence.frames import LocalFrame, ground_distance_m
from geofence.mavlink import MavItem, fence_items, rally_items
from missions.mission import Mission
from patrol.errors import PreflightError, ReadbackMismatchError
from patrol.vehicle import ItemKind, Status, Vehicle, item_difference

#: A vehicle further than this from the planned home is flying a plan made for somewhere else.
HOME_DRIFT_WARN_M = 50.0
MIN_SATELLITES = 6


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


Report = Callable[[CheckResult], None]


def _fail(report: Report, name: str, reason: str) -> PreflightError:
    report(CheckResult(name, False, reason))
    return PreflightError(name, reason)


async def preflight(
    vehicle: Vehicle,
    mission: Mission,
    *,
    battery_needed_pct: float | None,
    reserve_pct: float,
    report: Report,
) -> Status:
    """Run every check; returns the vehicle's status when all pass."""
    status = await vehicle.status()
    _ground_checks(status, mission, report)
    _battery_check(status, battery_needed_pct, reserve_pct, report)
    settings = (*vehicle.profile.failsafes, vehicle.profile.return_alt(mission.cruise_alt_rel_m))
    for setting in settings:
        await vehicle.set_param(setting)
        value = await vehicle.get_param(setting.name, setting.kind)
        if abs(value - setting.value) > 1e-3:
            raise _fail(
                report,
                "failsafes",
                f"{setting.name} reads back {value:g}, not {setting.value:g} ({setting.meaning})",
            )
    report(
        CheckResult(
            "failsafes",
            True,
            ", ".join(f"{s.name}={s.value:g} ({s.meaning})" for s in settings),
        )
    )
    await _transfer(vehicle, ItemKind.FENCE, fence_items(mission.fence), report)
    await _transfer(vehicle, ItemKind.MISSION, mission.items, report)
    rally = tuple(RallyPoint(r.lat_deg, r.lon_deg, r.alt_rel_m) for r in mission.rally) or (
        # none given: home as the only one, which also replaces any left by an earlier
        # mission (a return may head for the nearest rally point; MAVLink cannot send none)
        RallyPoint(mission.home.lat_deg, mission.home.lon_deg, mission.cruise_alt_rel_m),
    )
    await _transfer(vehicle, ItemKind.RALLY, rally_items(rally), report)
    return status


def _ground_checks(status: Status, mission: Mission, report: Report) -> None:
    if status.armed or status.in_air:
        raise _fail(
            report,
            "on the ground",
            "the vehicle is armed or flying; land and disarm it before a preflight",
        )
    report(CheckResult("on the ground", True, "disarmed"))
    if not status.gps_fix_3d or status.satellites < MIN_SATELLITES:
        raise _fail(
            report, "GPS", f"no 3D fix ({status.satellites} satellites); wait for a fix in the open"
        )
    report(CheckResult("GPS", True, f"3D fix, {status.satellites} satellites"))
    if status.home is None:
        raise _fail(report, "home", "the vehicle has no home position yet")
    home = status.home
    local = mission.fence.in_frame(LocalFrame(home.latlon))
    if not local.contains(0.0, 0.0):
        raise _fail(
            report,
            "home in fence",
            f"home ({home.lat_deg:.6f}, {home.lon_deg:.6f}) is "
            f"{-local.clearance_m(0.0, 0.0):.0f} m outside the mission's fence; the "
            "autopilot would refuse to arm: take off from inside the patrolled zone",
        )
    drift_m = ground_distance_m(home.latlon, mission.home.latlon)
    note = f", {drift_m:.0f} m from the planned home" if drift_m > HOME_DRIFT_WARN_M else ""
    report(
        CheckResult(
            "home in fence",
            True,
            f"{home.lat_deg:.6f}, {home.lon_deg:.6f}, {local.clearance_m(0, 0):.0f} m inside{note}",
        )
    )


def _battery_check(
    status: Status, needed_pct: float | None, reserve_pct: float, report: Report
) -> None:
    required = (needed_pct or 0.0) + reserve_pct
    what = (
        f"sortie {needed_pct:.0f} % + reserve {reserve_pct:g} %"
        if needed_pct is not None
        else f"reserve {reserve_pct:g} % (a .plan carries no energy estimate)"
    )
    if status.battery_pct < required:
        raise _fail(
            report,
            "battery",
            f"{status.battery_pct:.0f} % left, {required:.0f} % "
            f"needed ({what}); fit a charged battery",
        )
    report(CheckResult("battery", True, f"{status.battery_pct:.0f} % left, needs {what}"))


async def _transfer(
    vehicle: Vehicle, kind: ItemKind, items: tuple[MavItem, ...], report: Report
) -> None:
    await vehicle.upload(kind, items)
    back = await vehicle.download(kind)
    if len(back) != len(items):
        report(
            CheckResult(
                f"{kind.value} read back", False, f"{len(items)} sent, {len(back)} came back"
            )
        )
        raise ReadbackMismatchError(
            kind.value,
            min(len(back), len(items)),
            f"{len(items)} items sent, {len(back)} read back",
        )
    for k, (sent, got) in enumerate(zip(items, back, strict=True)):
        diff = item_difference(sent, got, vehicle.profile.unused_param)
        if diff is not None:
            report(CheckResult(f"{kind.value} read back", False, f"item {k}: {diff}"))
            raise ReadbackMismatchError(kind.value, k, diff)
    report(CheckResult(f"{kind.value} read back", True, f"{len(items)} items identical"))
