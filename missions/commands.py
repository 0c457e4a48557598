"""The MAV_CMDs patrol flies from a .plan, what each makes the vehicle do, and why others are not.

A mission is checked against its fence by the path each item implies (`missions.paths`), so an
item patrol cannot place is refused by name rather than waved through. Accepted:

- positional items, each checked: waypoint (16), spline waypoint (82), the loiters (17 unlimited,
  18 turns, 19 time, 31 to altitude: a circle around the point), take-off (22), land (21),
  return to launch (20, the autopilot's straight return), DO_REPOSITION (192, flown to like a
  waypoint) and the DO_LAND_START marker (189, whose position must lie inside the fence);
- settings that move nothing: speed (178, which patrol's planner writes) and the camera and
  gimbal commands QGroundControl's camera section and survey write (202-206, 214, 530-532, 1000,
  2000, 2001, 2500, 2501).

Everything else is refused with its number and name: DO_JUMP and DO_SET_HOME with the reason
below, and any other (a region of interest, a servo, a VTOL transition, a condition) because
patrol cannot say where it leaves the vehicle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, unique

from missions.spec import Autopilot


@unique
class Kind(Enum):
    """What an accepted command makes the vehicle do."""

    WAYPOINT = "fly to the point"
    SPLINE = "fly to the point along a curve"
    LOITER = "fly to the point and hold or circle there"
    TAKEOFF = "climb, then fly to the point"
    LAND = "fly to the point and land"
    RETURN = "return to the nearest of home and the rally points"
    REPOSITION = "fly to the point as a guided reposition"
    LAND_START = "mark where a landing sequence starts"
    SETTING = "change a setting; the vehicle goes on"


#: Kinds whose item carries a position (params 5-7: latitude, longitude, altitude).
POSITIONAL = frozenset(
    {
        Kind.WAYPOINT,
        Kind.SPLINE,
        Kind.LOITER,
        Kind.TAKEOFF,
        Kind.LAND,
        Kind.REPOSITION,
        Kind.LAND_START,
    }
)
#: Kinds whose altitude is one the vehicle flies at (a landing's is the ground; a marker's is
#: only used to choose a landing sequence).
FLOWN = frozenset({Kind.WAYPOINT, Kind.SPLINE, Kind.LOITER, Kind.TAKEOFF, Kind.REPOSITION})


@dataclass(frozen=True, slots=True)
class Command:
    """One accepted MAV_CMD."""

    number: int
    name: str
    kind: Kind
    radius_param: int | None = None  # loiters: the param (1-based) holding the radius, metres

    @property
    def has_position(self) -> bool:
        return self.kind in POSITIONAL

    @property
    def flies_at_altitude(self) -> bool:
        return self.kind in FLOWN

    @property
    def label(self) -> str:
        return f"MAV_CMD {self.number} ({self.name})"


_ACCEPTED = (
    Command(16, "NAV_WAYPOINT", Kind.WAYPOINT),
    Command(17, "NAV_LOITER_UNLIM", Kind.LOITER, radius_param=3),
    Command(18, "NAV_LOITER_TURNS", Kind.LOITER, radius_param=3),
    Command(19, "NAV_LOITER_TIME", Kind.LOITER, radius_param=3),
    Command(20, "NAV_RETURN_TO_LAUNCH", Kind.RETURN),
    Command(21, "NAV_LAND", Kind.LAND),
    Command(22, "NAV_TAKEOFF", Kind.TAKEOFF),
    Command(31, "NAV_LOITER_TO_ALT", Kind.LOITER, radius_param=2),
    Command(82, "NAV_SPLINE_WAYPOINT", Kind.SPLINE),
    Command(178, "DO_CHANGE_SPEED", Kind.SETTING),
    Command(189, "DO_LAND_START", Kind.LAND_START),
    Command(192, "DO_REPOSITION", Kind.REPOSITION),
    Command(202, "DO_DIGICAM_CONFIGURE", Kind.SETTING),
    Command(203, "DO_DIGICAM_CONTROL", Kind.SETTING),
    Command(204, "DO_MOUNT_CONFIGURE", Kind.SETTING),
    Command(205, "DO_MOUNT_CONTROL", Kind.SETTING),
    Command(206, "DO_SET_CAM_TRIGG_DIST", Kind.SETTING),
    Command(214, "DO_SET_CAM_TRIGG_INTERVAL", Kind.SETTING),
    Command(530, "SET_CAMERA_MODE", Kind.SETTING),
    Command(531, "SET_CAMERA_ZOOM", Kind.SETTING),
    Command(532, "SET_CAMERA_FOCUS", Kind.SETTING),
    Command(1000, "DO_GIMBAL_MANAGER_PITCHYAW", Kind.SETTING),
    Command(2000, "IMAGE_START_CAPTURE", Kind.SETTING),
    Command(2001, "IMAGE_STOP_CAPTURE", Kind.SETTING),
    Command(2500, "VIDEO_START_CAPTURE", Kind.SETTING),
    Command(2501, "VIDEO_STOP_CAPTURE", Kind.SETTING),
)
ACCEPTED: dict[int, Command] = {c.number: c for c in _ACCEPTED}

#: Refused for a reason beyond "patrol cannot place it": said in the refusal.
_REASONS = {
    177: "it repeats part of the mission, which patrol's resume, progress monitor and flight "
    "log (items counted in order) do not follow; copy the repeated items out in QGroundControl",
    179: "it moves home in flight, and every altitude relative to home, the ceiling and every "
    "return would move with it; remove it (home is where the vehicle arms)",
}

#: Names of other commands a .plan may hold, for the refusal (common.xml).
_NAMES = {
    23: "NAV_LAND_LOCAL",
    24: "NAV_TAKEOFF_LOCAL",
    25: "NAV_FOLLOW",
    30: "NAV_CONTINUE_AND_CHANGE_ALT",
    32: "DO_FOLLOW",
    33: "DO_FOLLOW_REPOSITION",
    34: "DO_ORBIT",
    35: "DO_FIGURE_EIGHT",
    36: "NAV_ARC_WAYPOINT",
    80: "NAV_ROI",
    81: "NAV_PATHPLANNING",
    84: "NAV_VTOL_TAKEOFF",
    85: "NAV_VTOL_LAND",
    92: "NAV_GUIDED_ENABLE",
    93: "NAV_DELAY",
    94: "NAV_PAYLOAD_PLACE",
    112: "CONDITION_DELAY",
    113: "CONDITION_CHANGE_ALT",
    114: "CONDITION_DISTANCE",
    115: "CONDITION_YAW",
    176: "DO_SET_MODE",
    177: "DO_JUMP",
    179: "DO_SET_HOME",
    180: "DO_SET_PARAMETER",
    181: "DO_SET_RELAY",
    182: "DO_REPEAT_RELAY",
    183: "DO_SET_SERVO",
    184: "DO_REPEAT_SERVO",
    185: "DO_FLIGHTTERMINATION",
    186: "DO_CHANGE_ALTITUDE",
    187: "DO_SET_ACTUATOR",
    188: "DO_RETURN_PATH_START",
    190: "DO_RALLY_LAND",
    191: "DO_GO_AROUND",
    193: "DO_PAUSE_CONTINUE",
    194: "DO_SET_REVERSE",
    195: "DO_SET_ROI_LOCATION",
    196: "DO_SET_ROI_WPNEXT_OFFSET",
    197: "DO_SET_ROI_NONE",
    198: "DO_SET_ROI_SYSID",
    200: "DO_CONTROL_VIDEO",
    201: "DO_SET_ROI",
    207: "DO_FENCE_ENABLE",
    208: "DO_PARACHUTE",
    211: "DO_GRIPPER",
    213: "NAV_SET_YAW_SPEED",
    220: "DO_MOUNT_CONTROL_QUAT",
    222: "DO_GUIDED_LIMITS",
    223: "DO_ENGINE_CONTROL",
    224: "DO_SET_MISSION_CURRENT",
    300: "MISSION_START",
    400: "COMPONENT_ARM_DISARM",
    1001: "DO_GIMBAL_MANAGER_CONFIGURE",
    2003: "DO_TRIGGER_CONTROL",
    3000: "DO_VTOL_TRANSITION",
    5000: "NAV_FENCE_RETURN_POINT",
    5001: "NAV_FENCE_POLYGON_VERTEX_INCLUSION",
    5002: "NAV_FENCE_POLYGON_VERTEX_EXCLUSION",
    5003: "NAV_FENCE_CIRCLE_INCLUSION",
    5004: "NAV_FENCE_CIRCLE_EXCLUSION",
    5100: "NAV_RALLY_POINT",
}


#: Commands each autopilot refuses in a mission upload (it answers MAV_MISSION_UNSUPPORTED): what
#: the real ArduCopter and PX4 SITL answered, and the simulator is held to the same
#: (tests/sim/test_real_agree.py). Preflight refuses them by name before sending anything.
REFUSED_BY: dict[Autopilot, frozenset[int]] = {
    Autopilot.PX4: frozenset({82, 192, 202, 531}),
    Autopilot.ARDUPILOT: frozenset({192, 204, 214, 530}),
}


def refused_by(autopilot: Autopilot, commands: Sequence[int]) -> str | None:
    """Which of a mission's items (1-based) `autopilot` would refuse, for one line, or None."""
    refused = [(k, c) for k, c in enumerate(commands, start=1) if c in REFUSED_BY[autopilot]]
    if not refused:
        return None
    who = "ArduPilot" if autopilot is Autopilot.ARDUPILOT else "PX4"
    listed = ", ".join(f"item {k} {command_label(c)}" for k, c in refused)
    return (
        f"{who} does not take {listed} in a mission (it refuses the upload); remove "
        + ("it" if len(refused) == 1 else "them")
        + " in QGroundControl or fly the plan on an autopilot that does"
    )


