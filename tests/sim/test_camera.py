"""The simulated camera: targets appear where the pinhole model says, at their true size."""

import math

import cv2
import numpy as np
import pytest

from missions.camera import Camera
from sim.camera import CameraPose, SimCamera, View
from sim.targets import Target, TargetClass

ALT_M = 40.0


def _blob(image: np.ndarray, threshold: int = 150) -> tuple[float, float, int, int]:
    """Centroid (u, v) and bounding box size of the warm pixels."""
    mask = (image > threshold).astype(np.uint8)
    m = cv2.moments(mask, binaryImage=True)
    assert m["m00"] > 0, "no warm pixels"
    _x, _y, w, h = cv2.boundingRect(mask)
    return m["m10"] / m["m00"], m["m01"] / m["m00"], w, h


def test_nadir_projection_matches_the_pinhole_formula():
    cam = SimCamera(Camera())
    pose = CameraPose(0.0, 0.0, ALT_M, 0.0, -90.0)
    fx = 13.0 / 7.68 * 640
    fy = 13.0 / 6.144 * 512
    u, v = cam.project(pose, 10.0, 5.0)
    assert u == pytest.approx(320 + fx * 10.0 / ALT_M)
    assert v == pytest.approx(256 - fy * 5.0 / ALT_M)  # north is up in the image


def test_target_under_the_vehicle_appears_at_the_centre_with_its_true_size():
    cam = SimCamera(Camera(), seed=1)
    person = Target("p", TargetClass.PERSON, ((0.0, 0.0), (0.0, 10.0)))  # heading north
    frame = cam.render(CameraPose(0.0, 0.0, ALT_M, 0.0, -90.0), [person], 0.0)
    u, v, w, h = _blob(frame.image)
    assert (u, v) == pytest.approx((320, 256), abs=1.0)
    gsd_m = ALT_M * 0.012 / 13.0
    assert h == pytest.approx(0.5 / gsd_m, abs=3)  # length along the image's up axis
    assert w == pytest.approx(0.3 / gsd_m, abs=3)


@pytest.mark.parametrize(
    ("pose", "target_en"),
    [
        (CameraPose(12.0, -7.0, ALT_M, math.radians(35), -90.0), (15.0, -4.0)),
        (CameraPose(0.0, 0.0, 60.0, math.radians(-120), -90.0), (-6.0, 9.0)),
        (CameraPose(0.0, 0.0, ALT_M, 0.0, -60.0), (0.0, ALT_M / math.tan(math.radians(60)))),
    ],
)
def test_targets_appear_where_the_model_says(pose, target_en):
    cam = SimCamera(Camera(), seed=2)
    car = Target("c", TargetClass.CAR, (target_en,), heat=0.8)
    frame = cam.render(pose, [car], 3.0)
    u, v, _w, _h = _blob(frame.image, threshold=180)
    expected = cam.project(pose, *target_en)
    assert (u, v) == pytest.approx(expected, abs=1.5)
    assert frame.capture_time_s == 3.0
    assert frame.pose == pose


def test_tilted_gimbal_centre_looks_ahead():
    cam = SimCamera(Camera())
    pose = CameraPose(0.0, 0.0, ALT_M, 0.0, -45.0)
    u, v = cam.project(pose, 0.0, ALT_M)  # 45 deg down: the centre ray meets the ground 40 m on
    assert (u, v) == pytest.approx((320, 256), abs=1e-6)
    assert cam.project(pose, 0.0, 60.0)[1] < 256  # further ahead: higher in the image


def test_colour_view_and_determinism():
    wide = Camera(
        sensor_width_mm=6.17,
        sensor_height_mm=3.47,
        focal_length_mm=4.5,
        image_width_px=1280,
        image_height_px=720,
    )
    a = SimCamera(wide, View.COLOUR, seed=5).render(CameraPose(0, 0, 30, 0, -90), [], 0.0)
    b = SimCamera(wide, View.COLOUR, seed=5).render(CameraPose(0, 0, 30, 0, -90), [], 0.0)
    assert a.image.shape == (720, 1280, 3)
    assert np.array_equal(a.image, b.image)
    assert a.image[..., 1].mean() > a.image[..., 0].mean()  # grass is green


def test_moving_target_walks_its_path_and_turns_back():
    walker = Target("w", TargetClass.PERSON, ((0.0, 0.0), (0.0, 10.0)), speed_mps=2.0)
    assert walker.pose_at(2.5)[:2] == pytest.approx((0.0, 5.0))
    assert walker.pose_at(2.5)[2] == pytest.approx(0.0)  # heading north
    e, n, heading = walker.pose_at(7.5)  # 15 m travelled: 5 m back down
    assert (e, n) == pytest.approx((0.0, 5.0))
    assert heading == pytest.approx(math.pi)
