"""Where an earlier flight stopped, and what is left to fly (`patrol fly --resume FLIGHT_ID`).

The flight log holds the mission the vehicle flew and, at 10 Hz, the item it was flying to (in
patrol's numbering on either autopilot) and where it was. The first item not reached is the
highest current item the log holds: items are flown in order, a return leaves the current item
where it was, and after a link loss the autopilot reports, once heard again, how far it got. An
item the log cannot vouch for is flown again. The remaining mission is the take-off and settings
that open the mission, then a way inside the free space to where the vehicle left its mission
(so the rest of an interrupted lane is flown, not skipped), then that item onward. A flight that
flew its whole sortie resumes with the patrol's next sortie.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

from geofence.errors import PatrolError
from geofence.frames import LatLon, LocalFrame
from geofence.mavlink import MavItem
from missions.commands import ACCEPTED, Kind
from missions.errors import PlanningError
from missions.mission import Mission, plain_waypoint
from missions.qgc import mission_from_document
from missions.routing import Router

#: Items that fly somewhere; those before the first of them (take-off, speed) open the mission.
_WORK = frozenset(
    c.number
    for c in ACCEPTED.values()
    if c.kind in (Kind.WAYPOINT, Kind.SPLINE, Kind.LOITER, Kind.REPOSITION)
)


#: The flight-log meta keys that say where a mission came from; a resumed flight keeps them.
PROVENANCE = ("source", "sortie", "sorties", "sector", "sectors", "loops", "digest")


class ResumeError(PatrolError):
    """A flight that cannot be resumed (no such log, or nothing left to fly)."""


@dataclass(frozen=True, slots=True)
class Stopped:
    """An earlier flight as its log tells it."""

    flight_id: str
    source: str
    vehicle_url: str
    sortie: int
    sorties: int
    mission: Mission
    next_item: int  # the first mission item not reached
    left_at: LatLon | None  # where the vehicle was when it left that item's leg, if known
    provenance: dict[str, str]  # where its mission came from: source, sortie, sector, loops...
    vehicle_name: str = ""  # the pilot's name for the vehicle (--name), carried on

    @property
    def finished(self) -> bool:
        return self.next_item >= len(self.mission.items) - 1  # the last item is the return


def read_stopped(data_dir: Path, flight_id: str) -> Stopped:
    path = data_dir / f"{flight_id}.sqlite"
    if not path.is_file():
        raise ResumeError(
            f"--resume {flight_id}: no flight log {path}; `patrol logs` lists the flights "
            "(or pass the --data-dir they were flown with)"
        )
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        (reached,) = db.execute("SELECT MAX(mission_current) FROM telemetry").fetchone()
        left = db.execute(
            "SELECT lat_deg, lon_deg FROM telemetry WHERE mission_current = ? AND mode = ?"
            " ORDER BY t_s DESC LIMIT 1",
            (reached or 0, "mission"),
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise ResumeError(f"--resume {flight_id}: {path} is not a flight log ({exc})") from exc
    finally:
        db.close()
    if "mission" not in meta:
        raise ResumeError(f"--resume {flight_id}: {path} records no mission to resume")
    mission = mission_from_document(json.loads(meta["mission"]), str(path), flight_id)
    return Stopped(
        flight_id=flight_id,
        source=meta.get("source", ""),
        vehicle_url=meta.get("vehicle_url", ""),
        sortie=int(meta.get("sortie", 1)),
        sorties=int(meta.get("sorties", 1)),
        mission=mission,
        next_item=int(reached or 0),
        left_at=LatLon(float(left[0]), float(left[1])) if left else None,
        provenance={k: v for k, v in meta.items() if k in PROVENANCE},
        vehicle_name=meta.get("vehicle_name", ""),
    )


def remaining(mission: Mission, next_item: int, left_at: LatLon | None = None) -> Mission:
    """The mission from `next_item` on, behind the items that open it (take-off, speed) and,
    when the vehicle left the leg to `next_item` part-way at `left_at`, a way there inside
    the fence's free space."""
    opening = next(
        (k for k, item in enumerate(mission.items) if item.command in _WORK), len(mission.items)
    )
    start = max(next_item, opening)
    if start >= len(mission.items) - 1:
        raise ResumeError(f"{mission.name}: nothing left to fly after item {next_item}")
    back: tuple[MavItem, ...] = ()
    if left_at is not None and start > opening and mission.items[start].command in _WORK:
        back = _way_back(mission, left_at, mission.items[start].z_alt_m)
    shift = len(back) + opening - start
    amsl = tuple(
        k if k <= opening else k + shift for k in mission.amsl_items if k <= opening or k > start
    )
    return replace(
        mission,
        items=mission.items[:opening] + back + mission.items[start:],
        amsl_items=amsl,
    )


def _way_back(mission: Mission, left_at: LatLon, alt_rel_m: float) -> tuple[MavItem, ...]:
    """Waypoints from home to `left_at`, inside the free space (none when it lies outside)."""
    frame = LocalFrame(mission.home.latlon)
    fence = mission.fence.in_frame(frame)
    goal = frame.geodetic2enu(left_at.lat_deg, left_at.lon_deg)
    free = fence.free_space(max(mission.fence.margin_m - 1.0, 0.0))
    router = Router(free, allowed=fence.allowed, margin_m=max(mission.fence.margin_m - 1.0, 0.0))
    if not router.is_clear(goal, goal):
        return ()  # it left beyond the margin (a monitor's return): fly the item afresh
    try:
        corners = router.route((0.0, 0.0), goal)
    except PlanningError:
        return ()
    out = []
    for east_m, north_m in corners[1:]:
        at = frame.enu2geodetic(east_m, north_m)
        out.append(plain_waypoint(at.lat_deg, at.lon_deg, alt_rel_m))
    return tuple(out)
