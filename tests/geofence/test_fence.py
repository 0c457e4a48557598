import pytest

from geofence import (
    Fence,
    FenceCircle,
    FenceError,
    FencePolygon,
    GeoPoint,
    LatLon,
    LocalFrame,
    MavCmd,
    RallyPoint,
    check_home_inside,
    fence_from_area,
    fence_from_items,
    fence_items,
    load_area,
    select_zones,
)
from geofence.errors import AreaError
from tests.geometries import ORIGIN


def _square(frame: LocalFrame, x0: float, y0: float, side: float) -> tuple[LatLon, ...]:
    return tuple(
        frame.enu2geodetic(e, n)
        for e, n in [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]
    )


@pytest.fixture
def frame() -> LocalFrame:
    return LocalFrame(ORIGIN)


@pytest.fixture
def fence(frame) -> Fence:
    return Fence(
        polygons=(
            FencePolygon.clockwise(_square(frame, -100, -100, 400), inclusion=True),
            FencePolygon.clockwise(_square(frame, 100, 100, 50), inclusion=False),
        ),
        circles=(FenceCircle(frame.enu2geodetic(200, -20), 20.0, inclusion=False),),
        margin_m=10.0,
    )


def test_polygons_are_kept_clockwise(frame):
    ccw = _square(frame, 0, 0, 100)  # east then north: counter-clockwise
    poly = FencePolygon.clockwise(ccw, inclusion=True)
    assert poly.vertices == ccw[::-1]
    assert FencePolygon.clockwise(poly.vertices, inclusion=True).vertices == poly.vertices


def test_containment_and_clearance(fence, frame):
    local = fence.in_frame(frame)
    assert local.contains(0, 0)
    assert not local.contains(120, 120)  # inside the exclusion
    assert not local.contains(200, -20)  # inside the circle
    assert not local.contains(-150, 0)  # outside the inclusion
    assert local.clearance_m(0, 0) == pytest.approx(100.0, abs=0.01)
    assert local.clearance_m(-150, 0) == pytest.approx(-50.0, abs=0.01)
    # 30 m from the circle's centre; its polygon is drawn just outside the true circle
    assert 9.8 <= local.clearance_m(200, 10) <= 10.0


def test_several_inclusion_areas_allow_any_one_or_with_every_inclusion_only_all(frame):
    """PX4 (and ArduPilot with FENCE_OPTIONS bit 1) allow what is inside any inclusion area;
    ArduPilot's default only what is inside all of them."""
    apart = Fence(
        polygons=(
            FencePolygon.clockwise(_square(frame, -50, -50, 100), inclusion=True),
            FencePolygon.clockwise(_square(frame, 25, -50, 100), inclusion=True),
            FencePolygon.clockwise(_square(frame, 500, 0, 100), inclusion=True),
        ),
        circles=(FenceCircle(frame.enu2geodetic(40, 0), 30.0, inclusion=True),),
    )
    any_one = apart.in_frame(frame)
    every = apart.in_frame(frame, every_inclusion=True)
    assert any_one.contains(0, 0)
    assert any_one.contains(550, 50)
    assert not every.contains(0, 0)
    assert not every.contains(550, 50)
    assert every.allowed.is_empty  # the third square lies apart from the others
    two = Fence(polygons=apart.polygons[:2], circles=apart.circles)
    overlap = two.in_frame(frame, every_inclusion=True)
    assert overlap.contains(40, 0)
    assert not overlap.contains(0, 0)


def test_line_clearance_is_negative_across_an_exclusion(fence, frame):
    local = fence.in_frame(frame)
    # the diagonal crosses the 50 m exclusion square through its middle: 25 m deep at most
    assert local.line_clearance_m([(0, 0), (250, 250)]) == pytest.approx(-25.0, abs=0.5)
    assert local.line_clearance_m([(0, 0), (0, 250)]) == pytest.approx(50.0, abs=0.01)


def test_free_space_keeps_the_margin(fence, frame):
    local = fence.in_frame(frame)
    free = local.free_space()
    for x, y in free.exterior.coords:
        assert local.clearance_m(x, y) >= 10.0 - 1e-6


def test_home_outside_fence_is_refused(fence, frame):
    local = fence.in_frame(frame)
    far = frame.enu2geodetic(-300, 0)
    with pytest.raises(FenceError, match="200 m outside the fence; the autopilot will not arm"):
        check_home_inside(local, GeoPoint(far.lat_deg, far.lon_deg))
    inside_exclusion = frame.enu2geodetic(125, 125)
    with pytest.raises(FenceError, match="inside an exclusion area"):
        check_home_inside(local, GeoPoint(inside_exclusion.lat_deg, inside_exclusion.lon_deg))


def test_fence_items_round_trip(fence, frame):
    with_return = Fence(
        fence.polygons,
        fence.circles,
        margin_m=10.0,
        breach_return=RallyPoint(ORIGIN.lat_deg, ORIGIN.lon_deg, 30.0),
    )
    items = fence_items(with_return)
    assert [i.command for i in items[:4]] == [MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION] * 4
    assert all(i.param1 == 4 for i in items[:8])
    assert items[8].command == MavCmd.NAV_FENCE_CIRCLE_EXCLUSION
    assert items[8].param1 == 20.0
    assert fence_from_items(items, margin_m=10.0) == with_return


def test_incomplete_polygon_items_are_refused(fence):
    items = fence_items(fence)
    with pytest.raises(ValueError, match="incomplete"):
        fence_from_items(items[:3])


def test_sample_fence_dissolves_zones(examples):
    area = load_area(examples / "area.geojson")
    assert area.home is not None
    frame = LocalFrame(area.home.latlon)
    fence = fence_from_area(area, area.zones, frame, ceiling_rel_m=90.0, margin_m=10.0)
    inclusions = [p for p in fence.polygons if p.inclusion]
    assert len(inclusions) == 1  # three adjacent blocks, one outline
    local = fence.in_frame(frame)
    assert local.allowed.area == pytest.approx(420_000, rel=0.05)  # about 0.42 km2
    assert len(fence.circles) == 1  # the helipad
    check_home_inside(local, area.home)


def test_unknown_zone_lists_known(examples):
    area = load_area(examples / "area.geojson")
    with pytest.raises(AreaError, match="has no zone named 'Downtown'; its zones are: 'Si Mong"):
        select_zones(area, ["Downtown"])
