"""Vision benchmark: detector speed on one core, frame-to-hit latency, and scoring in the simulator
with and without GPS noise.

Speed: frames per second of each detector on the simulator's frames (thermal 640x512; colour
1280x720 for the ONNX path), with OpenCV limited to one thread. No model weights ship with
patrol, so the ONNX path runs a small stand-in convolutional network built here in the YOLOv8
layout: the figure is the path's cost (letterbox, inference, decode, NMS), not a real model's.
The baseline, measured in the same run, is a 5x5 Gaussian blur of the same frame. OpenCV's DNN
runs the same network too: the figures chose onnxruntime for the detector.

Scoring: the simulator flies the scoring patrol (`bench/scoring.py`: loiter stations beside
targets inside the zone, others just outside it and across the river) at 5x with the thermal
detector, and the hits in the flight log are matched against the truth.
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import cv2
import numpy as np
from rich.console import Console

from bench import scoring
from missions.camera import Camera
from patrol.assign import from_source
from patrol.mavsdk_vehicle import connect
from patrol.operation import Assignment, operate
from patrol.vision.detections import Image, Scene
from patrol.vision.georef import Intrinsics
from patrol.vision.motion import MotionDetector
from patrol.vision.onnx import OnnxDetector, letterbox
from patrol.vision.pipeline import VisionRun
from patrol.vision.setup import vision_run
from patrol.vision.thermal import ThermalDetector
from sim.camera import CameraPose, SimCamera, View
from sim.ports import free_tcp_port, local_ports
from sim.scenario import CameraSpec, Scenario, VehicleSpec
from sim.server import Simulation
from sim.targets import Target, TargetClass

FRAMES = 200
COLOUR = Camera(
    sensor_width_mm=6.17, sensor_height_mm=3.47, focal_length_mm=4.5,
    image_width_px=1280, image_height_px=720,
)  # fmt: skip


def _rate(run: Callable[[], object], frames: int = FRAMES) -> float:
    run()
    start = time.perf_counter()
    for _ in range(frames):
        run()
    return frames / (time.perf_counter() - start)


def _frames() -> tuple[Image, Image, Image]:
    people = [Target(f"p{k}", TargetClass.PERSON, ((-8.0 + 4 * k, 3.0 - 2 * k),)) for k in range(4)]
    car = Target("car", TargetClass.CAR, ((-5.0, -6.0), (0.0, -6.0)), heat=0.6)
    pose = CameraPose(0.0, 0.0, 40.0, 0.3, -90.0)
    thermal = SimCamera(Camera(), View.THERMAL, seed=1).render(pose, [*people, car], 0.0).image
    shifted = (
        SimCamera(Camera(), View.THERMAL, seed=1)
        .render(CameraPose(0.3, 0.2, 40.0, 0.31, -90.0), [*people, car], 1.0)
        .image
    )
    colour = SimCamera(COLOUR, View.COLOUR, seed=1).render(pose, [*people, car], 0.0).image
    return thermal, shifted, colour


def _stand_in_model(path: Path, size: int) -> Path:
    """A small conv net with a YOLOv8-layout head: [1, 3, S, S] -> [1, 6, (S/8)^2]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits, nodes, channels, name = [], [], 3, "images"
    for k, out in enumerate((16, 32, 6)):
        w = numpy_helper.from_array(
            (rng.normal(0, 0.1, (out, channels, 3, 3))).astype(np.float32), f"w{k}"
        )
        inits.append(w)
        nodes.append(
            helper.make_node("Conv", [name, f"w{k}"], [f"c{k}"], strides=[2, 2], pads=[1, 1, 1, 1])
        )
        name, channels = f"c{k}", out
        if k < 2:
            nodes.append(helper.make_node("Relu", [name], [f"r{k}"]))
            name = f"r{k}"
    cells = (size // 8) ** 2
    shape = numpy_helper.from_array(np.array([1, 6, cells], np.int64), "shape")
    inits.append(shape)
    nodes.append(helper.make_node("Reshape", [name, "shape"], ["output0"]))
    graph = helper.make_graph(
        nodes,
        "stand-in",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 6, cells])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    path.with_suffix(".names").write_text("person\ncar\n")
    return path


def _speeds() -> None:
    cv2.setNumThreads(1)
    thermal, shifted, colour = _frames()
    scene = Scene(Intrinsics.from_camera(Camera()).gsd_m(40.0))
    colour_scene = Scene(Intrinsics.from_camera(COLOUR).gsd_m(40.0))
    blur_t = _rate(lambda: cv2.GaussianBlur(thermal, (5, 5), 0))
    blur_c = _rate(lambda: cv2.GaussianBlur(colour, (5, 5), 0))
    detector = ThermalDetector()
    thermal_fps = _rate(lambda: detector.detect(thermal, scene))
    motion = MotionDetector()
    frames = [thermal, shifted]
    motion_fps = _rate(lambda: motion.detect(frames[int(time.perf_counter() * 1e6) % 2], scene))
    print("detector speed, one core (frames per second; ratio to a 5x5 blur of the frame):")
    print(f"  thermal 640x512: {thermal_fps:7.0f} fps  ({thermal_fps / blur_t:.3f} x blur; "
          "target >= 100 fps)")  # fmt: skip
    print(f"  motion  640x512: {motion_fps:7.0f} fps  ({motion_fps / blur_t:.3f} x blur)")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            model = _stand_in_model(Path(tmp) / "stand-in.onnx", 640)
        except ImportError:
            print("  onnx: the onnx package (a test extra) is needed to build the stand-in model")
            return
        net = OnnxDetector(model, size=640)
        ort_fps = _rate(lambda: net.detect(colour, colour_scene), 30)
        print(f"  onnx (onnxruntime, stand-in net) 1280x720: {ort_fps:5.1f} fps  "
              f"({ort_fps / blur_c:.4f} x blur)")  # fmt: skip
        tiled = OnnxDetector(model, size=640, tiled=True)
        tiled_fps = _rate(lambda: tiled.detect(colour, colour_scene), 10)
        print(f"  onnx sliced into 640 px tiles, 1280x720: {tiled_fps:5.1f} fps")
        _opencv_dnn(model, colour, ort_fps)


