"""Detectors on synthetic frames: thermal hot spots, motion after ego-motion, ONNX layouts."""

import math

import cv2
import numpy as np
import pytest

from missions.camera import Camera
from patrol.vision.detections import Scene
from patrol.vision.errors import VisionError
from patrol.vision.georef import Intrinsics
from patrol.vision.motion import MotionDetector
from patrol.vision.onnx import OnnxDetector
from patrol.vision.thermal import ThermalDetector
from sim.camera import CameraPose, SimCamera, View
from sim.targets import Target, TargetClass
from tests.vision.models import build

CAMERA = Camera()
SCENE_40M = Scene(Intrinsics.from_camera(CAMERA).gsd_m(40.0))


NADIR_40M = CameraPose(0, 0, 40, 0.0, -90)


def _thermal_frame(targets, pose=NADIR_40M, seed=3):
    return SimCamera(CAMERA, View.THERMAL, seed=seed).render(pose, targets, 0.0)


def test_thermal_finds_people_and_cars_where_they_are():
    cam = SimCamera(CAMERA, View.THERMAL, seed=3)
    pose = CameraPose(0, 0, 40, 0.0, -90)
    targets = [
        Target("p", TargetClass.PERSON, ((3.0, 4.0),)),
        Target("c", TargetClass.CAR, ((-6.0, -3.0), (-2.0, -3.0)), heat=0.6),
    ]
    found = ThermalDetector().detect(_thermal_frame(targets).image, SCENE_40M)
    assert sorted(d.label for d in found) == ["car", "person"]
    for d in found:
        t = next(t for t in targets if t.kind.value == d.label)
        e, n, _h = t.pose_at(0.0)
        u, v = cam.project(pose, e, n)
        assert math.dist(d.centre_px, (u, v)) < 3.0


def test_thermal_ignores_plain_ground_and_blobs_of_the_wrong_size():
    assert ThermalDetector().detect(_thermal_frame([]).image, SCENE_40M) == []
    image = _thermal_frame([]).image.copy()
    cv2.circle(image, (320, 256), 2, 250, -1)  # 5 px across at 3.7 cm/px: a bird, not a person
    cv2.rectangle(image, (10, 10), (400, 300), 250, -1)  # a hot roof, far too big
    assert ThermalDetector().detect(image, SCENE_40M) == []


def _textured(seed=1, size=(512, 640)):
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.normal(120, 40, (64, 80)), size[::-1], interpolation=cv2.INTER_CUBIC)
    return np.clip(base + rng.normal(0, 4, size), 0, 255).astype(np.uint8)


def test_motion_sees_what_moves_not_the_drifting_ground():
    ground = _textured()
    detector = MotionDetector()
    shift = np.float32([[1, 0, 6], [0, 1, -4]])  # the vehicle drifted: the whole view moves

    def frame(walker_xy, moved):
        img = cv2.warpAffine(ground, shift, (640, 512)) if moved else ground.copy()
        cv2.rectangle(img, walker_xy, (walker_xy[0] + 12, walker_xy[1] + 9), 250, -1)
        return img

    assert detector.detect(frame((300, 200), False), SCENE_40M) == []  # first frame: nothing
    found = detector.detect(frame((330, 200), True), SCENE_40M)  # walker moved 24 px more
    assert found
    assert all(d.label == "person" for d in found)
    assert all(280 <= d.centre_px[0] <= 350 and 190 <= d.centre_px[1] <= 215 for d in found)
    still = detector.detect(frame((330, 200), True), SCENE_40M)  # nothing moved since
    assert still == []


NAMES = ["person", "car"]


def _names(tmp_path):
    path = tmp_path / "model.names"
    path.write_text("\n".join(NAMES) + "\n")
    return path


