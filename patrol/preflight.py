"""Preflight: everything that must hold before arming, checked in an order that never commands
the vehicle before the fence check.

1. on the ground and disarmed; GPS 3D fix; home set (both waited for, within a bound, as a
   vehicle just switched on has neither); home inside the mission's fence (an autopilot
   refuses to arm otherwise, often silently) -- all read-only;
2. failsafes set to return (fence, link loss, battery), the return altitude, the fence's own
   parameters and the ground station the link-loss failsafe watches (this controller), each
   under the name the vehicle has for it and read back; a parameter the vehicle lacks fails
   (before the battery check: a vehicle without a battery monitor has no battery failsafe);
3. battery enough for the sortie plus the reserve;
4. fence, mission and rally points uploaded, downloaded and compared item by item (a mission
   without rally points gets home as its one rally point, replacing any an earlier one left).

Each check is reported as it completes; the first that fails raises, and nothing is armed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import anyio

from geofence.frames import GeoPoint, LatLon, LocalFrame, ground_distance_m
from geofence.mavlink import MavItem, fence_items, rally_items
from geofence.words import plural
from missions.commands import refused_by
from missions.mission import Mission
from missions.returns import rally_alt_rel_m
from patrol.autopilots import Setting
from patrol.errors import PreflightError, ReadbackMismatchError, VehicleError
from patrol.vehicle import ItemKind, Status, Vehicle, item_difference

#: A vehicle standing further than this from the planned home would fly a plan made for
#: somewhere else: autopilots take their home where they arm, and the planner checked every
#: return from the planned home.
HOME_DRIFT_LIMIT_M = 50.0
#: From this far the pilot is warned: a plan's home a few metres off is GPS noise, this much
#: is usually the wrong launch spot.
HOME_DRIFT_WARN_M = 15.0
#: A .plan's items above mean sea level fly this much off at most: the home altitudes of a
#: GPS and of QGroundControl's terrain tiles differ by a few metres.
HOME_ALT_LIMIT_M = 10.0
#: ... and are warned of from this far.
HOME_ALT_WARN_M = 3.0
MIN_SATELLITES = 6
#: How long a vehicle just switched on may take to get its fix and home.
READY_TIMEOUT_S = 90.0
READY_POLL_S = 1.0
BATTERY_WAIT_S = 10.0
_MISSION_TYPE = {ItemKind.MISSION: 0, ItemKind.FENCE: 1, ItemKind.RALLY: 2}


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # passed, but the pilot should look

    @property
    def mark(self) -> str:
        return "FAIL" if not self.ok else "warn" if self.warning else "ok"


Report = Callable[[CheckResult], None]


def _fail(report: Report, name: str, reason: str, outcome: str | None = None) -> PreflightError:
    report(CheckResult(name, False, reason))
    return (
        PreflightError(name, reason) if outcome is None else PreflightError(name, reason, outcome)
    )


async def preflight(
    vehicle: Vehicle,
    mission: Mission,
    *,
    battery_needed_pct: float | None,
    reserve_pct: float,
    report: Report,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> Status:
    """Run every check; returns the vehicle's status when all pass."""
    status = await _ready(vehicle, ready_timeout_s, report)
    _ground_checks(status, mission, report)
    refused = refused_by(vehicle.profile.firmware, [i.command for i in mission.items])
    if refused is not None:
        raise _fail(report, "mission", refused, UNTOUCHED)
    settings = vehicle.profile.settings(
        mission.cruise_alt_rel_m, mission.fence.ceiling_rel_m, vehicle.sysid
    )
    applied = []
    for setting in settings:
        if setting.several_inclusions and mission.fence.inclusion_count < 2:
            continue
        try:
            applied.append(await _apply(vehicle, setting, report))
        except PreflightError:
            raise
        except VehicleError as exc:
            raise _fail(report, "failsafes", str(exc)) from exc
    for names, why in vehicle.profile.thresholds:
        values = [await vehicle.get_param(name) for name in names]
        if not any(v is not None and v > 0 for v in values):
            raise _fail(report, "failsafes", why)
    report(CheckResult("failsafes", True, ", ".join(applied)))
    _battery_check(status, battery_needed_pct, reserve_pct, report)
    await _transfer(vehicle, ItemKind.FENCE, fence_items(mission.fence), report)
    await _transfer(vehicle, ItemKind.MISSION, mission.items, report)
    # the planner's rally points (or home alone, replacing any an earlier mission left: a
    # return may head for the nearest, and MAVLink cannot send none), at the altitude the
    # connected autopilot reads from a rally item, whatever the plan was made for
    alt_rel_m = rally_alt_rel_m(vehicle.profile.firmware, mission.cruise_alt_rel_m)
    rally = tuple(replace(r, alt_rel_m=alt_rel_m) for r in mission.uploaded_rally())
    await _transfer(vehicle, ItemKind.RALLY, rally_items(rally), report)
    return status


