"""What a refused upload says: one line, with the counts and the store, never an object's repr.

A refused MISSION_COUNT (MISSION_ACK MAV_MISSION_NO_SPACE, which MAVSDK calls
TOO_MANY_MISSION_ITEMS) names how many items were sent and what the autopilot holds
(`geofence.capacity`); what the autopilot said meanwhile (ArduPilot: "Only 70 items are
supported", "Fence exceeds storage size") is quoted, each text made one line and bounded by
`patrol.errors.one_line`.
"""

from __future__ import annotations

from collections.abc import Sequence

from geofence.capacity import FenceCapacity
from patrol.errors import one_line
from patrol.vehicle import ItemKind


def refusal(
    kind: ItemKind,
    count: int,
    *,
    no_space: bool,
    result: str,
    said: Sequence[str],
    store: FenceCapacity,
) -> str:
    """Why an upload of `count` `kind` items failed, and what to do, as one line."""
    quoted = "; ".join(one_line(s, 80) for s in said[-2:])
    heard = f"; it said: {quoted}" if quoted else ""
    if no_space:
        what = f"the vehicle cannot hold {count:,} {kind.value} items (MAV_MISSION_NO_SPACE{heard})"
        if kind is ItemKind.FENCE:
            room = f"{store.max_items:,} fence items"
            if store.storage_bytes is not None:
                room += f" in {store.storage_bytes:,} bytes"
            return one_line(
                f"{what}; {store.name} holds {room}: plan the patrol again for it (patrol plan "
                "fits the fence to [patrol] autopilot) or simplify the outline; nothing was armed"
            )
        return one_line(f"{what}; nothing was armed: plan fewer (a shorter sortie)")
    return one_line(f"{result}{heard}")
