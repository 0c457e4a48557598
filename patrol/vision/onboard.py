"""The flight loop's side of detection: poses in, hits out into the flight log.

The loop calls `tick` at its own rate; the poses are fed by a task that copies each new position
fix (with its arrival time) into the pose history that frames are matched against.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio

from geofence.frames import LatLon, LocalFrame
from geofence.words import plural
from patrol.flightlog import FlightLog
from patrol.station.records import hit_report
from patrol.station.schema import SchemaError
from patrol.vehicle import Live
from patrol.vision.georef import Pose
from patrol.vision.pipeline import VisionRun
from patrol.vision.tracker import Hit

POSE_POLL_S = 0.01


class Onboard:
    def __init__(
        self,
        run: VisionRun,
        log: FlightLog,
        frame: LocalFrame,
        say: Callable[[str], None],
    ) -> None:
        self.run, self.log, self.frame, self.say = run, log, frame, say
        self.hits = 0
        self._status = ""

    def start(self) -> None:
        self.run.start()
        self._report_status()

    async def feed_poses(self, live: Live) -> None:
        last = 0.0
        while True:
            if live.heard_s != last and live.has_position:
                last = live.heard_s
                e, n = self.frame.geodetic2enu(live.lat_deg, live.lon_deg)
                pose = Pose(e, n, live.alt_rel_m, live.roll_deg, live.pitch_deg, live.yaw_deg)
                self.run.history.add(last, pose)
            await anyio.sleep(POSE_POLL_S)

    def _report(self, hit: Hit, where: LatLon) -> bytes | None:
        """The hit's station report, or None for a log that is not a flight's (no id)."""
        if "flight_id" not in self.log.meta:
            return None
        try:
            report = hit_report(
                self.log.meta,
                hit,
                where,
                self.log.utc_at(hit.time_s),
                self.run.zone_of(hit.east_m, hit.north_m),
            )
        except SchemaError as exc:
            self.log.event("station", f"hit {hit.hit_id} cannot be reported: {exc}")
            return None
        return json.dumps(report.to_wire(), separators=(",", ":")).encode()

    def _write(self, hit: Hit, *, first: bool) -> None:
        where = self.frame.enu2geodetic(hit.east_m, hit.north_m)
        report = self._report(hit, where) if first else None
        self.log.hit(
            hit.hit_id,
            hit.time_s,
            hit.label,
            where.lat_deg,
            where.lon_deg,
            hit.error_m,
            hit.confidence,
            hit.sightings,
            hit.snapshot_jpeg,
            report,
        )

    def _report_status(self) -> None:
        if self.run.status != self._status:
            self._status = self.run.status
            self.log.event("vision", self._status)
            self.say(f"vision: {self._status}")

    def tick(self) -> None:
        """Hits confirmed since the last tick go into the log; a change of status is said."""
        while not self.run.hits.empty():
            hit = self.run.hits.get_nowait()
            self._write(hit, first=True)
            self.hits += 1
            where = self.frame.enu2geodetic(hit.east_m, hit.north_m)
            self.say(
                f"hit: {hit.label} at {where.lat_deg:.6f}, {where.lon_deg:.6f} "
                f"(+-{hit.error_m:.1f} m, confidence {hit.confidence:.2f})"
            )
        self._report_status()

    def finish(self) -> None:
        """Stop detecting; write every hit as refined by all its sightings."""
        self.run.stop()
        self.tick()
        for hit in self.run.tracker.hits():
            self._write(hit, first=False)
        s = self.run.stats
        self.log.event(
            "vision summary",
            f"{plural(s.frames, 'frame')}, {self.run.dropped_frames} dropped, "
            f"{plural(s.detections, 'detection')}, {plural(self.hits, 'hit')}, "
            f"{plural(self.run.tracker.dropped_outside, 'sighting')} outside the zones",
        )