async def _ready(vehicle: Vehicle, timeout_s: float, report: Report) -> Status:
    """The vehicle's status once it has a 3D fix and a home, or as it is after `timeout_s`
    (the checks then say what is missing)."""
    status = await vehicle.status()
    waited_s = 0.0
    said = False
    while waited_s < timeout_s and (
        status.home is None or not status.gps_fix_3d or status.satellites < MIN_SATELLITES
    ):
        if not said:
            report(CheckResult("waiting", True, "for a GPS fix and a home position"))
            said = True
        await anyio.sleep(READY_POLL_S)
        waited_s += READY_POLL_S
        status = await vehicle.status()
    # the battery's first report may come a little after the fix (PX4)
    battery_until_s = waited_s + BATTERY_WAIT_S
    while not math.isfinite(status.battery_pct) and waited_s < battery_until_s:
        await anyio.sleep(READY_POLL_S)
        waited_s += READY_POLL_S
        status = await vehicle.status()
    return status


async def _apply(vehicle: Vehicle, setting: Setting, report: Report) -> str:
    """Set `setting` under the first of its names the vehicle has, and read it back."""
    for name in setting.names:
        before = await vehicle.get_param(name.name)
        if before is None:
            continue
        wanted = setting.on_vehicle(name, before)
        if not math.isclose(before, wanted, rel_tol=1e-6, abs_tol=1e-3):
            await vehicle.set_param(name.name, wanted, name.kind)
        value = await vehicle.get_param(name.name)
        if value is None or not math.isclose(value, wanted, rel_tol=1e-6, abs_tol=1e-3):
            raise _fail(
                report,
                "failsafes",
                f"{name.name} reads back {value:g}, not {wanted:g} ({setting.meaning})"
                if value is not None
                else f"{name.name} vanished after it was set ({setting.meaning})",
            )
        shown = f"{int(wanted):#b}" if setting.is_bitmask else f"{wanted:g}"
        return f"{name.name}={shown} ({setting.meaning})"
    names = " or ".join(n.name for n in setting.names)
    hint = f"; {setting.absent}" if setting.absent else ""
    raise _fail(
        report,
        "failsafes",
        f"the vehicle has no parameter {names} ({setting.meaning}){hint}; patrol knows no "
        f"other name for it on {vehicle.profile.name}",
    )


def _home_altitude(home: GeoPoint, mission: Mission, report: Report) -> tuple[str, bool]:
    """Items given above mean sea level were made relative with the planned home's altitude and
    are flown relative to home: refuse a home whose own altitude would lift or lower them past
    the limit; else what was compared, for the line, and whether to warn."""
    if not mission.amsl_items:
        return "", False
    off_m = home.alt_amsl_m - mission.home.alt_amsl_m
    n = len(mission.amsl_items)
    listed = ", ".join(str(k) for k in mission.amsl_items[:5]) + (", ..." if n > 5 else "")
    if not math.isfinite(off_m) or abs(off_m) > HOME_ALT_LIMIT_M:
        way = "higher" if off_m > 0 else "lower"
        raise _fail(
            report,
            "home in fence",
            f"the vehicle's home is {home.alt_amsl_m:.1f} m above mean sea level, the plan's "
            f"plannedHomePosition {mission.home.alt_amsl_m:.1f} m: patrol flies the plan "
            f"relative to home, so its {plural(n, 'item')} given above mean sea level "
            f"({listed}) would fly {abs(off_m):.1f} m {way} above the sea than the file gives "
            f"(more than the {HOME_ALT_LIMIT_M:.0f} m allowed); set plannedHomePosition's "
            "altitude to the launch spot's in QGroundControl, or give those items relative to "
            "home"
            if math.isfinite(off_m)
            else "the vehicle reports no altitude for its home, and the plan gives "
            f"{plural(n, 'item')} above mean sea level ({listed}); wait for a home altitude, or "
            "give those items relative to home",
        )
    way = "above" if off_m > 0 else "below"
    note = (
        f", its altitude {abs(off_m):.1f} m {way} plannedHomePosition's: "
        f"{plural(n, 'item')} given above mean sea level fly that much {way} the file's "
        f"heights (refused beyond {HOME_ALT_LIMIT_M:.0f} m)"
    )
    return note, abs(off_m) > HOME_ALT_WARN_M


def _distance(metres: float) -> str:
    return f"{metres / 1000:,.1f} km" if metres >= 10_000 else f"{metres:.0f} m"


def _swapped(stands: LatLon, mission: Mission) -> str:
    """A hint when the vehicle stands at the planned home with latitude and longitude exchanged:
    an area written [lat, lon] throughout plans consistently, somewhere else on the globe."""
    planned = mission.home
    if abs(planned.lon_deg) > 90:
        return ""
    exchanged = LatLon(planned.lon_deg, planned.lat_deg)
    if ground_distance_m(stands, exchanged) > HOME_DRIFT_LIMIT_M:
        return ""
    if mission.source.endswith(".plan"):
        what = f"the coordinates of {mission.source} look swapped"
    else:
        what = "the area file's coordinates look swapped (GeoJSON and KML write longitude first)"
    return f"; the vehicle stands at the planned home with latitude and longitude exchanged: {what}"