def _opencv_dnn(model: Path, colour: Image, ort_fps: float) -> None:
    """The same network through OpenCV's DNN module, letterbox and inference only."""
    net = cv2.dnn.readNetFromONNX(str(model))

    def run() -> object:
        square, _box = letterbox(colour, 640)
        net.setInput(cv2.dnn.blobFromImage(square, 1 / 255.0, (640, 640), swapRB=True))
        return net.forward()

    dnn_fps = _rate(run, 30)
    print(f"  the same net in OpenCV's DNN (letterbox + inference only): {dnn_fps:5.1f} fps "
          f"(onnxruntime's whole path is {ort_fps / dnn_fps:.2f} x that)")  # fmt: skip


@dataclass(frozen=True)
class Run:
    score: scoring.Score
    latencies_s: list[float]
    record_periods_s: list[float]  # gaps between the flight log's 10 Hz telemetry rows


async def _scored(gps_sigma_m: float, detect: bool = True) -> Run:
    plan, stations, truths = scoring.layout()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "scoring.plan"
        from missions import plan_text

        source.write_text(plan_text(scoring.mission(plan, stations)))
        port = free_tcp_port()
        ports = local_ports()
        scenario = Scenario(
            speedup=5.0,
            seed=7,
            vehicles=(VehicleSpec(gps_sigma_m=gps_sigma_m),),
            camera=CameraSpec(enabled=True, port=port),
            targets=scoring.targets(plan, truths),
        )
        sim = Simulation(scenario, ports)
        runs: list[VisionRun] = []
        (assignment,) = from_source(
            source, (f"udpin://127.0.0.1:{ports.api_remote_base}",), 1, None
        )

        def vision(k: int, a: Assignment) -> VisionRun:
            run = vision_run(f"http://127.0.0.1:{port}/video.mjpg", k, ThermalDetector, a)
            runs.append(run)
            return run

        async with anyio.create_task_group() as tg:
            await tg.start(sim.serve)
            result = await operate(
                [assignment],
                connect=connect,
                data_dir=Path(tmp),
                console=Console(quiet=True),
                terminal_fd=None,
                vision=vision if detect else None,
            )
            tg.cancel_scope.cancel()
        log = result.flights[0].log_path
        db = sqlite3.connect(log)
        times = [t for (t,) in db.execute("SELECT t_s FROM telemetry ORDER BY t_s")]
        db.close()
        periods = [b - a for a, b in itertools.pairwise(times)]
        latencies = runs[0].stats.latencies_s if runs else []
        return Run(scoring.score(plan, truths, log), latencies, periods)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _scoring() -> None:
    print("scoring in the simulator (5 targets inside the zone, 2 outside and across the river):")
    print("  GPS sigma | recall | precision | duplicates | median err | p95 err | outside | "
          "latency p50 / p99")  # fmt: skip
    periods: list[float] = []
    for sigma in (0.0, 1.5):
        run = await _scored(sigma)
        s, latencies = run.score, run.latencies_s
        periods += run.record_periods_s
        p50_ms = statistics.median(latencies) * 1000
        p99_ms = _percentile(latencies, 0.99) * 1000
        print(
            f"  {sigma:7.1f} m | {s.recall:6.0%} | {s.precision:9.0%} | {s.duplicates:10.0%} | "
            f"{s.median_error_m:8.2f} m | {s.p95_error_m:5.2f} m | {s.hits_outside:7d} | "
            f"{p50_ms:.0f} / {p99_ms:.0f} ms"
        )
    print("  targets: recall and precision >= 95 %, duplicates <= 5 %, median <= 2 m (sigma 1.5), "
          "latency p99 <= 200 ms")  # fmt: skip
    alone = (await _scored(0.0, detect=False)).record_periods_s
    print("the flight loop beside detection (period of its 10 Hz log, the same patrol without it):")
    for name, gaps in (("without detection", alone), ("with detection", periods)):
        p50_ms, p99_ms = statistics.median(gaps) * 1000, _percentile(gaps, 0.99) * 1000
        print(
            f"  {name:17s}: p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms, max {max(gaps) * 1000:.0f} ms"
        )


def main() -> None:
    _speeds()
    anyio.run(_scoring)
