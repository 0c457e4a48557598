"""The camera's MJPEG stream opens in OpenCV, and ground truth is reported."""

import anyio
import cv2
import numpy as np
import pytest

from geofence.frames import LatLon, LocalFrame
from sim.scenario import DEFAULT_HOME, CameraSpec, Scenario, TargetSpec
from sim.server import Simulation
from sim.targets import TargetClass
from tests.sim.client import free_port_block, make_ports

pytestmark = pytest.mark.anyio


def _scenario(port: int) -> Scenario:
    frame = LocalFrame(LatLon(DEFAULT_HOME.lat_deg, DEFAULT_HOME.lon_deg))
    spot = frame.enu2geodetic(0.0, 0.0)
    return Scenario(
        speedup=1.0,
        camera=CameraSpec(enabled=True, fps=20.0, port=port),
        targets=(TargetSpec("car under home", TargetClass.CAR, (spot,), heat=0.8),),
    )


async def test_stream_opens_in_opencv_and_shows_the_target_where_the_model_says():
    port = free_port_block(1)
    sim = Simulation(_scenario(port), make_ports())
    ap = sim.vehicles[0].ap
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 30)
    for _ in range(50 * 20):
        sim.step()
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)

        def grab() -> np.ndarray:
            cap = cv2.VideoCapture(f"http://127.0.0.1:{port}/video.mjpg")
            try:
                assert cap.isOpened()
                ok, image = cap.read()
                assert ok
                return image
            finally:
                cap.release()

        image = await anyio.to_thread.run_sync(grab)
        pose = sim.camera_pose(0)
        tg.cancel_scope.cancel()
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert gray.shape == (512, 640)
    mask = (gray > 180).astype(np.uint8)
    m = cv2.moments(mask, binaryImage=True)
    assert m["m00"] > 50
    expected = sim.vehicles[0].camera.project(pose, 0.0, 0.0)
    assert (m["m10"] / m["m00"], m["m01"] / m["m00"]) == pytest.approx(expected, abs=3.0)
    assert sim.vehicles[0].video.frames_sent >= 1


async def test_truth_reports_vehicles_and_targets():
    sim = Simulation(_scenario(free_port_block(1)).with_vehicles(2))
    truth = sim.truth()
    assert [v["system_id"] for v in truth["vehicles"]] == [1, 2]
    assert truth["targets"][0]["class"] == "car"
    assert truth["targets"][0]["lat_deg"] == pytest.approx(DEFAULT_HOME.lat_deg, abs=1e-9)