@pytest.mark.parametrize("layout", ["v5", "v8"])
def test_onnx_decodes_both_layouts_letterboxed_back_to_the_frame(tmp_path, layout):
    size = 320
    # a 640x512 frame scales by 0.5 into 320x256, padded 32 px top and bottom
    rows = [
        [100.0, 132.0, 20.0, 10.0, 0.9, 0.05],  # person at frame (200, 200), 40x20
        [102.0, 133.0, 20.0, 10.0, 0.6, 0.05],  # the same person again: suppressed
        [250.0, 200.0, 60.0, 30.0, 0.1, 0.8],  # a car at frame (500, 336)
        [10.0, 40.0, 8.0, 8.0, 0.2, 0.1],  # below the confidence threshold
    ]
    path = build(tmp_path / "model.onnx", np.array(rows), size=size, layout=layout)
    _names(tmp_path)
    detector = OnnxDetector(path, size=size)
    found = detector.detect(np.zeros((512, 640, 3), np.uint8), SCENE_40M)
    assert [d.label for d in found] == ["person", "car"]
    person, car = found
    assert person.centre_px == pytest.approx((200.0, 200.0), abs=1e-3)
    assert (person.w_px, person.h_px) == pytest.approx((40.0, 20.0))
    assert car.centre_px == pytest.approx((500.0, 336.0), abs=1e-3)
    assert person.confidence == pytest.approx(0.9, abs=1e-6)
    only_cars = OnnxDetector(path, size=size, keep=frozenset({"car"}))
    assert [d.label for d in only_cars.detect(np.zeros((512, 640, 3), np.uint8), SCENE_40M)] == [
        "car"
    ]


def test_onnx_tiles_a_large_frame(tmp_path):
    size = 320
    path = build(
        tmp_path / "model.onnx",
        np.array([[160.0, 160.0, 12.0, 8.0, 0.9, 0.0]]),
        size=size,
        layout="v8",
    )
    _names(tmp_path)
    detector = OnnxDetector(path, size=size, tiled=True, overlap=0.0)
    found = detector.detect(np.zeros((640, 640, 3), np.uint8), SCENE_40M)
    # one detection at each tile's centre: four tiles, four people, at full resolution
    assert sorted(d.centre_px for d in found) == [
        (160.0, 160.0),
        (160.0, 480.0),
        (480.0, 160.0),
        (480.0, 480.0),
    ]
    assert all((d.w_px, d.h_px) == (12.0, 8.0) for d in found)


def test_onnx_bad_input_says_what_is_wrong(tmp_path):
    with pytest.raises(VisionError, match="no such model file"):
        OnnxDetector(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    _names(tmp_path)
    (tmp_path / "junk.names").write_text("person\n")
    with pytest.raises(VisionError, match=r"not a model onnxruntime can load \(Protobuf parsing"):
        OnnxDetector(junk)
    path = build(tmp_path / "three.onnx", np.ones((4, 7)), size=64, layout="v8")  # 3 classes
    (tmp_path / "three.names").write_text("person\ncar\n")  # but 2 names
    with pytest.raises(VisionError, match=r"output shape \[1, 7, 4\] cannot be decoded"):
        OnnxDetector(path, size=64)
    with pytest.raises(VisionError, match="no class-names file"):
        OnnxDetector(
            build(tmp_path / "nameless.onnx", np.ones((2, 6)), size=64, layout="v8"), size=64
        )


@pytest.mark.parametrize("yaw_rad", np.linspace(-3.1, 3.1, 12))
def test_thermal_finds_a_car_and_a_person_at_every_heading(yaw_rad):
    # the car sits 7 m off the camera's axis: at some headings near the frame's edge
    pose = CameraPose(-362.9, 188.1, 40.0, float(yaw_rad), -90.0)
    targets = [
        Target("car", TargetClass.CAR, ((-368.9, 184.1),), heat=0.6),
        Target("p", TargetClass.PERSON, ((-359.9, 191.1),)),
    ]
    found = ThermalDetector().detect(_thermal_frame(targets, pose, seed=0).image, SCENE_40M)
    assert sorted(d.label for d in found) == ["car", "person"]


def test_bare_ground_gives_nothing_frame_after_frame():
    for k in range(40):
        pose = CameraPose(k * 37.0, -k * 23.0, 40.0, k * 0.3, -90.0)
        assert ThermalDetector().detect(_thermal_frame([], pose, seed=k).image, SCENE_40M) == []
