"""Driving the sans-IO simulator directly: upload items, step, and read what it said."""

from __future__ import annotations

from geofence.frames import LatLon, LocalFrame
from sim.autopilot import Autopilot
from sim.mission_transfer import MissionType, WireItem
from sim.scenario import DEFAULT_HOME, Scenario
from sim.server import Simulation

PEER = (255, 190)
FRAME = LocalFrame(LatLon(DEFAULT_HOME.lat_deg, DEFAULT_HOME.lon_deg))


def item(
    seq: int,
    command: int,
    east_m: float = 0.0,
    north_m: float = 0.0,
    alt_m: float = 20.0,
    *,
    p1: float = 0.0,
    p2: float = 0.0,
    frame: int = 3,
    mission_type: int = MissionType.MISSION,
) -> WireItem:
    where = FRAME.enu2geodetic(east_m, north_m)
    x, y = (
        (round(where.lat_deg * 1e7), round(where.lon_deg * 1e7))
        if (east_m or north_m or command != 20)
        else (0, 0)
    )
    return WireItem(seq, frame, command, 0, 1, p1, p2, 0.0, float("nan"), x, y, alt_m, mission_type)


def upload(ap: Autopilot, items: list[WireItem], mission_type: int = MissionType.MISSION) -> int:
    """Upload through the protocol state machine; returns the MAV_MISSION_RESULT."""
    sends = list(ap.store.on_count(PEER, len(items), mission_type, 0.0))
    for it in items:
        sends += ap.store.on_item(PEER, it, 0.0)
    ack = [s for s in sends if s.name == "MISSION_ACK"]
    return int(ack[-1].fields["type"])


def square_fence(half_m: float) -> list[WireItem]:
    corners = [(-half_m, -half_m), (-half_m, half_m), (half_m, half_m), (half_m, -half_m)]
    return [
        item(k, 5001, e, n, 0.0, p1=4, frame=0, mission_type=MissionType.FENCE)
        for k, (e, n) in enumerate(corners)
    ]


def sim_with(**kw: object) -> Simulation:
    return Simulation(Scenario(**kw))  # type: ignore[arg-type]


def run(sim: Simulation, seconds: float, until: object = None) -> float:
    """Step up to `seconds` of sim time, stopping early when `until()` is true."""
    start = sim.sim_time_s
    while sim.sim_time_s - start < seconds:
        sim.step()
        if until is not None and until():  # type: ignore[operator]
            break
    return sim.sim_time_s - start


def texts(ap: Autopilot) -> list[str]:
    out = [t for _s, t in ap.texts]
    ap.texts.clear()
    return out