#: What a failed ground check leaves: it runs before anything is sent to the vehicle.
UNTOUCHED = "patrol sent the vehicle nothing"


def _ground_checks(status: Status, mission: Mission, report: Report) -> None:
    if status.in_air:
        raise _fail(
            report,
            "on the ground",
            "the vehicle is flying; land it and let it disarm, then run patrol again",
            UNTOUCHED,
        )
    if status.armed:
        raise _fail(
            report,
            "on the ground",
            "the vehicle is already armed on the ground (by its pilot or another ground "
            "station); disarm it, then run patrol again",
            UNTOUCHED,
        )
    report(CheckResult("on the ground", True, "disarmed"))
    if not status.gps_fix_3d or status.satellites < MIN_SATELLITES:
        raise _fail(
            report,
            "GPS",
            f"no 3D fix ({plural(status.satellites, 'satellite')}); wait for a fix in the open",
        )
    report(CheckResult("GPS", True, f"3D fix, {plural(status.satellites, 'satellite')}"))
    if status.home is None:
        raise _fail(report, "home", "the vehicle has no home position yet")
    home = status.home
    local = mission.fence.in_frame(LocalFrame(home.latlon))
    stands = status.position or home.latlon  # where the autopilot will take home on arming
    if not local.contains(0.0, 0.0):
        raise _fail(
            report,
            "home in fence",
            f"home ({home.lat_deg:.6f}, {home.lon_deg:.6f}) is "
            f"{_distance(-local.clearance_m(0.0, 0.0))} outside the mission's fence; the "
            "autopilot would refuse to arm: take off from inside the patrolled zone"
            + _swapped(stands, mission),
        )
    drift_m = ground_distance_m(stands, mission.home.latlon)
    if drift_m > HOME_DRIFT_LIMIT_M:
        raise _fail(
            report,
            "home in fence",
            f"the vehicle stands {drift_m:.0f} m from the planned home "
            f"({mission.home.lat_deg:.6f}, {mission.home.lon_deg:.6f}), more than the "
            f"{HOME_DRIFT_LIMIT_M:.0f} m allowed; it takes its home where it arms, and the "
            "plan's returns were checked from the planned home: carry it there, or plan from "
            "where it stands" + _swapped(stands, mission),
        )
    amsl_note, amsl_warn = _home_altitude(home, mission, report)
    far = drift_m > HOME_DRIFT_WARN_M
    report(
        CheckResult(
            "home in fence",
            True,
            f"{home.lat_deg:.6f}, {home.lon_deg:.6f}, {local.clearance_m(0, 0):.0f} m inside, "
            f"the vehicle {drift_m:.0f} m from the planned home{amsl_note}"
            + (
                f" (over {HOME_DRIFT_WARN_M:.0f} m: is this the planned launch spot? "
                f"beyond {HOME_DRIFT_LIMIT_M:.0f} m preflight refuses)"
                if far
                else ""
            ),
            warning=far or amsl_warn,
        )
    )


def _battery_check(
    status: Status, needed_pct: float | None, reserve_pct: float, report: Report
) -> None:
    required = (needed_pct or 0.0) + reserve_pct
    what = (
        f"sortie {needed_pct:.0f} % + reserve {reserve_pct:g} %"
        if needed_pct is not None
        else f"reserve {reserve_pct:g} % (no energy estimate: a .plan, or a resumed sortie)"
    )
    if not math.isfinite(status.battery_pct):
        raise _fail(
            report,
            "battery",
            "the vehicle reports no battery level; configure its battery monitor",
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
    try:
        await vehicle.upload(kind, items)
        back = await vehicle.download(kind)
    except VehicleError as exc:
        report(CheckResult(f"{kind.value} upload", False, str(exc)))
        raise
    if len(back) != len(items):
        report(
            CheckResult(
                f"{kind.value} read back", False, f"{len(items)} sent, {len(back)} came back"
            )
        )
        raise ReadbackMismatchError(
            kind.value,
            min(len(back), len(items)),
            f"{plural(len(items), 'item')} sent, {len(back)} read back",
        )
    for k, (sent, got) in enumerate(zip(items, back, strict=True)):
        expected = vehicle.profile.expected_back(sent, _MISSION_TYPE[kind])
        diff = item_difference(expected, got, vehicle.profile.unused_param)
        if diff is not None:
            report(CheckResult(f"{kind.value} read back", False, f"item {k}: {diff}"))
            raise ReadbackMismatchError(kind.value, k, diff)
    report(CheckResult(f"{kind.value} read back", True, f"{plural(len(items), 'item')} identical"))
