"""Where the autopilot's returns head, and the rally points uploaded for them.

Home, the area file's rally points, and the rally points the planner adds (`missions.rally`). An
area's rally point outside the fence of the zones patrolled is refused by name: the autopilot
would return to it across the fence. A rally altitude the file gives (a .plan's, already in the
sense its autopilot reads it) is kept and checked against the ceiling; the others get the
planner's, per autopilot (`missions.returns.rally_alt_rel_m`).
"""

from __future__ import annotations

from shapely.geometry import Point

from geofence.areas import Area
from geofence.errors import AreaError
from geofence.fence import LocalFence, RallyPoint
from missions import rally, returns
from missions.returns import Point2
from missions.routing import Router
from missions.sorties import Sortie
from missions.spec import PatrolSpec

#: Rally points added at the router's corners sit this far inside the free space.
RALLY_CORNER_INSET_M = 2.0


def rally_outside(local: LocalFence, lat_deg: float, lon_deg: float) -> str | None:
    """How a rally point lies outside the fence, for one line; None when it is inside."""
    east_m, north_m = local.frame.geodetic2enu(lat_deg, lon_deg)
    if local.contains(east_m, north_m):
        return None
    gap_m = -local.clearance_m(east_m, north_m)
    if local.exclusion.intersects(Point(east_m, north_m)):
        return f"lies inside an exclusion, {gap_m:.1f} m from its edge"
    return f"lies {gap_m:.1f} m outside the fence"


def given_rally(area: Area, local: LocalFence) -> list[tuple[str, Point2, float | None]]:
    """The area's rally points (label, east/north, altitude above home if the file gives one),
    each inside the fence."""
    out: list[tuple[str, Point2, float | None]] = []
    for k, point in enumerate(area.rally, start=1):
        label = f"rally point {k}"
        if point.name != label:
            label += f" ({point.name})"
        lat_deg, lon_deg = point.position.lat_deg, point.position.lon_deg
        problem = rally_outside(local, lat_deg, lon_deg)
        if problem is not None:
            raise AreaError(
                f"{problem} of the zones patrolled: returns to it would cross the fence; move it"
                " inside a patrolled zone, patrol its zone too, or remove it",
                path=area.source,
                feature=label,
            )
        out.append((label, local.frame.geodetic2enu(lat_deg, lon_deg), point.alt_rel_m))
    return out


def return_targets(
    spec: PatrolSpec, area: Area, local: LocalFence, router: Router, sorties: tuple[Sortie, ...]
) -> list[returns.Target]:
    """Home, the area's rally points (each inside the fence), and the rally points added so that
    every return the autopilot may fly from any sortie's route is clear of the fence by the
    margin."""
    given = [(label, xy) for label, xy, _alt in given_rally(area, local)]
    fixed = returns.targets(local, [("home", (0.0, 0.0)), *given], spec.margin_m)
    routes = [[(0.0, 0.0), *(w.xy for w in s.waypoints)] for s in sorties]
    added = rally.add_rally_points(
        local,
        router.free,
        router.inner_corners(RALLY_CORNER_INSET_M),
        routes,
        fixed,
        margin_m=spec.margin_m,
        limit=rally.MAX_RALLY_POINTS[spec.autopilot],
    )
    return [*fixed, *added]


def uploaded_rally(
    spec: PatrolSpec, area: Area, local: LocalFence, targets: list[returns.Target]
) -> tuple[RallyPoint, ...]:
    """The rally points to upload: an altitude the area file gives is kept and checked against
    the ceiling; the others get the autopilot's meaning."""
    default_m = returns.rally_alt_rel_m(spec.autopilot, spec.alt_rel_m)
    given = {label: alt_m for label, _xy, alt_m in given_rally(area, local)}
    out = []
    for target in targets[1:]:
        alt_m = given.get(target.label)
        if alt_m is not None:
            problem = returns.rally_alt_problem(
                spec.autopilot, alt_m, spec.alt_rel_m, spec.ceiling_rel_m
            )
            if problem is not None:
                raise AreaError(problem, path=area.source, feature=target.label)
        at = local.frame.enu2geodetic(*target.xy)
        out.append(RallyPoint(at.lat_deg, at.lon_deg, default_m if alt_m is None else alt_m))
    return tuple(out)
