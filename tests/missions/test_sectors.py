"""Sharing a patrol between vehicles: equal sectors, own altitudes, every part flown once."""

import itertools
from dataclasses import replace

import pytest
from shapely.geometry import Polygon
from shapely.ops import unary_union

from geofence.loaders import load_area
from missions import load_spec
from missions.errors import PlanningError
from missions.planner import plan
from missions.route import LegKind, Waypoint, path_length_m
from missions.sectors import split_area, split_route
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("count", [2, 3, 5])
def test_sectors_share_the_area_equally_and_exactly(count):
    area = Polygon([(0, 0), (400, 0), (400, 100), (150, 250), (0, 100)])
    parts = split_area(area, count)
    assert len(parts) == count
    for part in parts:
        assert part.area == pytest.approx(area.area / count, rel=1e-3)
    assert unary_union(parts).symmetric_difference(area).area < 1e-3 * area.area
    for a, b in itertools.pairwise(parts):
        assert a.intersection(b).area < 1e-6


def test_a_route_splits_into_arcs_of_equal_length_that_join_up():
    route = [Waypoint(x, 0.0, LegKind.PERIMETER) for x in (0.0, 100.0, 250.0, 300.0)]
    pieces = split_route(route, 3)
    lengths = [path_length_m([w.xy for w in p]) for p in pieces]
    assert lengths == pytest.approx([100.0, 100.0, 100.0])
    for a, b in itertools.pairwise(pieces):
        assert a[-1].xy == pytest.approx(b[0].xy)


def _sample(name):
    spec = load_spec(EXAMPLES / name)
    return spec, load_area(spec.area_path)


@pytest.mark.parametrize("name", ["patrol.toml", "perimeter.toml", "hotspots.toml"])
def test_each_vehicle_flies_its_own_sector_at_its_own_altitude(name):
    spec, area = _sample(name)
    plans = [plan(spec, area, sector=k, of=2) for k in range(2)]
    assert [p.missions[0].cruise_alt_rel_m for p in plans] == [40.0, 50.0]
    assert [f"-v{k + 1}" in p.missions[0].name for k, p in enumerate(plans)] == [True, True]
    for p in plans:
        assert p.min_clearance_m >= spec.margin_m - 1e-6  # still never inside the margin
    if name == "patrol.toml":
        assert all(p.coverage_pct > 99.0 for p in plans)
        whole = plan(spec, area)
        halves = sum(p.free.area for p in plans) / 2  # both plans share the same free space
        assert halves == pytest.approx(whole.free.area)


def test_too_many_vehicles_for_the_ceiling_is_refused():
    spec, area = _sample("hotspots.toml")
    spec = replace(spec, alt_step_m=30.0)
    with pytest.raises(PlanningError, match=r"vehicle 3 of 3 would fly at 100 m.*alt_step_m"):
        plan(spec, area, sector=2, of=3)
