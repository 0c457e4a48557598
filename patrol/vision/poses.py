"""The vehicle's recent poses, to look up where it was when a frame was captured."""

from __future__ import annotations

import bisect
import math
import threading
from collections import deque

from patrol.vision.georef import Pose

KEEP = 3000  # about a minute at 50 Hz


class PoseHistory:
    """Time-stamped poses (monotonic seconds), appended by the flight loop, read by vision."""

    def __init__(self) -> None:
        self._times: deque[float] = deque(maxlen=KEEP)
        self._poses: deque[Pose] = deque(maxlen=KEEP)
        self._lock = threading.Lock()

    def add(self, time_s: float, pose: Pose) -> None:
        with self._lock:
            if self._times and time_s <= self._times[-1]:
                return
            self._times.append(time_s)
            self._poses.append(pose)

    def at(self, time_s: float, max_gap_s: float = 1.0) -> Pose | None:
        """The pose at `time_s`, interpolated; None outside what is known (or across a gap)."""
        with self._lock:
            times, poses = list(self._times), list(self._poses)
        k = bisect.bisect_left(times, time_s)
        if k == len(times):
            if times and time_s - times[-1] <= 0.2:  # a frame a little newer than telemetry
                return poses[-1]
            return None
        if times[k] == time_s:
            return poses[k]
        if k == 0 or times[k] - times[k - 1] > max_gap_s:
            return None
        f = (time_s - times[k - 1]) / (times[k] - times[k - 1])
        a, b = poses[k - 1], poses[k]
        turn = (b.yaw_deg - a.yaw_deg + 180.0) % 360.0 - 180.0
        return Pose(
            a.east_m + f * (b.east_m - a.east_m),
            a.north_m + f * (b.north_m - a.north_m),
            a.up_m + f * (b.up_m - a.up_m),
            a.roll_deg + f * (b.roll_deg - a.roll_deg),
            a.pitch_deg + f * (b.pitch_deg - a.pitch_deg),
            math.fmod(a.yaw_deg + f * turn + 360.0, 360.0),
        )
