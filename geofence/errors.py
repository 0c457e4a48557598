"""The project's error tree, rooted here because every other package depends on geofence.

    PatrolError                  anything patrol reports to a user as one line
    ├── AreaError                an area file that cannot be used (path, feature)
    ├── FenceError               a fence that is inconsistent (home outside, ceiling too low)
    ├── SpecError                (missions) a patrol spec key that is missing or wrong (path, key)
    └── PlanningError            (missions) a valid input for which no safe route exists

The CLI alone turns these into messages and exit codes.
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