def command_label(number: int) -> str:
    """`MAV_CMD 201 (DO_SET_ROI)`, as a message names a command."""
    known = ACCEPTED.get(number)
    if known is not None:
        return known.label
    name = _NAMES.get(number)
    return f"MAV_CMD {number} ({name})" if name else f"MAV_CMD {number}"


def refusal(number: int) -> str:
    """Why a command patrol does not accept is refused, and what to do, for one line."""
    reason = _REASONS.get(number)
    if reason is not None:
        return f"{command_label(number)} is refused: {reason}"
    return f"{command_label(number)} is not a command patrol can check; remove it in QGroundControl"


def flies_at_altitude(number: int) -> bool:
    """Whether an accepted command's altitude is one the vehicle flies at (False otherwise)."""
    command = ACCEPTED.get(number)
    return command is not None and command.flies_at_altitude


def is_positional(number: int) -> bool:
    """Whether an accepted command carries a position (False for anything else)."""
    command = ACCEPTED.get(number)
    return command is not None and command.has_position


@dataclass(frozen=True, slots=True)
class LoiterRadius:
    """The radius a loiter is checked with, and where it comes from."""

    radius_m: float
    why: str


def loiter_radius(command: Command, given_m: float | None, autopilot: Autopilot) -> LoiterRadius:
    """The circle checked for a loiter: |the given radius| (negative only turns the other way),
    or, for 0 or unset, what the autopilot does on a multicopter.

    A given radius is checked as it is, even where a multicopter holds at the point (PX4, and
    ArduCopter's loiters other than turns), which only errs on the safe side. For 0: ArduCopter
    flies LOITER_TURNS around CIRCLE_RADIUS (10 m by default) and holds at the point for the other
    loiters; PX4 holds a multicopter at the point (its NAV_LOITER_RAD is for fixed-wing).
    """
    if given_m is not None and given_m != 0.0:
        return LoiterRadius(abs(given_m), f"its radius param{command.radius_param}")
    if autopilot is Autopilot.ARDUPILOT and command.number == 18:
        return LoiterRadius(10.0, "ArduCopter's default CIRCLE_RADIUS, as the radius is 0")
    who = "ArduCopter" if autopilot is Autopilot.ARDUPILOT else "PX4"
    return LoiterRadius(0.0, f"{who} holds a multicopter at the point, as the radius is 0")
