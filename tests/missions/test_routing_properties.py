"""The router's guarantees on random real-like outlines: concave blobs of hundreds to thousands of
vertices joined by necks just wider or just narrower than twice the margin, with exclusions.

- a path is found whenever both ends lie in one connected part of the free space (shapely);
- every leg lies inside the free space within `LEG_TOLERANCE_M`;
- when there is none, the reason given is true (the parts differ, the neck is where it says).
"""

import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from geofence.build import polygons_of
from geofence.fence import erode
from missions.routing import LEG_TOLERANCE_M, SNAP_M, NoPathError, Router

MARGIN_M = 5.0
#: Holds every leg within the router's tolerance (arcs polygonised outside the true offset).
WITHIN = LEG_TOLERANCE_M * 1.01


def _blob(rng: np.random.Generator, cx: float, cy: float, r: float, n: int) -> Polygon:
    """A concave outline: radii wander smoothly (bays, capes) and jitter (surveyed noise)."""
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    k = np.arange(1, 7)[:, None]
    waves = (rng.normal(0, 0.25, (6, 1)) / k * np.sin(k * t + rng.uniform(0, 6, (6, 1)))).sum(0)
    radius = r * (1 + waves) + rng.normal(0, 0.5, n)
    poly = Polygon(np.c_[cx + radius * np.cos(t), cy + radius * np.sin(t)])
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)


def _allowed(seed: int, vertices: int, neck_factor: float, holes: int) -> BaseGeometry:
    """Two concave blobs joined by a corridor `neck_factor` x twice the margin wide, less a few
    round and ragged exclusions (kept off the corridor)."""
    rng = np.random.default_rng(seed)
    left = _blob(rng, -160.0, 0.0, 110.0, vertices // 2)
    right = _blob(rng, 160.0, 0.0, 110.0, vertices - vertices // 2)
    half = neck_factor * MARGIN_M
    area = shapely.union_all([left, right, box(-120.0, -half, 120.0, half)])
    area = polygons_of(area)[int(np.argmax([p.area for p in polygons_of(area)]))]
    cuts = []
    for _ in range(holes):
        cx = rng.choice([-1.0, 1.0]) * rng.uniform(110, 210)
        cy = rng.choice([-1.0, 1.0]) * rng.uniform(30, 75)  # off the corridor
        cuts.append(_blob(rng, cx, cy, rng.uniform(6, 22), int(rng.integers(8, 60))))
    return area.difference(shapely.union_all(cuts)) if cuts else area


def _ends(free: BaseGeometry, rng: np.random.Generator, count: int) -> list[tuple[float, float]]:
    """Random points of the free space, some of them moved just outside it (a lane end)."""
    x0, y0, x1, y1 = free.bounds
    out: list[tuple[float, float]] = []
    while len(out) < count:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(free, x, y):
            out.append((float(x), float(y)))
    for k in range(0, count, 3):  # every third end: up to SNAP_M outside, on the nearest side
        p = Point(out[k])
        edge = shapely.get_coordinates(shapely.shortest_line(free.boundary, p))[0]
        d = np.asarray(edge) - np.asarray(out[k])
        if np.hypot(*d) > 0:
            out[k] = tuple(edge + d / np.hypot(*d) * rng.uniform(0.0, 0.8 * SNAP_M))  # type: ignore[assignment]
    return out


def _part(parts: list[Polygon], p: tuple[float, float]) -> int:
    return int(np.argmin([part.distance(Point(p)) for part in parts]))


def _check_path(free: BaseGeometry, a, b, path) -> None:
    slack = free.buffer(WITHIN, quad_segs=8)
    for end, given_end in ((path[0], a), (path[-1], b)):
        assert math.dist(end, given_end) <= SNAP_M + 1e-9
        if free.covers(Point(given_end)):
            assert end == given_end
    for p, q in itertools.pairwise(path):
        assert slack.covers(LineString([p, q]) if p != q else Point(p)), (p, q)


def _check_refusal(
    refusal: NoPathError, allowed: BaseGeometry, free: BaseGeometry, corridor: float | None
) -> None:
    """The reason is true: the parts are apart, and a neck named is narrower than twice the
    margin, inside the fence, outside the free space (and in the corridor when that is the
    only neck, `corridor` its width in margins)."""
    assert "cut off" in refusal.reason
    if refusal.neck_at is None:
        return
    assert refusal.neck_width_m is not None
    assert refusal.neck_width_m < 2 * MARGIN_M * 1.01
    assert allowed.covers(Point(refusal.neck_at))
    assert not free.covers(Point(refusal.neck_at))
    if corridor is not None:
        assert abs(refusal.neck_at[1]) <= corridor * MARGIN_M + 1e-6


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    vertices=st.integers(200, 3000),
    neck_factor=st.one_of(st.floats(0.9, 0.995), st.floats(1.005, 1.2)),
    holes=st.integers(0, 6),
)
def test_router_finds_a_path_exactly_when_the_free_space_joins_the_ends(
    seed: int, vertices: int, neck_factor: float, holes: int
) -> None:
    allowed = _allowed(seed, vertices, neck_factor, holes)
    free = erode(allowed, MARGIN_M)
    parts = polygons_of(free)
    router = Router(free, allowed=allowed, margin_m=MARGIN_M)
    ends = _ends(free, np.random.default_rng(seed + 1), 12)
    for a, b in itertools.pairwise(ends):
        joined = _part(parts, a) == _part(parts, b)
        refusal: NoPathError | None = None
        try:
            path = router.route(a, b)
        except NoPathError as exc:
            refusal = exc
        if refusal is not None:
            assert not joined, refusal
            _check_refusal(refusal, allowed, free, neck_factor if holes == 0 else None)
            continue
        assert joined, (a, b, path)
        _check_path(free, a, b, path)


def test_a_neck_just_narrower_than_twice_the_margin_is_named() -> None:
    allowed = _allowed(3, 800, 0.97, 0)
    free = erode(allowed, MARGIN_M)
    assert len(polygons_of(free)) == 2
    with pytest.raises(NoPathError, match="neck") as caught:
        Router(free, allowed=allowed, margin_m=MARGIN_M).route((-160.0, 0.0), (160.0, 0.0))
    assert caught.value.neck_at is not None
    assert abs(caught.value.neck_at[0]) < 120.0
    assert caught.value.neck_width_m == pytest.approx(2 * 0.97 * MARGIN_M, abs=0.1)


def test_a_neck_just_wider_than_twice_the_margin_carries_the_path() -> None:
    allowed = _allowed(3, 800, 1.01, 0)
    free = erode(allowed, MARGIN_M)
    assert len(polygons_of(free)) == 1
    path = Router(free, allowed=allowed, margin_m=MARGIN_M).route((-160.0, 0.0), (160.0, 0.0))
    _check_path(free, (-160.0, 0.0), (160.0, 0.0), path)


def test_an_end_far_outside_says_how_far() -> None:
    free = box(0, 0, 100, 100)
    with pytest.raises(NoPathError, match=r"the end lies 3\.0 m outside the free space"):
        Router(free).route((50.0, 50.0), (103.0, 50.0))


def test_an_end_just_outside_is_snapped_onto_the_free_space() -> None:
    free = box(0, 0, 100, 100).difference(box(40, 20, 60, 120))
    path = Router(free).route((10.0, 50.0), (100.4, 50.0))
    assert path[-1] == pytest.approx((100.0, 50.0))
    _check_path(free, (10.0, 50.0), (100.4, 50.0), path)
