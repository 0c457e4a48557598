"""Geo-referencing against hand-worked cases and the simulator's own camera projection."""

import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missions.camera import Camera
from patrol.vision.errors import VisionError
from patrol.vision.georef import Intrinsics, Mount, Pose, Uncertainty, ground_point
from sim.camera import CameraPose, SimCamera

CAMERA = Camera()
K = Intrinsics.from_camera(CAMERA)
CENTRE = (CAMERA.image_width_px / 2, CAMERA.image_height_px / 2)
SURE = Uncertainty(0.0, 0.0, 0.0)


NADIR = Mount()


def _at(u, v, pose, mount=NADIR):
    p = ground_point(u, v, pose, K, mount, SURE)
    assert p is not None
    return p.east_m, p.north_m


def test_nadir_centre_is_straight_below():
    assert _at(*CENTRE, Pose(12.0, -7.0, 40.0)) == pytest.approx((12.0, -7.0), abs=1e-9)


def test_nadir_offset_pixel_scales_with_altitude():
    fx = K.k[0, 0]
    # 100 px right of centre, heading north: east by 100 * altitude / fx
    e, n = _at(CENTRE[0] + 100, CENTRE[1], Pose(0.0, 0.0, 40.0))
    assert (e, n) == pytest.approx((100 * 40.0 / fx, 0.0), abs=1e-9)
    # the image's top is the heading: 100 px up, heading east, is 100 px east of below
    e, n = _at(CENTRE[0], CENTRE[1] - 100, Pose(0.0, 0.0, 40.0, yaw_deg=90.0))
    assert (e, n) == pytest.approx((100 * 40.0 / K.k[1, 1], 0.0), abs=1e-9)


def test_tilted_gimbal_looks_ahead():
    # pitched 45 deg down, heading north: the centre is as far ahead as the vehicle is high
    e, n = _at(*CENTRE, Pose(0.0, 0.0, 40.0), Mount(gimbal_pitch_deg=-45.0))
    assert (e, n) == pytest.approx((0.0, 40.0), abs=1e-9)
    e, n = _at(*CENTRE, Pose(0.0, 0.0, 40.0, yaw_deg=90.0), Mount(gimbal_pitch_deg=-30.0))
    assert (e, n) == pytest.approx((40.0 / math.tan(math.radians(30.0)), 0.0), abs=1e-9)


def test_roll_and_pitch_move_a_fixed_camera_but_not_a_stabilised_one():
    fixed = Mount(stabilised=False)
    tan10 = math.tan(math.radians(10.0))
    # right wing down: the belly, and a fixed nadir camera, face left (west, heading north)
    assert _at(*CENTRE, Pose(0, 0, 40.0, roll_deg=10.0), fixed) == pytest.approx(
        (-40.0 * tan10, 0.0), abs=1e-9
    )
    # nose up: the belly turns to face forward, and the camera looks ahead
    assert _at(*CENTRE, Pose(0, 0, 40.0, pitch_deg=10.0), fixed) == pytest.approx(
        (0.0, 40.0 * tan10), abs=1e-9
    )
    assert _at(*CENTRE, Pose(0, 0, 40.0, roll_deg=10.0, pitch_deg=10.0)) == pytest.approx(
        (0.0, 0.0), abs=1e-9
    )


def test_a_ray_at_or_above_the_horizon_meets_no_ground():
    pose = Pose(0, 0, 40.0, pitch_deg=80.0)
    assert ground_point(*CENTRE, pose, K, Mount(-5.0, stabilised=False), SURE) is None


def test_the_error_estimate_grows_with_slant_range():
    u = Uncertainty(1.5, 1.0, 1.0)
    below = ground_point(*CENTRE, Pose(0, 0, 40.0), K, Mount(), u)
    ahead = ground_point(*CENTRE, Pose(0, 0, 40.0), K, Mount(gimbal_pitch_deg=-30.0), u)
    assert below is not None
    assert ahead is not None
    assert below.error_m == pytest.approx(math.hypot(1.5, 40.0 * math.radians(1.0)), rel=1e-6)
    assert ahead.error_m > below.error_m


@settings(max_examples=60, deadline=None)
@given(
    east=st.floats(-50, 50),
    north=st.floats(-50, 50),
    up=st.floats(15, 120),
    yaw=st.floats(0, 359),
    pitch=st.floats(-90, -50),
    du=st.floats(-300, 300),
    dv=st.floats(-240, 240),
)
def test_round_trip_through_the_simulators_camera(east, north, up, yaw, pitch, du, dv):
    cam = SimCamera(Camera(gimbal_pitch_deg=pitch))
    sim_pose = CameraPose(east, north, up, math.radians(yaw), pitch)
    pose = Pose(east, north, up, yaw_deg=yaw)
    u, v = CENTRE[0] + du, CENTRE[1] + dv
    p = ground_point(u, v, pose, K, Mount(gimbal_pitch_deg=pitch), SURE)
    if p is None:
        return
    assert cam.project(sim_pose, p.east_m, p.north_m) == pytest.approx((u, v), abs=1e-6)


def test_a_calibration_file_with_distortion_is_read_and_undone(tmp_path):
    k = K.k.copy()
    dist = np.array([-0.2, 0.05, 0.001, -0.001, 0.0])
    path = tmp_path / "calibration.yaml"
    fs = cv2.FileStorage(str(path), cv2.FILE_STORAGE_WRITE)
    fs.write("camera_matrix", k)
    fs.write("distortion_coefficients", dist.reshape(1, 5))
    fs.write("image_width", 640)
    fs.write("image_height", 512)
    fs.release()
    calibrated = Intrinsics.from_file(path)
    # a point 5 m east, 3 m north of below, imaged through the distorting lens
    pose = Pose(0, 0, 40.0)
    ideal = np.array([[[5.0 / 40.0, -3.0 / 40.0, 1.0]]])  # normalised: x right, y down
    pixel, _ = cv2.projectPoints(ideal, np.zeros(3), np.zeros(3), k, dist)
    p = ground_point(*pixel.reshape(2), pose, calibrated, Mount(), SURE)
    assert p is not None
    assert (p.east_m, p.north_m) == pytest.approx((5.0, 3.0), abs=1e-3)
    bad = tmp_path / "bad.yaml"
    fs = cv2.FileStorage(str(bad), cv2.FILE_STORAGE_WRITE)
    fs.write("camera_matrix", np.eye(2))
    fs.release()
    with pytest.raises(VisionError, match="camera_matrix must be a 3x3"):
        Intrinsics.from_file(bad)
