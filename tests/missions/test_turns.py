"""Room to turn: a sharp turn planned at the margin is moved in by the autopilot's run-on, so the
path flown keeps the margin; over random zones the planner's routes leave the free space nowhere,
not even in the run-on past a sharp turn."""

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from missions.route import LegKind, Waypoint
from missions.routing import Router
from missions.turns import ON_STEPS, SHARP_TURN_DEG, overshoot_m, pulled_in
from tests.missions.test_properties import _SETTINGS, _plan_for, zone_with_holes

#: The free space of a 200 x 100 m field (fence less margin).
FREE = box(0.0, 0.0, 200.0, 100.0)


def _route(*points: tuple[float, float, LegKind]) -> list[Waypoint]:
    return [Waypoint(e, n, kind) for e, n, kind in points]


def test_a_lane_end_at_the_margin_moves_back_along_the_lane_and_the_next_lane_starts_in():
    # lane north to the edge, across along the edge, lane south from the edge
    route = _route(
        (20.0, 100.0, LegKind.LANE),
        (40.0, 100.0, LegKind.TRANSIT),
        (40.0, 0.0, LegKind.LANE),
        (60.0, 0.0, LegKind.TRANSIT),
    )
    out = pulled_in(route, Router(FREE), (20.0, 0.0), 8.0)
    assert [w.xy for w in out[:3]] == [(20.0, 92.0), (40.0, 92.0), (40.0, 8.0)]
    assert [w.kind for w in out] == [w.kind for w in route]
    assert out[-1] == route[-1], "the route's last point is where it ends, not a turn"


def test_a_perimeter_corner_moves_back_along_its_edge():
    route = _route(
        (200.0, 0.0, LegKind.PERIMETER),
        (200.0, 100.0, LegKind.PERIMETER),
        (0.0, 100.0, LegKind.PERIMETER),
    )
    out = pulled_in(route, Router(FREE), (0.0, 0.0), 6.0)
    assert out[0].xy == (194.0, 0.0)
    # the next corner is reached from the moved one: it moves back along that leg as flown
    e, n = out[1].xy
    assert math.isclose(math.dist((200.0, 100.0), (e, n)), 6.0)
    assert math.isclose((e - 194.0) * 100.0, (n - 0.0) * 6.0, abs_tol=1e-6)


def test_gentle_turns_loiters_and_turns_with_room_are_left_as_planned():
    route = [
        Waypoint(100.0, 60.0, LegKind.TRANSIT),  # 27 degrees: gentle
        Waypoint(190.0, 60.0, LegKind.HOTSPOT, loiter_s=30.0),  # a loiter point holds
        Waypoint(100.0, 50.0, LegKind.TRANSIT),  # a sharp turn with room to run on
        Waypoint(100.0, 10.0, LegKind.TRANSIT),
    ]
    assert pulled_in(route, Router(FREE), (10.0, 14.0), 8.0) == route


def test_a_turn_whose_moved_legs_would_leave_the_free_space_stays():
    # an L-shaped free space: cutting the corner at (10, 90) would cross the notch
    free = box(0.0, 0.0, 20.0, 100.0).union(box(0.0, 80.0, 100.0, 100.0))
    route = _route((10.0, 99.9, LegKind.LANE), (90.0, 99.9, LegKind.TRANSIT))
    out = pulled_in(route, Router(free), (10.0, 10.0), 8.0)
    assert out[0].xy == (10.0, 91.9)
    assert LineString([out[0].xy, out[1].xy]).within(free.buffer(1e-6))


def test_no_run_on_moves_nothing():
    route = _route((20.0, 100.0, LegKind.LANE), (40.0, 100.0, LegKind.TRANSIT))
    assert pulled_in(route, Router(FREE), (20.0, 0.0), 0.0) == route


@st.composite
def _routes(draw):
    """A route of 2-12 points inside FREE, and a speed."""
    n = draw(st.integers(2, 12))
    pts = draw(
        st.lists(st.tuples(st.floats(0.0, 200.0), st.floats(0.0, 100.0)), min_size=n, max_size=n)
    )
    kinds = draw(st.lists(st.sampled_from(list(LegKind)), min_size=n, max_size=n))
    return [Waypoint(e, nn, k) for (e, nn), k in zip(pts, kinds, strict=True)], draw(
        st.floats(1.0, 15.0)
    )


@given(_routes())
def test_pulling_in_never_takes_a_leg_out_of_the_free_space(drawn):
    route, speed_mps = drawn
    # an L-shaped free space with a hole: legs of a route inside it may still cross the notch
    free = box(0.0, 0.0, 200.0, 100.0).difference(box(80.0, 30.0, 120.0, 70.0))
    router = Router(free)
    before = [(0.0, 0.0), *(w.xy for w in route)]
    clear_before = [router.is_clear(a, b) for a, b in itertools.pairwise(before)]
    out = pulled_in(route, router, (0.0, 0.0), overshoot_m(speed_mps))
    after = [(0.0, 0.0), *(w.xy for w in out)]
    assert len(out) == len(route)
    assert [w.kind for w in out] == [w.kind for w in route]
    for k, (a, b) in enumerate(itertools.pairwise(after)):
        if (
            clear_before[k]
            and (k == 0 or clear_before[k - 1])
            and (k + 1 >= len(clear_before) or clear_before[k + 1])
        ):
            assert router.is_clear(a, b), (k, a, b)
    for w, v in zip(route, out, strict=True):
        assert math.dist(w.xy, v.xy) <= max(ON_STEPS) * overshoot_m(speed_mps) + 1e-9


