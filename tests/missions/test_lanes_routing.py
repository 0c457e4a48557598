import itertools
import math

import numpy as np
import pytest
from shapely.geometry import LineString, Polygon, box

from missions.errors import PlanningError
from missions.lanes import best_angle, cut_lanes
from missions.ordering import (
    _greedy,
    _transit_cost,
    _two_opt,
    order_points,
    order_segments,
)
from missions.routing import NODE_NUDGE_M, Router


def test_lanes_across_a_rectangle():
    lanes = cut_lanes(box(0, 0, 100, 50), 0.0, 10.0)
    ys = sorted({round(float(s[0, 1]), 6) for s in lanes.segments})
    assert ys == [5.0, 15.0, 25.0, 35.0, 45.0]
    assert all(
        abs(float(s[1, 0] - s[0, 0])) == pytest.approx(100.0, abs=0.02) for s in lanes.segments
    )


def test_lanes_are_split_by_a_hole():
    free = box(0, 0, 100, 100).difference(box(40, 40, 60, 60))
    lanes = cut_lanes(free, 0.0, 10.0)
    assert len(lanes.segments) == 12  # two lanes cross the hole
    for seg in lanes.segments:
        assert free.covers(LineString(seg))


def test_angle_search_follows_the_long_side():
    long_thin = Polygon([(0, 0), (1000, 200), (990, 250), (-10, 50)])
    angle = best_angle(long_thin, 20.0, 60.0)
    expected = math.degrees(math.atan2(200, 1000))
    assert angle == pytest.approx(expected, abs=1.0)


def test_router_goes_round_a_square_obstacle():
    free = box(0, 0, 100, 100).difference(box(40, 20, 60, 80))
    router = Router(free)
    path = router.route((10.0, 50.0), (90.0, 50.0))
    length = sum(math.dist(a, b) for a, b in itertools.pairwise(path))
    shortest = 2 * math.hypot(30, 30) + 20  # round two corners of the obstacle
    assert shortest <= length <= shortest + 2 * NODE_NUDGE_M  # corners nudged off the boundary
    assert free.covers(LineString(path))


def test_router_straight_when_clear():
    router = Router(box(0, 0, 100, 100))
    assert router.route((1.0, 1.0), (99.0, 99.0)) == [(1.0, 1.0), (99.0, 99.0)]


def test_router_unreachable():
    two = box(0, 0, 10, 10).union(box(20, 0, 30, 10))
    with pytest.raises(PlanningError, match="no path inside the free space"):
        Router(two).route((5.0, 5.0), (25.0, 5.0))


def test_segment_order_is_a_boustrophedon_on_a_rectangle():
    lanes = cut_lanes(box(0, 0, 100, 100), 0.0, 20.0)
    ordered = order_segments(lanes.segments, (0.0, 0.0))
    hops = [math.dist(ordered[k][1], ordered[k + 1][0]) for k in range(len(ordered) - 1)]
    assert hops == pytest.approx([20.0] * 4, abs=0.02)


def test_points_order_two_opt_removes_crossings():
    pts = [(0.0, 100.0), (100.0, 0.0), (100.0, 100.0), (0.0, 200.0), (200.0, 100.0)]
    order = order_points(pts, (0.0, 0.0), math.dist)
    tour = [(0.0, 0.0), *(pts[k] for k in order), (0.0, 0.0)]
    length = sum(math.dist(a, b) for a, b in itertools.pairwise(tour))
    segs = [LineString([a, b]) for a, b in itertools.pairwise(tour)]
    for i, a in enumerate(segs):
        for b in segs[i + 2 :]:
            if a.coords[0] != b.coords[-1]:
                assert not a.crosses(b)
    assert length <= 2 * math.hypot(100, 100) + 400 + 1e-6
    assert sorted(order) == list(range(5))


def test_segment_order_is_no_worse_than_its_best_greedy_start():
    rng = np.random.default_rng(1)
    segs = rng.uniform(0, 1000, (60, 2, 2))
    ends = segs.reshape(-1, 2)
    best = min(
        _transit_cost(ends, _greedy(ends, first, (0.0, 0.0), math.inf), (0.0, 0.0))
        for first in range(120)
    )
    ordered = order_segments(segs, (0.0, 0.0), starts=120)
    flat = ordered.reshape(-1, 2)
    hops = sum(math.dist(flat[2 * k + 1], flat[2 * k + 2]) for k in range(59))
    total = math.dist((0, 0), flat[0]) + hops + math.dist(flat[-1], (0, 0))
    assert total <= best + 1e-6  # 2-opt may shorten it further


def test_two_opt_untangles_a_crossed_order():
    # four lanes flown 1, 3, 2, 4: two long crossings that flying 1, 2, 3, 4 avoids
    lanes = np.array([[[0, y], [100, y]] for y in (0.0, 40.0, 20.0, 60.0)])
    lanes[1] = lanes[1][::-1]
    lanes[3] = lanes[3][::-1]
    untangled = _two_opt(lanes, (0.0, -10.0))
    ys = [float(seg[0, 1]) for seg in untangled]
    assert ys == [0.0, 20.0, 40.0, 60.0]
