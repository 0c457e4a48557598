"""The live event stream's fan-out: every stored hit and flight goes to every open stream.

A stream that cannot keep up (its queue full) is closed rather than allowed to hold memory; its
browser reconnects with Last-Event-ID and is sent what it missed from the store.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

QUEUE_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # "hit" or "flight"
    data: dict[str, Any]
    seq: int | None = None  # a hit's store sequence: the stream's Last-Event-ID


class Hub:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event | None]] = set()

    def subscribe(self) -> asyncio.Queue[Event | None]:
        q: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_EVENTS)
        self._queues.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[Event | None]) -> None:
        self._queues.discard(q)

    def publish(self, event: Event) -> None:
        for q in list(self._queues):
            try:
                q.put_nowait(event)
            except asyncio.QueueFull:
                self._queues.discard(q)
                q.get_nowait()
                q.put_nowait(None)  # tell the stream to close

    def close_all(self) -> None:
        for q in list(self._queues):
            while not q.empty():
                q.get_nowait()
            q.put_nowait(None)
        self._queues.clear()

    def __len__(self) -> int:
        return len(self._queues)
