"""Errors of the planner (the tree is drawn in geofence/errors.py)."""

from __future__ import annotations

from geofence.errors import PatrolError


class SpecError(PatrolError):
    """A patrol spec key that is missing, unknown or out of range."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None):
        self.path = path
        self.key = key
        where = ": ".join(part for part in (path, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class PlanningError(PatrolError):
    """Valid inputs for which no safe route exists (no room for lanes, nothing reachable)."""
