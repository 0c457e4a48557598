"""Vision errors: a model, a calibration or a stream that cannot be used, said in one line."""

from __future__ import annotations

from geofence.errors import PatrolError


class VisionError(PatrolError):
    """A detector, calibration file or video source that cannot be used as given."""
