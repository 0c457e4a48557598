import math

import pytest

from missions import Camera


def test_nadir_footprint_is_altitude_times_sensor_over_focal_length():
    cam = Camera()
    fp = cam.footprint(40.0)
    assert fp.across_m == pytest.approx(40 * 7.68 / 13.0)
    assert fp.along_m == pytest.approx(40 * 6.144 / 13.0)
    assert fp.along_near_m == pytest.approx(-fp.along_far_m)


def test_gsd_at_nadir():
    assert Camera().gsd_cm(40.0) == pytest.approx(40 * 0.012 / 13.0 * 100)


def test_pitched_camera_sees_further_and_narrowest_near():
    cam = Camera(gimbal_pitch_deg=-60.0)
    fp = cam.footprint(40.0)
    assert fp.along_near_m > 0  # 60 deg down with a 13 deg half-angle: nothing below is seen
    assert fp.across_near_m < fp.across_far_m
    assert fp.across_m == fp.across_near_m
    half = math.radians(cam.half_vfov_deg)
    assert fp.along_far_m == pytest.approx(40 / math.tan(math.radians(60) - half))


def test_camera_that_sees_the_horizon_is_refused():
    with pytest.raises(ValueError, match="lets the image top see the horizon"):
        Camera(gimbal_pitch_deg=-10.0)
