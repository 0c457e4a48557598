"""The station's OpenAPI 3 description, served at /openapi.json and fuzzed by the tests.

The JSON Schemas here say what `schema.py` checks (the same limits, patterns and required
fields), so a client generated from this document and the station agree.
"""

from __future__ import annotations

from typing import Any

from patrol import __version__
from patrol.station.schema import (
    FLIGHT_ID_PATTERN,
    FLIGHT_SCHEMA,
    HIT_SCHEMA,
    MAX_EVENTS,
    MAX_FENCE_VERTICES,
    MAX_SNAPSHOT_BYTES,
    MAX_TEXT,
    MAX_TRACK_POINTS,
    UTC_PATTERN,
    UUID_PATTERN,
)

TEXT_PATTERN = "^[^\\u0000-\\u001f\\u007f]+$"


def _text(max_length: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": TEXT_PATTERN}


def _num(low: float, high: float) -> dict[str, Any]:
    return {"type": "number", "minimum": low, "maximum": high}


def _pair(name_a: str, name_b: str) -> dict[str, Any]:
    return {
        "type": "array",
        "description": f"[{name_a}, {name_b}]",
        "prefixItems": [_num(-90, 90), _num(-180, 180)],
        "items": _num(-180, 180),
        "minItems": 2,
        "maxItems": 2,
    }


def _strict(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


HIT_SUMMARY_FIELDS: dict[str, Any] = {
    "schema": {"type": "string", "enum": [HIT_SCHEMA]},
    "id": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
    "mission": _text(),
    "flight": {"type": "string", "pattern": FLIGHT_ID_PATTERN, "maxLength": 64},
    "vehicle": _text(),
    "zone": {"oneOf": [_text(), {"type": "null"}]},
    "captured_utc": {"type": "string", "pattern": UTC_PATTERN},
    "lat_deg": _num(-90, 90),
    "lon_deg": _num(-180, 180),
    "error_m": _num(0, 10_000),
    "class": _text(64),
    "confidence": _num(0, 1),
    "sightings": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
}

HIT = _strict(
    HIT_SUMMARY_FIELDS
    | {
        "snapshot_jpeg": {
            "type": "string",
            "format": "byte",
            "description": f"base64 of a JPEG, at most {MAX_SNAPSHOT_BYTES} bytes",
            "maxLength": (MAX_SNAPSHOT_BYTES * 4) // 3 + 4,
        }
    }
)
HIT["description"] = "A confirmed target: schema v1. Unknown fields are refused."

STORED_HIT = {
    "type": "object",
    "properties": HIT_SUMMARY_FIELDS
    | {
        "seq": {"type": "integer"},
        "received_utc": {"type": "string"},
        "snapshot_url": {"type": "string"},
    },
}

_FENCE_SHAPE = {
    "oneOf": [
        _strict(
            {
                "inclusion": {"type": "boolean"},
                "polygon": {
                    "type": "array",
                    "items": _pair("lat", "lon"),
                    "minItems": 3,
                    "maxItems": MAX_FENCE_VERTICES,
                },
            }
        ),
        _strict(
            {
                "inclusion": {"type": "boolean"},
                "center": _pair("lat", "lon"),
                "radius_m": _num(0.1, 1e6),
            }
        ),
    ]
}

FLIGHT = _strict(
    {
        "schema": {"type": "string", "enum": [FLIGHT_SCHEMA]},
        "id": {"type": "string", "pattern": FLIGHT_ID_PATTERN, "maxLength": 64},
        "mission": _text(),
        "vehicle": _text(),
        "state": {"type": "string", "enum": ["flying", "landed"]},
        "started_utc": {"type": "string", "pattern": UTC_PATTERN},
        "ended_utc": {"oneOf": [{"type": "string", "pattern": UTC_PATTERN}, {"type": "null"}]},
        "fence": {"type": "array", "items": _FENCE_SHAPE, "maxItems": 1000},
        "route": {"type": "array", "items": _pair("lat", "lon"), "maxItems": MAX_FENCE_VERTICES},
        "track": {
            "type": "array",
            "description": "[t_s, lat_deg, lon_deg, alt_rel_m] points",
            "items": {
                "type": "array",
                "prefixItems": [_num(0, 1e7), _num(-90, 90), _num(-180, 180), _num(-1e4, 1e5)],
                "items": _num(-1e4, 1e5),
                "minItems": 4,
                "maxItems": 4,
            },
            "maxItems": MAX_TRACK_POINTS,
        },
        "events": {
            "type": "array",
            "description": "[t_s, kind, detail] entries",
            "items": {
                "type": "array",
                "prefixItems": [_num(0, 1e7), _text(), {"type": "string", "maxLength": 2000}],
                "minItems": 3,
                "maxItems": 3,
            },
            "maxItems": MAX_EVENTS,
        },
        "hits": {
            "type": "array",
            "description": "hits refined by all their sightings",
            "items": _strict(
                {
                    "id": {"type": "string", "pattern": UUID_PATTERN},
                    "lat_deg": _num(-90, 90),
                    "lon_deg": _num(-180, 180),
                    "error_m": _num(0, 10_000),
                    "confidence": _num(0, 1),
                }
            ),
            "maxItems": 10_000,
        },
    }
)

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "malformed: the error names the field",
        401: "no token, or an unknown one",
        403: "a token of the other role",
        404: "not found",
        409: "a hit with this id is already stored (a retry: treat as delivered if same)",
        413: "body too large",
        415: "not application/json",
    }
    return {str(c): _json(ERROR, text[c]) for c in codes}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def openapi_document() -> dict[str, Any]:
    hit_id = {
        "name": "hit_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": UUID_PATTERN},
    }
    flight_id = {
        "name": "flight_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": FLIGHT_ID_PATTERN, "maxLength": 64},
    }
    vehicle: list[dict[str, list[str]]] = [{"vehicle": []}]
    staff: list[dict[str, list[str]]] = [{"staff": []}]
    flight_summary = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "mission": {"type": "string"},
            "vehicle": {"type": "string"},
            "state": {"type": "string"},
            "started_utc": {"type": "string"},
            "ended_utc": {"type": ["string", "null"]},
            "duration_s": {"type": "number"},
            "distance_m": {"type": "number"},
            "hits": {"type": "integer"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "patrol station",
            "version": __version__,
            "description": "Target hits from patrol drones, their snapshots and flight logs.",
        },
        "components": {
            "securitySchemes": {
                "vehicle": {"type": "http", "scheme": "bearer", "description": "posts only"},
                "staff": {"type": "http", "scheme": "bearer", "description": "reads only"},
            },
            "schemas": {"Hit": HIT, "StoredHit": STORED_HIT, "Flight": FLIGHT, "Error": ERROR},
        },
        "paths": {
            "/api/v1/hits": {
                "post": {
                    "summary": "Report a hit (idempotent on its id)",
                    "security": vehicle,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": HIT}},
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "seq": {"type": "integer"},
                                },
                            },
                            "stored",
                        ),
                        **_errors(400, 401, 403, 409, 413, 415),
                    },
                },
                "get": {
                    "summary": "List hits, oldest first",
                    "security": staff,
                    "parameters": [
                        _query("since", "captured at or after (UTC)", {"type": "string"}),
                        _query("flight", "of this flight", {"type": "string"}),
                        _query("zone", "in this zone", {"type": "string"}),
                        _query("class", "of this class", {"type": "string"}),
                        _query("after", "stored after this seq", {"type": "integer"}),
                        _query("limit", "at most this many", {"type": "integer"}),
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"hits": {"type": "array", "items": STORED_HIT}},
                            },
                            "the hits",
                        ),
                        **_errors(400, 401, 403),
                    },
                },
            },
            "/api/v1/hits/{hit_id}/snapshot": {
                "get": {
                    "summary": "A hit's snapshot",
                    "security": staff,
                    "parameters": [hit_id],
                    "responses": {
                        "200": {
                            "description": "the JPEG",
                            "content": {"image/jpeg": {"schema": {"type": "string"}}},
                        },
                        **_errors(401, 403, 404),
                    },
                },
            },
            "/api/v1/flights": {
                "get": {
                    "summary": "List flights, newest first, with duration, distance and hits",
                    "security": staff,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "flights": {"type": "array", "items": flight_summary}
                                },
                            },
                            "the flights",
                        ),
                        **_errors(401, 403),
                    },
                },
            },
            "/api/v1/flights/{flight_id}": {
                "put": {
                    "summary": "Store a flight: its plan at take-off, its whole log after landing",
                    "security": vehicle,
                    "parameters": [flight_id],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": FLIGHT}},
                    },
                    "responses": {
                        "200": _json({"type": "object"}, "replaced"),
                        "201": _json({"type": "object"}, "stored"),
                        **_errors(400, 401, 403, 413, 415),
                    },
                },
                "get": {
                    "summary": "A flight's record: fence, route, track, events",
                    "security": staff,
                    "parameters": [flight_id],
                    "responses": {
                        "200": _json(FLIGHT, "the flight"),
                        **_errors(401, 403, 404),
                    },
                },
            },
            "/api/v1/whoami": {
                "get": {
                    "summary": "The token's role and holder (a controller checks it before flying)",
                    "security": vehicle + staff,
                    "responses": {
                        "200": _json(
                            _strict(
                                {
                                    "role": {"type": "string", "enum": ["vehicle", "staff"]},
                                    "name": {"type": "string"},
                                }
                            ),
                            "who the token belongs to",
                        ),
                        **_errors(401),
                    },
                },
            },
            "/api/v1/events": {
                "get": {
                    "summary": "Live stream (server-sent events): hit and flight",
                    "security": staff,
                    "responses": {
                        "200": {
                            "description": "text/event-stream",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        **_errors(400, 401, 403),
                    },
                },
            },
        },
    }
