"""Turning `patrol fly --video … --detector …` into a detection run per vehicle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shapely import Point
from shapely.prepared import prep

from geofence.areas import Shape
from geofence.build import shape_in_frame
from geofence.frames import LocalFrame
from patrol.operation import Assignment
from patrol.vision.detections import Detector
from patrol.vision.errors import VisionError
from patrol.vision.georef import Intrinsics, Mount
from patrol.vision.motion import MotionDetector
from patrol.vision.onnx import OnnxDetector
from patrol.vision.pipeline import VisionRun
from patrol.vision.thermal import ThermalDetector

#: `--video sim`: the simulator's camera stream of vehicle k (its default port, 8800 + k);
#: `--video sim:PORT`: the same on PORT + k (`patrol sim --base-port PORT` prints it).
SIM_VIDEO = "http://127.0.0.1:{port}/video.mjpg"
SIM_VIDEO_PORT = 8800
SIM_PREFIX = "sim:"


def detector_factory(spec: str, classes: Path | None = None) -> Callable[[], Detector]:
    """What `--detector` names. The detector itself is made by the start-up probe
    (`patrol.vision.probe`: a model that cannot be loaded or run refuses the start), then again
    on the worker thread when the flight starts."""
    if spec == "thermal":
        return ThermalDetector
    if spec == "motion":
        return MotionDetector
    if spec.startswith("onnx:") and len(spec) > 5:
        model = Path(spec[5:])
        return lambda: OnnxDetector(model, classes)
    raise VisionError(f"--detector {spec!r}: use thermal, motion or onnx:PATH (a YOLO .onnx)")


def video_for(video: str, k: int) -> str:
    """What vehicle `k` of an operation reads for `--video`: the simulator's camera of vehicle
    k for `sim` or `sim:PORT`, else the video as given. Raises VisionError for a bad port."""
    port = _sim_video_port(video)
    return video if port is None else SIM_VIDEO.format(port=port + k)


def _sim_video_port(video: str) -> int | None:
    """The port of vehicle 1's simulated camera that `video` names, or None for a real one."""
    if video == "sim":
        return SIM_VIDEO_PORT
    if not video.startswith(SIM_PREFIX):
        return None
    port = video.removeprefix(SIM_PREFIX)
    if not (port.isdigit() and 1 <= int(port) <= 65535):
        raise VisionError(
            f"--video {video!r}: give sim, or sim:PORT with the port patrol sim prints for "
            "vehicle 1's camera (1 to 65535)"
        )
    return int(port)


def vision_run(
    video: str,
    k: int,
    make_detector: Callable[[], Detector],
    assignment: Assignment,
    calibration: Path | None = None,
) -> VisionRun:
    """Detection for vehicle `k` of an operation: its camera, and its mission's fence (in the
    mission's own frame, the one its poses are in) to keep hits inside the zones."""
    camera, mission = assignment.camera, assignment.mission
    frame = LocalFrame(mission.home.latlon)
    intrinsics = (
        Intrinsics.from_file(calibration) if calibration else Intrinsics.from_camera(camera)
    )
    return VisionRun(
        video_for(video, k),
        make_detector,
        intrinsics,
        Mount(gimbal_pitch_deg=camera.gimbal_pitch_deg),
        mission.fence.in_frame(frame),
        zone_of=_zone_namer(assignment.zones, frame),
    )


def _zone_namer(
    zones: tuple[Shape, ...], frame: LocalFrame
) -> Callable[[float, float], str | None]:
    """Which named zone a local point lies in (the first, where zones overlap)."""
    named = [(z.name, prep(shape_in_frame(z, frame))) for z in zones]

    def zone_of(east_m: float, north_m: float) -> str | None:
        point = Point(east_m, north_m)
        return next((name for name, shape in named if shape.covers(point)), None)

    return zone_of
