"""patrol: drone patrol mission controller (planning CLI today; flight, vision, station to come)."""

__version__ = "0.1.0"
