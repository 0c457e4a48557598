"""The project's one error tree, rooted here because every other package depends on geofence.
Every error class of geofence, missions, patrol and sim is in it (a test walks the subclasses
of `PatrolError` against this drawing). The exit code is `patrol`'s for each branch
(`patrol/ending.py`); the CLI alone turns these into messages and exit codes.

    PatrolError                    anything patrol reports to a user as one line          2
    ├── AreaError                  (geofence) an area file that cannot be used (path, feature)
    ├── FenceError                 (geofence) a fence inconsistent with the flight asked of it
    ├── SpecError                  (missions) a patrol spec key missing or wrong (path, key)
    ├── PlanningError              (missions) a valid input for which no safe route exists
    │   └── NoPathError            (missions.routing) no path inside the free space, and why
    ├── ScenarioError              (sim) a scenario file that cannot be used
    ├── SimOptionError             (sim) `patrol sim` options that do not go together
    ├── PortError                  (sim) a port the simulator cannot bind: another one runs
    ├── OptionError                (patrol) options that do not go together (option)
    ├── ResumeError                (patrol) a flight that cannot be resumed
    ├── VisionError                (patrol.vision) a detector, calibration or video as given
    ├── StationError               (patrol.station) the station's side
    │   ├── TokensError            a tokens file or token name that cannot be used
    │   ├── SchemaError            a report field that does not meet the schema (field)
    │   └── ApiError               a request the station refuses (status): its 4xx answer
    ├── RefusedError               (patrol) a start-up check: video, model, station token;   3
    │                              refused before arming (option)
    └── VehicleError               (patrol) the vehicle or the link                          3
        ├── LinkError              no vehicle at the URL, or the link dropped (url)
        ├── VehicleTimeoutError    the vehicle did not answer in time (what, timeout_s)
        ├── CommandRejectedError   the vehicle refused a command (command, result)
        ├── TransferError          an upload or download failed (kind, result)
        ├── ReadbackMismatchError  what the vehicle holds is not what was sent (kind, index)
        ├── PreflightError         a preflight check failed (check, reason)
        └── FlightAbortedError     (patrol.flight) ended early, safely: landed, not as planned  4
"""

from __future__ import annotations


class PatrolError(Exception):
    """Root of every error patrol reports to a user as one line."""


class AreaError(PatrolError):
    """An area file (GeoJSON, KML, QGC .plan) that cannot be used as it is."""

    def __init__(self, message: str, *, path: str | None = None, feature: str | None = None):
        self.path = path
        self.feature = feature
        where = ": ".join(part for part in (path, feature) if part)
        super().__init__(f"{where}: {message}" if where else message)


class FenceError(PatrolError):
    """A fence that is inconsistent with the flight asked of it."""