def _sharp(a, b, c) -> bool:
    u = (b[0] - a[0], b[1] - a[1])
    v = (c[0] - b[0], c[1] - b[1])
    lu, lv = math.hypot(*u), math.hypot(*v)
    if lu == 0 or lv == 0:
        return False
    return (u[0] * v[0] + u[1] * v[1]) / (lu * lv) < math.cos(math.radians(SHARP_TURN_DEG))


@_SETTINGS
@given(area=zone_with_holes(), pattern=st.sampled_from(["sweep", "perimeter"]))
def test_the_run_on_past_every_sharp_turn_of_the_work_keeps_the_margin(tmp_path, area, pattern):
    """Inside each sortie's work (not where it departs or turns for home), every sharp turn with
    room (an incoming leg twice the run-on, and the corner it would cut inside the free space)
    has its run-on in the free space. Lane starts are held to their lane's line instead (they
    move only on along it, so the spacing the camera needs holds): where that cannot clear the
    run-on, the turn is the fence monitor's tolerance's to absorb."""
    outer, holes = area
    p = _plan_for(tmp_path, outer, holes, patrol=f'pattern = "{pattern}"')
    run_on_m = overshoot_m(p.spec.speed_mps)
    slack = p.free.buffer(0.01)
    ends = (LegKind.DEPART, LegKind.RETURN)
    missed = []
    for sortie in p.sorties:
        wps = sortie.waypoints
        for k in range(1, len(wps) - 1):
            if wps[k - 1].kind in ends or wps[k].kind in ends or wps[k + 1].kind in ends:
                continue
            if wps[k + 1].kind is LegKind.LANE:  # a lane start moves only along its lane
                continue
            a, b, c = wps[k - 1].xy, wps[k].xy, wps[k + 1].xy
            if not _sharp(a, b, c) or math.dist(a, b) < 2 * run_on_m:
                continue
            u = ((b[0] - a[0]) / math.dist(a, b), (b[1] - a[1]) / math.dist(a, b))
            beyond = (b[0] + u[0] * run_on_m, b[1] + u[1] * run_on_m)
            back = (b[0] - u[0] * run_on_m, b[1] - u[1] * run_on_m)
            room = slack.covers(LineString([back, c]))  # else there is no corner to cut
            if room and not slack.covers(LineString([b, beyond])):
                missed.append((k, b))
    assert not missed, (pattern, outer, holes)


def test_a_turn_once_moved_is_not_put_back_when_its_neighbours_move():
    """A 10 m wide strip: each lane start moves on along its lane; a later pass, seeing its
    neighbours moved, finds no move of its own, and must not put it back on the margin."""
    strip = box(0.0, 0.0, 200.0, 10.0)
    route = _route(
        (20.0, 0.0, LegKind.TRANSIT),
        (20.0, 10.0, LegKind.LANE),
        (40.0, 10.0, LegKind.TRANSIT),
        (40.0, 0.0, LegKind.LANE),
        (60.0, 0.0, LegKind.TRANSIT),
        (60.0, 10.0, LegKind.LANE),
        (80.0, 10.0, LegKind.TRANSIT),
    )
    router = Router(strip)
    out = pulled_in(route, router, (10.0, 0.0), 8.0)
    planned, flown = _run_on_depths(route, strip), _run_on_depths(out, strip)
    assert all(f <= p + 1e-9 for p, f in zip(planned, flown, strict=True)), (planned, flown)
    assert sum(flown) < sum(planned)


def _run_on_depths(route: list[Waypoint], free) -> list[float]:
    """How far past the free space each turn's 8 m run-on reaches (0 inside)."""
    out, here = [], (10.0, 0.0)
    for w, nxt in itertools.pairwise(route):
        u_e, u_n = w.east_m - here[0], w.north_m - here[1]
        d = math.hypot(u_e, u_n)
        beyond = Point(w.east_m + u_e / d * 8.0, w.north_m + u_n / d * 8.0)
        out.append(free.distance(beyond) if _sharp(here, w.xy, nxt.xy) else 0.0)
        here = w.xy
    return out


def test_a_hot_spot_flown_through_stays_where_it_is():
    route = [
        Waypoint(200.0, 50.0, LegKind.HOTSPOT),  # loiter_s 0: flown through
        Waypoint(100.0, 50.0, LegKind.TRANSIT),
    ]
    assert pulled_in(route, Router(FREE), (100.0, 40.0), 8.0) == route
