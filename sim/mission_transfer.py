"""The MAVLink mission protocol, vehicle side, for the mission, fence and rally types (sans-IO).

Upload: MISSION_COUNT -> MISSION_REQUEST_INT(seq) ... MISSION_ITEM_INT(seq) ... -> MISSION_ACK.
Download: MISSION_REQUEST_LIST -> MISSION_COUNT; MISSION_REQUEST_INT(seq) -> MISSION_ITEM_INT;
the client's MISSION_ACK ends it. As PX4 does: a request is repeated every 250 ms while an item
is awaited, and the transfer is abandoned (MAV_MISSION_OPERATION_CANCELLED) after 5 s of silence;
an item out of order is answered by asking again for the expected one; a bad item ends the
upload with the MAV_MISSION_RESULT that names its fault; a second MISSION_COUNT while items are
arriving is refused. Times here are wall-clock seconds: the link runs in real time, whatever the
simulation speed-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum

RETRY_S = 0.25
TIMEOUT_S = 5.0
#: Items a store holds per mission type, before a flavour sets its own (the fence: the
#: autopilots' own figures, `geofence.capacity`).
MAX_ITEMS = {0: 2000, 1: 256, 2: 32}


class MissionType(IntEnum):
    MISSION = 0
    FENCE = 1
    RALLY = 2


class Result(IntEnum):
    """MAV_MISSION_RESULT."""

    ACCEPTED = 0
    ERROR = 1
    UNSUPPORTED_FRAME = 2
    UNSUPPORTED = 3
    NO_SPACE = 4
    INVALID = 5
    INVALID_PARAM1 = 6
    INVALID_PARAM2 = 7
    INVALID_PARAM3 = 8
    INVALID_PARAM4 = 9
    INVALID_PARAM5_X = 10
    INVALID_PARAM6_Y = 11
    INVALID_PARAM7 = 12
    INVALID_SEQUENCE = 13
    DENIED = 14
    OPERATION_CANCELLED = 15


@dataclass(frozen=True, slots=True)
class WireItem:
    """A mission item exactly as it crossed the wire (x, y as MISSION_ITEM_INT integers)."""

    seq: int
    frame: int
    command: int
    current: int
    autocontinue: int
    param1: float
    param2: float
    param3: float
    param4: float
    x: int
    y: int
    z: float
    mission_type: int

    @property
    def lat_deg(self) -> float:
        return self.x / 1e7

    @property
    def lon_deg(self) -> float:
        return self.y / 1e7


#: Commands the simulator flies or accepts in a mission, by mission type.
NAV_COMMANDS = {16, 17, 18, 19, 20, 21, 22, 31, 82, 93}
#: (each firmware refuses some of these: `sim.px4.REFUSED`, `sim.ardupilot.REFUSED`)
DO_COMMANDS = {177, 178, 179, 183, 195, 197, 205, 206, 2000, 2001, 1000, 3000}
DO_COMMANDS |= {189, 192, 202, 203, 204, 214, 530, 531, 532, 2500, 2501}
FENCE_COMMANDS = {5000, 5001, 5002, 5003, 5004}
RALLY_COMMANDS = {5100}
GLOBAL_FRAMES = {0, 3, 5, 6, 10, 11}
MISSION_FRAME = 2


def check_item(item: WireItem) -> Result:
    """Whether an item can be stored, as PX4 judges it on upload (a firmware may add its own
    check: `MissionStore.extra_check`)."""
    allowed = {0: NAV_COMMANDS | DO_COMMANDS, 1: FENCE_COMMANDS, 2: RALLY_COMMANDS}
    if item.command not in allowed.get(item.mission_type, set()):
        return Result.UNSUPPORTED
    positional = item.command in NAV_COMMANDS | FENCE_COMMANDS | RALLY_COMMANDS
    if positional and item.command not in (20, 93):
        if item.frame not in GLOBAL_FRAMES:
            return Result.UNSUPPORTED_FRAME
        if not -900_000_000 <= item.x <= 900_000_000:
            return Result.INVALID_PARAM5_X
        if not -1_800_000_000 <= item.y <= 1_800_000_000:
            return Result.INVALID_PARAM6_Y
        if not math.isfinite(item.z) and item.command not in FENCE_COMMANDS | RALLY_COMMANDS:
            return Result.INVALID_PARAM7
    elif item.frame not in GLOBAL_FRAMES | {MISSION_FRAME}:
        return Result.UNSUPPORTED_FRAME
    if item.command in (5001, 5002) and not (item.param1 >= 3):
        return Result.INVALID_PARAM1
    if item.command in (5003, 5004) and not (item.param1 > 0):
        return Result.INVALID_PARAM1
    return Result.ACCEPTED


def check_fence(items: tuple[WireItem, ...]) -> Result:
    """Polygon vertices come in runs as long as their declared count."""
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in (5001, 5002):
            count = int(item.param1)
            run = items[i : i + count]
            if len(run) < count or any(r.command != item.command for r in run):
                return Result.INVALID_PARAM1
            i += count
        else:
            i += 1
    return Result.ACCEPTED


def _nothing(limit: int) -> None:
    return None


def _accept(item: WireItem) -> Result:
    return Result.ACCEPTED


def _same(item: WireItem) -> WireItem:
    return item


def _current_mission_only(mission_type: int, seq: int, current_seq: int) -> int:
    return 1 if mission_type == MissionType.MISSION and seq == current_seq else 0


@dataclass(frozen=True, slots=True)
class Send:
    """Something the protocol wants sent to a peer: a message name and its fields."""

    name: str
    fields: dict[str, float | int | str]
    peer: tuple[int, int]


@dataclass
class _Transfer:
    upload: bool
    mission_type: int
    count: int
    peer: tuple[int, int]
    items: list[WireItem]
    next_seq: int
    last_rx_s: float
    last_tx_s: float


class MissionStore:
    """Stored items per type and the one transfer in progress."""

    def __init__(self) -> None:
        self.items: dict[int, tuple[WireItem, ...]] = dict.fromkeys(MissionType, ())
        self.current_seq = 0
        self.reject_next_upload = False
        self.corrupt_next_download = False  # a fault: the next download returns a moved item
        self.home_first = False  # ArduPilot: mission item 0 is home
        self.home_item: WireItem | None = None
        #: The firmware's own refusals, before the common ones (ArduPilot: NaN params).
        self.extra_check: Callable[[WireItem], Result] = _accept
        #: An accepted item as the firmware stores it, so as a download hands it back.
        self.stored: Callable[[WireItem], WireItem] = _same
        #: MISSION_ITEM_INT.current on download, from (mission type, seq, current seq).
        self.current_flag: Callable[[int, int, int], int] = _current_mission_only
        #: Wall time of the last accepted upload of each type (PX4 checks a new plan first).
        self.uploaded_s: dict[int, float] = {}
        self.max_items = dict(MAX_ITEMS)
        #: Called with the limit when a MISSION_COUNT is refused for want of space (ArduPilot
        #: then says "Only N items are supported").
        self.on_no_space: Callable[[int], None] = _nothing
        self._transfer: _Transfer | None = None
        self.changed: set[int] = set()

    @property
    def busy(self) -> bool:
        return self._transfer is not None

    def _ack(self, peer: tuple[int, int], mission_type: int, result: Result) -> Send:
        return Send(
            "MISSION_ACK",
            {
                "target_system": peer[0],
                "target_component": peer[1],
                "type": int(result),
                "mission_type": mission_type,
            },
            peer,
        )

    def _request(self, t: _Transfer, now_s: float) -> Send:
        t.last_tx_s = now_s
        return Send(
            "MISSION_REQUEST_INT",
            {
                "target_system": t.peer[0],
                "target_component": t.peer[1],
                "seq": t.next_seq,
                "mission_type": t.mission_type,
            },
            t.peer,
        )

    def on_count(
        self, peer: tuple[int, int], count: int, mission_type: int, now_s: float
    ) -> list[Send]:
        if mission_type not in MissionType.__members__.values():
            return [self._ack(peer, mission_type, Result.UNSUPPORTED)]
        t = self._transfer
        if t is not None and t.upload and (t.next_seq > 0 or t.peer != peer):
            return [self._ack(peer, mission_type, Result.DENIED)]
        if self.reject_next_upload:
            self.reject_next_upload = False
            return [self._ack(peer, mission_type, Result.ERROR)]
        if count > self.max_items[mission_type]:
            self.on_no_space(self.max_items[mission_type])
            return [self._ack(peer, mission_type, Result.NO_SPACE)]
        if count == 0:
            self._store(mission_type, ())
            return [self._ack(peer, mission_type, Result.ACCEPTED)]
        self._transfer = _Transfer(True, mission_type, count, peer, [], 0, now_s, now_s)
        return [self._request(self._transfer, now_s)]

    def on_item(self, peer: tuple[int, int], item: WireItem, now_s: float) -> list[Send]:
        t = self._transfer
        if t is None or not t.upload or t.peer != peer or item.mission_type != t.mission_type:
            return []
        if item.seq != t.next_seq:
            return [self._request(t, now_s)]  # out of order or duplicate: ask for the one due
        t.last_rx_s = now_s
        home = self.home_first and item.mission_type == MissionType.MISSION and item.seq == 0
        verdict = Result.ACCEPTED if home else self.extra_check(item)
        if verdict is Result.ACCEPTED:
            verdict = check_item(item)
        if verdict is not Result.ACCEPTED:
            self._transfer = None
            return [self._ack(peer, t.mission_type, verdict)]
        t.items.append(item if home else self.stored(item))
        t.next_seq += 1
        if t.next_seq < t.count:
            return [self._request(t, now_s)]
        self._transfer = None
        items = tuple(t.items)
        if t.mission_type == MissionType.FENCE and (v := check_fence(items)) is not Result.ACCEPTED:
            return [self._ack(peer, t.mission_type, v)]
        self._store(t.mission_type, items)
        self.uploaded_s[t.mission_type] = now_s
        return [self._ack(peer, t.mission_type, Result.ACCEPTED)]

    def _store(self, mission_type: int, items: tuple[WireItem, ...]) -> None:
        self.items[mission_type] = items
        self.changed.add(mission_type)
        if mission_type == MissionType.MISSION:
            self.current_seq = 0

    def on_request_list(self, peer: tuple[int, int], mission_type: int, now_s: float) -> list[Send]:
        if self._transfer is not None and self._transfer.upload:
            return [self._ack(peer, mission_type, Result.DENIED)]
        items = self.items.get(mission_type, ())
        if items:
            self._transfer = _Transfer(
                False, mission_type, len(items), peer, list(items), 0, now_s, now_s
            )
        return [
            Send(
                "MISSION_COUNT",
                {
                    "target_system": peer[0],
                    "target_component": peer[1],
                    "count": len(items),
                    "mission_type": mission_type,
                },
                peer,
            )
        ]

    def on_request(
        self, peer: tuple[int, int], seq: int, mission_type: int, now_s: float
    ) -> list[Send]:
        items = self.items.get(mission_type, ())
        if not 0 <= seq < len(items):
            return [self._ack(peer, mission_type, Result.INVALID_SEQUENCE)]
        if self._transfer is not None and not self._transfer.upload:
            self._transfer.last_rx_s = now_s
        it = items[seq]
        if (
            self.home_first
            and mission_type == MissionType.MISSION
            and seq == 0
            and self.home_item is not None
        ):
            it = self.home_item
        if self.corrupt_next_download and seq == len(items) - 1:
            self.corrupt_next_download = False
            it = replace(it, x=it.x + 1000)  # about 11 m north: what a corrupting link might do
        return [
            Send(
                "MISSION_ITEM_INT",
                {
                    "target_system": peer[0],
                    "target_component": peer[1],
                    "seq": it.seq,
                    "frame": it.frame,
                    "command": it.command,
                    "current": self.current_flag(mission_type, seq, self.current_seq),
                    "autocontinue": it.autocontinue,
                    "param1": it.param1,
                    "param2": it.param2,
                    "param3": it.param3,
                    "param4": it.param4,
                    "x": it.x,
                    "y": it.y,
                    "z": it.z,
                    "mission_type": mission_type,
                },
                peer,
            )
        ]

    def on_ack(self, peer: tuple[int, int], mission_type: int) -> None:
        t = self._transfer
        if t is not None and not t.upload and t.peer == peer and t.mission_type == mission_type:
            self._transfer = None

    def on_clear(self, peer: tuple[int, int], mission_type: int) -> list[Send]:
        if self._transfer is not None and self._transfer.upload:
            return [self._ack(peer, mission_type, Result.DENIED)]
        self._store(mission_type, ())
        return [self._ack(peer, mission_type, Result.ACCEPTED)]

    def tick(self, now_s: float) -> list[Send]:
        """Repeat an unanswered request; abandon a transfer gone silent."""
        t = self._transfer
        if t is None:
            return []
        if now_s - t.last_rx_s > TIMEOUT_S:
            self._transfer = None
            return (
                [self._ack(t.peer, t.mission_type, Result.OPERATION_CANCELLED)] if t.upload else []
            )
        if t.upload and now_s - t.last_tx_s >= RETRY_S:
            return [self._request(t, now_s)]
        return []
