"""The controller's side of the wire forms: a hit report from a confirmed hit, a flight record
from a mission and its log.

The flight log's meta carries the mission's fence and route in wire form (written when the
log is opened), so a flight record can be built from the log file alone, by whichever process
delivers it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from geofence.frames import LatLon
from missions.mission import Mission
from patrol.station.schema import FLIGHT_SCHEMA, HitReport, parse_flight, parse_hit, utc_text
from patrol.vision.tracker import Hit

#: Track points sent per second of flight (the log keeps 10).
TRACK_HZ = 2.0


def mission_geometry(mission: Mission) -> dict[str, Any]:
    """The fence and route of a mission in wire form, for the flight log's meta."""
    fence: list[dict[str, Any]] = [
        {"inclusion": p.inclusion, "polygon": [[v.lat_deg, v.lon_deg] for v in p.vertices]}
        for p in mission.fence.polygons
    ]
    fence += [
        {
            "inclusion": c.inclusion,
            "center": [c.center.lat_deg, c.center.lon_deg],
            "radius_m": c.radius_m,
        }
        for c in mission.fence.circles
    ]
    route = [[i.x_lat_deg, i.y_lon_deg] for i in mission.nav_items()]
    return {"station_fence": fence, "station_route": route}


def hit_report(
    meta: dict[str, Any], hit: Hit, where: LatLon, captured_utc: datetime, zone: str | None
) -> HitReport:
    """The station's report of a confirmed hit, checked against the schema (a report the
    station would refuse is found here, on the vehicle)."""
    report = HitReport(
        hit_id=hit.hit_id,
        mission=str(meta.get("mission_name") or meta.get("source") or "patrol"),
        flight=str(meta["flight_id"]),
        vehicle=vehicle_name(meta),
        zone=zone,
        captured_utc=captured_utc,
        lat_deg=where.lat_deg,
        lon_deg=where.lon_deg,
        error_m=hit.error_m,
        label=hit.label,
        confidence=hit.confidence,
        sightings=hit.sightings,
        snapshot_jpeg=hit.snapshot_jpeg,
    )
    return parse_hit(report.to_wire())


def vehicle_name(meta: dict[str, Any]) -> str:
    """The pilot's name for the vehicle (--name), else its number in a fleet, else its link."""
    name, label, url = meta.get("vehicle_name"), meta.get("vehicle_label"), meta.get("vehicle_url")
    if name:
        return str(name)
    if label:
        return f"vehicle {label}"
    return str(url or "vehicle")


def flight_record(db: sqlite3.Connection, state: str, ended_utc: str | None) -> dict[str, Any]:
    """A flight's record from its log: the plan while `flying`, everything once `landed`."""
    meta = dict(db.execute("SELECT key, value FROM meta"))
    track: list[list[float]] = []
    events: list[list[Any]] = []
    hits: list[dict[str, Any]] = []
    if state == "landed":
        last_t = -1e9
        for t_s, lat, lon, alt in db.execute(
            "SELECT t_s, lat_deg, lon_deg, alt_rel_m FROM telemetry "
            "WHERE lat_deg IS NOT NULL AND alt_rel_m IS NOT NULL ORDER BY t_s"
        ):
            if t_s - last_t >= 1.0 / TRACK_HZ:
                track.append([round(t_s, 2), lat, lon, round(alt, 2)])
                last_t = t_s
        events = [
            [max(0.0, t), kind, (detail or "")[:2000]]
            for t, kind, detail in db.execute("SELECT t_s, kind, detail FROM events ORDER BY t_s")
        ]
        hits = [
            {"id": h, "lat_deg": la, "lon_deg": lo, "error_m": e, "confidence": c}
            for h, la, lo, e, c in db.execute(
                "SELECT hit_id, lat_deg, lon_deg, error_m, confidence FROM hits"
            )
        ]
    record = {
        "schema": FLIGHT_SCHEMA,
        "id": meta["flight_id"],
        "mission": meta.get("mission_name") or meta.get("source") or "patrol",
        "vehicle": vehicle_name(meta),
        "state": state,
        "started_utc": utc_text(datetime.fromisoformat(meta["started_utc"])),
        "ended_utc": ended_utc,
        "fence": json.loads(meta.get("station_fence", "[]")),
        "route": json.loads(meta.get("station_route", "[]")),
        "track": track,
        "events": events,
        "hits": hits,
    }
    return parse_flight(record, record["id"])  # what the station would refuse, refuse here
