"""Patrol planning: specs, camera footprints, route patterns, estimates, sorties, interchange.

Pure and deterministic: no asyncio, no sockets, no vehicle.
"""

from missions.camera import Camera, Footprint
from missions.energy import VehicleModel
from missions.errors import PlanningError, SpecError
from missions.lint import LintReport, check_mission
from missions.mission import Mission
from missions.planner import Plan, plan, plan_file
from missions.qgc import Ceiling, CeilingSource, load_plan, plan_document, plan_text, read_plan
from missions.route import LegKind, Waypoint
from missions.spec import Autopilot, Direction, PatrolSpec, Pattern, load_spec

__all__ = [
    "Autopilot",
    "Camera",
    "Ceiling",
    "CeilingSource",
    "Direction",
    "Footprint",
    "LegKind",
    "LintReport",
    "Mission",
    "PatrolSpec",
    "Pattern",
    "Plan",
    "PlanningError",
    "SpecError",
    "VehicleModel",
    "Waypoint",
    "check_mission",
    "load_plan",
    "load_spec",
    "plan",
    "plan_document",
    "plan_file",
    "plan_text",
    "read_plan",
]
