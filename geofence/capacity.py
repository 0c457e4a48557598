"""How many fence items each autopilot stores: one table, for the planner and the vehicle link.

A fence goes to the vehicle as mission-protocol items (MAV_MISSION_TYPE_FENCE): one item per
polygon vertex, one per circle, one for the breach return point. Both autopilots refuse a
MISSION_COUNT larger than their store with MISSION_ACK MAV_MISSION_NO_SPACE, before any item is
sent. The figures, read from the autopilots' sources and checked in the SITL binaries the test suite
flies (PX4 main of 2026-03-02, ArduCopter master of 2026-03-21):

- **PX4** (v1.14 on): 64 items on every board. `src/modules/dataman/dataman.h`:
  `DM_KEY_FENCE_POINTS_MAX = 64` (two banks of 64, written alternately, and a separate state key,
  so all 64 hold vertices); `src/modules/mavlink/mavlink_mission.h`: `MAX_COUNT[] =
  {DM_KEY_WAYPOINTS_OFFBOARD_0_MAX, DM_KEY_FENCE_POINTS_MAX, DM_KEY_SAFE_POINTS_MAX}`, which the
  SITL binary carries as {10000, 64, 32}. PX4 before v1.14 kept its statistics in the first slot:
  127 items (`DM_KEY_FENCE_POINTS_MAX = 128`), and 15 on `MEMORY_CONSTRAINED_SYSTEM` boards (16).
- **ArduPilot**: the fence lives in the `StorageFence` areas of its parameter storage
  (`libraries/StorageManager/StorageManager.cpp`). Copter on boards with 16 KB or more (Pixhawk
  class, and SITL): 48 + 256 + 256 = 560 bytes; Plane and Rover 672; Copter on 8 KB boards 304.
  `AC_PolyFence_loader::max_items()` is that size / 8 (70 items for Copter), which
  `MissionItemProtocol::handle_mission_count` enforces with NO_SPACE and "Only 70 items are
  supported". Items are not all 8 bytes, though (its own FIXME): `fence_storage_space_required`
  counts a 4-byte header, 1 type byte + 1 count byte + 8 per vertex for a polygon, 1 + 12 for a
  circle and 1 + 8 for the return point, and `write_fence` refuses a fence beyond the store
  ("Fence exceeds storage size", after the items were sent). A polygon's vertex count is stored in
  one byte: 255 at most. Boards with an SD card can add storage (`BRD_SD_FENCE`).

Where the pilot knows better (an older PX4, an 8 KB board, an SD card), `[fence] max_items` in the
spec replaces the item count; for ArduPilot the byte store follows it (8 bytes an item, as
`max_items()` has it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from geofence.fence import Fence

#: ArduPilot's fence store: a 4-byte format header, then per polygon a type and a count byte and
#: 8 bytes a vertex, per circle a type byte and 12 bytes, the return point a type byte and 8, and
#: the end-of-storage byte (`AC_PolyFence_loader::fence_storage_space_required`, `write_fence`).
_AP_HEADER_BYTES = 4 + 1
_AP_POLYGON_BYTES = 2
_AP_VERTEX_BYTES = 8
_AP_CIRCLE_BYTES = 13
_AP_RETURN_POINT_BYTES = 9


class Autopilot(Enum):
    """The autopilot a mission is planned for."""

    PX4 = "px4"
    ARDUPILOT = "ardupilot"


@dataclass(frozen=True, slots=True)
class FenceCapacity:
    """What a vehicle's fence store holds: items, and for ArduPilot bytes and vertices a polygon.

    `name` says whose store it is, for messages ("PX4", "PX4 and ArduPilot").
    """

    name: str
    max_items: int
    storage_bytes: int | None = None  # ArduPilot's byte store; None: items are all that count
    max_polygon_vertices: int | None = None  # ArduPilot stores a polygon's count in one byte
    #: the stores this one fits all of (a spec that names no autopilot); empty: one autopilot's
    parts: tuple[FenceCapacity, ...] = ()

    def __post_init__(self) -> None:
        if self.max_items < 3:
            raise ValueError(f"max_items >= 3 (one triangle), got {self.max_items}")

    def items_of(self, fence: Fence) -> int:
        """Items the fence is uploaded as (polygon vertices, circles, the breach return point)."""
        return fence_item_count(fence)

    def bytes_of(self, fence: Fence) -> int:
        """Bytes the fence takes in ArduPilot's store."""
        return _ardupilot_bytes(
            [len(p.vertices) for p in fence.polygons],
            len(fence.circles),
            fence.breach_return is not None,
        )

    def fits(self, fence: Fence) -> bool:
        counts = [len(p.vertices) for p in fence.polygons]
        return self.vertex_budget(
            len(counts), len(fence.circles), fence.breach_return is not None
        ) >= sum(counts) and all(
            self.max_polygon_vertices is None or n <= self.max_polygon_vertices for n in counts
        )

    def vertex_budget(self, polygons: int, circles: int, return_point: bool) -> int:
        """The most polygon vertices, all polygons together, that fit beside the other items."""
        budget = self.max_items - circles - int(return_point)
        if self.storage_bytes is not None:
            fixed = _ardupilot_bytes([0] * polygons, circles, return_point)
            budget = min(budget, (self.storage_bytes - fixed) // _AP_VERTEX_BYTES)
        return budget

    def with_max_items(self, max_items: int) -> FenceCapacity:
        """This store with the pilot's own item count (ArduPilot: 8 bytes an item)."""
        storage = None if self.storage_bytes is None else max_items * _AP_VERTEX_BYTES
        parts = tuple(p.with_max_items(max_items) for p in self.parts)
        return replace(self, max_items=max_items, storage_bytes=storage, parts=parts)

    def describe(self) -> str:
        """`PX4's 64`, `ArduPilot's 70 (560 bytes)`, or both joined, as a message says it."""
        if self.parts:
            return " and ".join(p.describe() for p in self.parts)
        extra = f" ({self.storage_bytes:,} bytes)" if self.storage_bytes is not None else ""
        return f"{self.name}'s {self.max_items:,}{extra}"


def fence_item_count(fence: Fence) -> int:
    """Items the fence is uploaded as: polygon vertices, circles and the breach return point."""
    vertices = sum(len(p.vertices) for p in fence.polygons)
    return vertices + len(fence.circles) + int(fence.breach_return is not None)


def _ardupilot_bytes(vertex_counts: list[int], circles: int, return_point: bool) -> int:
    return (
        _AP_HEADER_BYTES
        + sum(_AP_POLYGON_BYTES + _AP_VERTEX_BYTES * n for n in vertex_counts)
        + _AP_CIRCLE_BYTES * circles
        + _AP_RETURN_POINT_BYTES * int(return_point)
    )


#: Each autopilot's fence store on the boards patrol is tested against (see the module notes).
CAPACITY: dict[Autopilot, FenceCapacity] = {
    Autopilot.PX4: FenceCapacity("PX4", 64),
    Autopilot.ARDUPILOT: FenceCapacity(
        "ArduPilot", 70, storage_bytes=560, max_polygon_vertices=255
    ),
}
#: A fence that fits every autopilot in the table: what a spec that names none is planned for.
ANY_AUTOPILOT = FenceCapacity(
    "PX4 and ArduPilot",
    min(c.max_items for c in CAPACITY.values()),
    storage_bytes=CAPACITY[Autopilot.ARDUPILOT].storage_bytes,
    max_polygon_vertices=CAPACITY[Autopilot.ARDUPILOT].max_polygon_vertices,
    parts=tuple(CAPACITY.values()),
)
