"""What crosses the wire between a controller and the station: hit schema v1 and flight v1.

Both sides run the same validation: the controller checks a report before it queues it (so a
bad one is found on the vehicle, not days later at the station), the station checks every
request before it stores anything. A hit on the wire:

    {"schema": "patrol.hit.v1", "id": "<uuid>", "mission": "...", "flight": "<flight id>",
     "vehicle": "...", "zone": "<zone name>" | null, "captured_utc": "2026-11-21T03:04:05.120Z",
     "lat_deg": 16.54, "lon_deg": 104.72, "error_m": 1.2, "class": "person",
     "confidence": 0.91, "sightings": 3, "snapshot_jpeg": "<base64 JPEG>"}

Unknown fields are refused: a newer controller says so with a new schema name instead of
having fields silently dropped.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from patrol.errors import StationError

HIT_SCHEMA = "patrol.hit.v1"
FLIGHT_SCHEMA = "patrol.flight.v1"
MAX_SNAPSHOT_BYTES = 512 * 1024
MAX_TEXT = 200
MAX_TRACK_POINTS = 100_000
MAX_EVENTS = 20_000
MAX_FENCE_VERTICES = 10_000

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
UTC_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?Z$"
FLIGHT_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_UUID = re.compile(UUID_PATTERN)
_UTC = re.compile(UTC_PATTERN)
_FLIGHT_ID = re.compile(FLIGHT_ID_PATTERN)
HIT_FIELDS = {
    "schema",
    "id",
    "mission",
    "flight",
    "vehicle",
    "zone",
    "captured_utc",
    "lat_deg",
    "lon_deg",
    "error_m",
    "class",
    "confidence",
    "sightings",
    "snapshot_jpeg",
}
_LABEL = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


class SchemaError(StationError):
    """A field that does not meet the schema: `field` names it (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class HitReport:
    hit_id: str
    mission: str
    flight: str
    vehicle: str
    zone: str | None
    captured_utc: datetime
    lat_deg: float
    lon_deg: float
    error_m: float
    label: str
    confidence: float
    sightings: int
    snapshot_jpeg: bytes

    def to_wire(self) -> dict[str, Any]:
        wire = summary_wire(self)
        wire["snapshot_jpeg"] = base64.b64encode(self.snapshot_jpeg).decode("ascii")
        return wire


def summary_wire(hit: HitReport) -> dict[str, Any]:
    """The hit without its snapshot: what lists and the live stream carry."""
    return {
        "schema": HIT_SCHEMA,
        "id": hit.hit_id,
        "mission": hit.mission,
        "flight": hit.flight,
        "vehicle": hit.vehicle,
        "zone": hit.zone,
        "captured_utc": utc_text(hit.captured_utc),
        "lat_deg": hit.lat_deg,
        "lon_deg": hit.lon_deg,
        "error_m": hit.error_m,
        "class": hit.label,
        "confidence": hit.confidence,
        "sightings": hit.sightings,
    }


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- field checks: each returns the value or raises SchemaError naming the field -----------


def _obj(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(field, "must be a JSON object")
    return value


def _exact_keys(obj: Mapping[str, Any], field: str, required: set[str], optional: set[str]) -> None:
    missing = sorted(required - obj.keys())
    if missing:
        raise SchemaError(f"{field}{missing[0]}", "is missing")
    extra = sorted(obj.keys() - required - optional)
    if extra:
        raise SchemaError(f"{field}{extra[0]}", "is not a field of this schema")


def _text(value: Any, field: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT:
        raise SchemaError(field, f"must be a string of 1 to {MAX_TEXT} characters")
    if pattern is not None and not pattern.match(value):
        raise SchemaError(field, f"must match {pattern.pattern}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise SchemaError(field, "must not hold control characters")
    return value


def _number(value: Any, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(field, "must be a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise SchemaError(field, f"must be between {low:g} and {high:g}")
    return float(value)


def _integer(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SchemaError(field, f"must be an integer from {low} to {high}")
    return value


def _uuid(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        raise SchemaError(field, "must be a UUID such as 0b8f6c1e-9c1a-4d3e-8f00-5d2a1b7c9e42")
    return str(uuid.UUID(value))


def parse_utc(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not _UTC.match(value):
        raise SchemaError(field, "must be a UTC time such as 2026-11-21T03:04:05.120Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise SchemaError(field, "is not a date and time that exists") from None


def _jpeg(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or len(value) > (MAX_SNAPSHOT_BYTES * 4) // 3 + 4:
        raise SchemaError(field, f"must be base64 of a JPEG of at most {MAX_SNAPSHOT_BYTES} bytes")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SchemaError(field, "is not valid base64") from None
    if not (data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9")):
        raise SchemaError(field, "is not a JPEG (no start and end markers)")
    return data


def _schema_name(obj: Mapping[str, Any], expected: str) -> None:
    if obj.get("schema") != expected:
        raise SchemaError("schema", f"must be {expected!r}")


def parse_hit(value: Any) -> HitReport:
    """A hit from its wire form, every field checked."""
    obj = _obj(value, "hit")
    _schema_name(obj, HIT_SCHEMA)
    _exact_keys(obj, "", HIT_FIELDS, set())
    zone = obj["zone"]
    return HitReport(
        hit_id=_uuid(obj["id"], "id"),
        mission=_text(obj["mission"], "mission"),
        flight=_text(obj["flight"], "flight", _FLIGHT_ID),
        vehicle=_text(obj["vehicle"], "vehicle"),
        zone=None if zone is None else _text(zone, "zone"),
        captured_utc=parse_utc(obj["captured_utc"], "captured_utc"),
        lat_deg=_number(obj["lat_deg"], "lat_deg", -90.0, 90.0),
        lon_deg=_number(obj["lon_deg"], "lon_deg", -180.0, 180.0),
        error_m=_number(obj["error_m"], "error_m", 0.0, 10_000.0),
        label=_text(obj["class"], "class", _LABEL),
        confidence=_number(obj["confidence"], "confidence", 0.0, 1.0),
        sightings=_integer(obj["sightings"], "sightings", 1, 1_000_000),
        snapshot_jpeg=_jpeg(obj["snapshot_jpeg"], "snapshot_jpeg"),
    )


def check_flight_id(value: str) -> str:
    return _text(value, "flight id", _FLIGHT_ID)


# --- flight records ---------------------------------------------------------------------


def _list(value: Any, field: str, most: int, item: Callable[[Any, str], Any]) -> list[Any]:
    if not isinstance(value, list) or len(value) > most:
        raise SchemaError(field, f"must be a list of at most {most} items")
    return [item(v, f"{field}[{k}]") for k, v in enumerate(value)]


def _latlon(value: Any, field: str) -> list[float]:
    if not isinstance(value, list) or len(value) != 2:
        raise SchemaError(field, "must be [latitude, longitude]")
    return [_number(value[0], field, -90, 90), _number(value[1], field, -180, 180)]


def _track_point(value: Any, field: str) -> list[float]:
    if not isinstance(value, list) or len(value) != 4:
        raise SchemaError(field, "must be [t_s, latitude, longitude, alt_rel_m]")
    return [
        _number(value[0], field, 0, 1e7),
        _number(value[1], field, -90, 90),
        _number(value[2], field, -180, 180),
        _number(value[3], field, -1e4, 1e5),
    ]


def _event(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list) or len(value) != 3:
        raise SchemaError(field, "must be [t_s, kind, detail]")
    detail = value[2]
    if not isinstance(detail, str) or len(detail) > 2000:
        raise SchemaError(field, "detail must be a string of at most 2000 characters")
    return [_number(value[0], field, 0, 1e7), _text(value[1], field), detail]


def _fence_shape(value: Any, field: str) -> dict[str, Any]:
    obj = _obj(value, field)
    inclusion = obj.get("inclusion")
    if not isinstance(inclusion, bool):
        raise SchemaError(f"{field}.inclusion", "must be true or false")
    if "polygon" in obj:
        _exact_keys(obj, f"{field}.", {"inclusion", "polygon"}, set())
        ring = _list(obj["polygon"], f"{field}.polygon", MAX_FENCE_VERTICES, _latlon)
        if len(ring) < 3:
            raise SchemaError(f"{field}.polygon", "needs at least 3 vertices")
        return {"inclusion": inclusion, "polygon": ring}
    _exact_keys(obj, f"{field}.", {"inclusion", "center", "radius_m"}, set())
    return {
        "inclusion": inclusion,
        "center": _latlon(obj["center"], f"{field}.center"),
        "radius_m": _number(obj["radius_m"], f"{field}.radius_m", 0.1, 1e6),
    }


def _refined(value: Any, field: str) -> dict[str, Any]:
    obj = _obj(value, field)
    _exact_keys(obj, f"{field}.", {"id", "lat_deg", "lon_deg", "error_m", "confidence"}, set())
    return {
        "id": _uuid(obj["id"], f"{field}.id"),
        "lat_deg": _number(obj["lat_deg"], f"{field}.lat_deg", -90, 90),
        "lon_deg": _number(obj["lon_deg"], f"{field}.lon_deg", -180, 180),
        "error_m": _number(obj["error_m"], f"{field}.error_m", 0, 10_000),
        "confidence": _number(obj["confidence"], f"{field}.confidence", 0, 1),
    }


FLIGHT_FIELDS = {
    "schema",
    "id",
    "mission",
    "vehicle",
    "state",
    "started_utc",
    "ended_utc",
    "fence",
    "route",
    "track",
    "events",
    "hits",
}


def parse_flight(value: Any, flight_id: str) -> dict[str, Any]:
    """A flight record (the plan at take-off; the whole log after landing), checked, in its
    wire form. `flight_id` is the one in the URL, which the body must repeat."""
    obj = _obj(value, "flight")
    _schema_name(obj, FLIGHT_SCHEMA)
    _exact_keys(obj, "", FLIGHT_FIELDS, set())
    if obj["id"] != flight_id:
        raise SchemaError("id", "must be the flight id the URL names")
    if obj["state"] not in ("flying", "landed"):
        raise SchemaError("state", "must be 'flying' or 'landed'")
    ended = obj["ended_utc"]
    return {
        "schema": FLIGHT_SCHEMA,
        "id": check_flight_id(obj["id"]),
        "mission": _text(obj["mission"], "mission"),
        "vehicle": _text(obj["vehicle"], "vehicle"),
        "state": obj["state"],
        "started_utc": utc_text(parse_utc(obj["started_utc"], "started_utc")),
        "ended_utc": None if ended is None else utc_text(parse_utc(ended, "ended_utc")),
        "fence": _list(obj["fence"], "fence", 1000, _fence_shape),
        "route": _list(obj["route"], "route", MAX_FENCE_VERTICES, _latlon),
        "track": _list(obj["track"], "track", MAX_TRACK_POINTS, _track_point),
        "events": _list(obj["events"], "events", MAX_EVENTS, _event),
        "hits": _list(obj["hits"], "hits", 10_000, _refined),
    }
