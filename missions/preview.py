"""An SVG preview of a plan for a person to look at: fence, exclusions, margin, route, home,
hot-spots,
with a scale bar and a north arrow. Drawn in the local frame (metres), north up."""

from __future__ import annotations

import math
from html import escape

from shapely.geometry.base import BaseGeometry

from geofence.build import polygons_of
from geofence.words import plural
from missions.planner import Plan
from missions.route import LegKind

WIDTH_PX = 1000
_STYLE = {
    LegKind.LANE: 'stroke="#1f6fd1" stroke-width="2"',
    LegKind.PERIMETER: 'stroke="#1f6fd1" stroke-width="2"',
    LegKind.TRANSIT: 'stroke="#e08a00" stroke-width="1.5" stroke-dasharray="6 4"',
    LegKind.HOTSPOT: 'stroke="#e08a00" stroke-width="1.5" stroke-dasharray="6 4"',
    LegKind.DEPART: 'stroke="#7b3fb5" stroke-width="1.5" stroke-dasharray="2 3"',
    LegKind.RETURN: 'stroke="#7b3fb5" stroke-width="1.5" stroke-dasharray="2 3"',
}


class _View:
    """Maps local east/north metres to SVG pixels (y down)."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        pad = 0.08 * max(maxx - minx, maxy - miny, 1.0)
        self.minx, self.maxy = minx - pad, maxy + pad
        self.scale = WIDTH_PX / (maxx - minx + 2 * pad)
        self.height_px = (maxy - miny + 2 * pad) * self.scale

    def pt(self, east_m: float, north_m: float) -> tuple[float, float]:
        return (east_m - self.minx) * self.scale, (self.maxy - north_m) * self.scale

    def xy(self, east_m: float, north_m: float) -> str:
        x, y = self.pt(east_m, north_m)
        return f"{x:.1f},{y:.1f}"

    def path(self, geometry: BaseGeometry) -> str:
        parts = []
        for poly in polygons_of(geometry):
            for ring in (poly.exterior, *poly.interiors):
                parts.append("M" + " L".join(self.xy(x, y) for x, y in ring.coords) + " Z")
        return " ".join(parts)


def _nice_length(max_m: float) -> float:
    """A round scale-bar length no longer than `max_m` (1, 2 or 5 times a power of ten)."""
    power = 10.0 ** math.floor(math.log10(max_m))
    return max(float(step * power) for step in (1, 2, 5) if step * power <= max_m)


def plan_svg(plan: Plan) -> str:
    """The preview as an SVG document."""
    local = plan.local_fence
    view = _View(local.inclusion.union(local.allowed).bounds)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}" '
        f'height="{view.height_px + 60:.0f}" font-family="sans-serif" font-size="13">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        '<defs><clipPath id="view"><rect x="0" y="0" width="100%" '
        f'height="{view.height_px:.0f}"/></clipPath></defs>',
        '<g clip-path="url(#view)">',
        f'<path d="{view.path(local.inclusion)}" fill="#e7f4e4" stroke="#2f8f2f" stroke-width="2"'
        ' fill-rule="evenodd"/>',
        f'<path d="{view.path(local.exclusion)}" fill="#f3c6c6" fill-opacity="0.8" '
        'stroke="#c0392b" stroke-width="1.5" fill-rule="evenodd"/>',
        f'<path d="{view.path(plan.free)}" fill="none" stroke="#888" stroke-width="1" '
        'stroke-dasharray="3 3" fill-rule="evenodd"/>',
    ]
    for sortie in plan.sorties:
        here = (0.0, 0.0)
        for wp in sortie.waypoints:
            (x1, y1), (x2, y2) = view.pt(*here), view.pt(*wp.xy)
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {_STYLE[wp.kind]}/>'
            )
            here = wp.xy
    for spot in plan.area.hotspots:
        x, y = view.pt(*plan.frame.geodetic2enu(spot.position.lat_deg, spot.position.lon_deg))
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#e08a00" stroke="#000"/>'
            f'<text x="{x + 9:.1f}" y="{y + 4:.1f}">{escape(spot.name)}</text>'
        )
    for rally in plan.rally:  # the area's and those added to keep every return clear
        x, y = view.pt(*rally.xy)
        out.append(
            f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#2f8f2f" '
            f'stroke="#000"/><text x="{x + 9:.1f}" y="{y + 4:.1f}">R {escape(rally.label)}'
            "</text>"
        )
    hx, hy = view.pt(0.0, 0.0)
    out.append(
        f'<path d="M{hx:.1f},{hy - 10:.1f} L{hx + 9:.1f},{hy + 7:.1f} L{hx - 9:.1f},'
        f'{hy + 7:.1f} Z" fill="#000"/><text x="{hx + 12:.1f}" y="{hy + 5:.1f}" '
        'font-weight="bold">home</text>'
    )
    out.append("</g>")
    out += _furniture(plan, view)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _furniture(plan: Plan, view: _View) -> list[str]:
    """Scale bar, north arrow and a one-line summary under the map."""
    bar_m = _nice_length(WIDTH_PX * 0.25 / view.scale)
    bar_px = bar_m * view.scale
    y = view.height_px - 20
    label = f"{bar_m:g} m" if bar_m < 1000 else f"{bar_m / 1000:g} km"
    s = plan.summary()
    cov = "" if s["coverage_pct"] is None else f", coverage {s['coverage_pct']} %"
    text = (
        f"{escape(plan.spec.name)}: {s['pattern']}, {plural(plan.waypoint_count, 'waypoint')}, "
        f"{plan.length_m / 1000:.2f} km, {plan.duration_s / 60:.1f} min, "
        f"{plural(len(plan.sorties), 'sortie')}{cov}, min clearance {s['min_clearance_m']} m"
    )
    return [
        f'<rect x="20" y="{y - 6:.1f}" width="{bar_px:.1f}" height="6" fill="#000"/>',
        f'<text x="20" y="{y - 12:.1f}">{label}</text>',
        f'<path d="M{WIDTH_PX - 30},20 L{WIDTH_PX - 22},42 L{WIDTH_PX - 38},42 Z" fill="#000"/>',
        f'<text x="{WIDTH_PX - 35}" y="58" font-weight="bold">N</text>',
        f'<text x="20" y="{view.height_px + 35:.0f}">{text}</text>',
    ]
