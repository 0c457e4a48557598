"""A plan as GeoJSON (RFC 7946) for any GIS tool: fence shapes, each sortie's route, waypoints."""

from __future__ import annotations

import json
from typing import Any

from geofence.mavlink import MavCmd
from missions.planner import Plan


def _polygon(vertices: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[*vertices, vertices[0]]]}


def plan_geojson(plan: Plan) -> dict[str, Any]:
    """The FeatureCollection for a plan (longitude, latitude order)."""
    features: list[dict[str, Any]] = []
    for poly in plan.fence.polygons:
        ring = [[v.lon_deg, v.lat_deg] for v in poly.vertices[::-1]]  # RFC 7946: exterior CCW
        role = "inclusion" if poly.inclusion else "exclusion"
        features.append(
            {"type": "Feature", "properties": {"role": role}, "geometry": _polygon(ring)}
        )
    for circle in plan.fence.circles:
        role = "inclusion" if circle.inclusion else "exclusion"
        features.append(
            {
                "type": "Feature",
                "properties": {"role": role, "radius_m": circle.radius_m},
                "geometry": {
                    "type": "Point",
                    "coordinates": [circle.center.lon_deg, circle.center.lat_deg],
                },
            }
        )
    home = plan.home
    features.append(
        {
            "type": "Feature",
            "properties": {"role": "home"},
            "geometry": {"type": "Point", "coordinates": [home.lon_deg, home.lat_deg]},
        }
    )
    for k, mission in enumerate(plan.missions, start=1):
        line = [[home.lon_deg, home.lat_deg]]
        for index, item in enumerate(mission.items):
            if item.command in (MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME):
                line.append([item.y_lon_deg, item.x_lat_deg])
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "role": "waypoint",
                            "sortie": k,
                            "item": index,
                            "alt_rel_m": item.z_alt_m,
                            "loiter_s": item.param1
                            if item.command == MavCmd.NAV_LOITER_TIME
                            else 0.0,
                        },
                        "geometry": {"type": "Point", "coordinates": line[-1]},
                    }
                )
        line.append([home.lon_deg, home.lat_deg])
        features.append(
            {
                "type": "Feature",
                "properties": {"role": "route", "sortie": k},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def plan_geojson_text(plan: Plan) -> str:
    return json.dumps(plan_geojson(plan), indent=1) + "\n"
