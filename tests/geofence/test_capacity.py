"""The fence-store table: its figures, item and byte counts, the budget left for vertices."""

import math

import pytest

from geofence.capacity import ANY_AUTOPILOT, CAPACITY, Autopilot, fence_item_count
from geofence.fence import Fence, FenceCircle, FencePolygon, RallyPoint
from geofence.frames import LatLon
from geofence.mavlink import fence_items

PX4 = CAPACITY[Autopilot.PX4]
ARDUPILOT = CAPACITY[Autopilot.ARDUPILOT]


def _polygon(n: int, inclusion: bool = True, r_deg: float = 0.01) -> FencePolygon:
    ring = tuple(
        LatLon(
            16.5 + r_deg * math.sin(2 * math.pi * k / n),
            104.7 + r_deg * math.cos(2 * math.pi * k / n),
        )
        for k in range(n)
    )
    return FencePolygon.clockwise(ring, inclusion)


def test_the_figures_are_the_autopilots_own():
    assert (PX4.max_items, PX4.storage_bytes) == (64, None)
    assert (ARDUPILOT.max_items, ARDUPILOT.storage_bytes) == (70, 560)
    assert ARDUPILOT.max_polygon_vertices == 255
    # a spec that names no autopilot is planned to fit both
    assert (ANY_AUTOPILOT.max_items, ANY_AUTOPILOT.storage_bytes) == (64, 560)
    assert PX4.describe() == "PX4's 64"
    assert ARDUPILOT.describe() == "ArduPilot's 70 (560 bytes)"


def test_items_are_what_is_uploaded():
    fence = Fence(
        (_polygon(12), _polygon(5, inclusion=False, r_deg=0.001)),
        (FenceCircle(LatLon(16.5, 104.7), 30.0, inclusion=False),),
        breach_return=RallyPoint(16.5, 104.7, 30.0),
    )
    assert fence_item_count(fence) == len(fence_items(fence)) == 12 + 5 + 1 + 1


def test_ardupilot_counts_bytes_not_only_items():
    """70 items pass MISSION_COUNT, but 69 vertices and a return point overflow 560 bytes:
    4 header + 2 + 8 x 69 + 9 + 1 end-of-storage = 568."""
    fits = Fence((_polygon(68),), breach_return=RallyPoint(16.5, 104.7, 30.0))
    over = Fence((_polygon(69),), breach_return=RallyPoint(16.5, 104.7, 30.0))
    assert ARDUPILOT.bytes_of(fits) == 560
    assert ARDUPILOT.fits(fits)
    assert fence_item_count(over) == 70 <= ARDUPILOT.max_items
    assert not ARDUPILOT.fits(over)
    assert PX4.with_max_items(70).fits(over)  # PX4 counts items only


def test_vertex_budget_beside_circles_and_the_return_point():
    assert PX4.vertex_budget(polygons=2, circles=3, return_point=True) == 64 - 3 - 1
    # ArduPilot: (560 - 5 - 2 x 2 - 3 x 13 - 9) / 8
    assert ARDUPILOT.vertex_budget(polygons=2, circles=3, return_point=True) == 62
    assert ARDUPILOT.vertex_budget(polygons=1, circles=0, return_point=False) == 69


def test_a_polygon_over_255_vertices_never_fits_ardupilot():
    big = ARDUPILOT.with_max_items(10_000)
    assert big.storage_bytes == 80_000
    assert big.fits(Fence((_polygon(255),)))
    assert not big.fits(Fence((_polygon(256),)))


@pytest.mark.parametrize("n", [15, 127])
def test_the_pilots_own_count(n):
    """An older PX4 (127) or a memory-constrained board (15), as `[fence] max_items` says."""
    mine = PX4.with_max_items(n)
    assert mine.fits(Fence((_polygon(n),)))
    assert not mine.fits(Fence((_polygon(n + 1),)))
    with pytest.raises(ValueError, match="max_items >= 3"):
        PX4.with_max_items(2)
