"""MAVProxy, the ground station many pilots script, connects to the simulator's GCS port."""

import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from sim.px4 import PARAMS
from sim.scenario import Scenario
from sim.server import Simulation
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio


async def test_mavproxy_sees_the_vehicle_its_mode_and_all_parameters(tmp_path):
    ports = make_ports()
    sim = Simulation(Scenario(speedup=5.0), ports)
    mavproxy = Path(sys.executable).with_name("mavproxy.py")
    log = tmp_path / "mavproxy.log"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        with log.open("w") as out:
            proc = await anyio.open_process(
                [
                    sys.executable,
                    str(mavproxy),
                    f"--master=udpin:127.0.0.1:{ports.gcs_remote}",
                    "--daemon",
                    "--nowait",
                    f"--state-basedir={tmp_path}",
                    "--cmd=set heartbeat 1; param fetch",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
            )
            try:
                for _ in range(300):  # at most a minute
                    if f"Received {len(PARAMS)} parameters" in log.read_text():
                        break
                    await anyio.sleep(0.2)
            finally:
                proc.kill()
                await proc.wait()
        tg.cancel_scope.cancel()
    text = log.read_text()
    assert "Detected vehicle 1:1" in text
    assert "Mode LOITER" in text  # PX4's AUTO.LOITER, named as MAVProxy names it
    assert f"Received {len(PARAMS)} parameters" in text
    assert "fence breach" not in text
    assert sim.vehicles[0].proto.last_gcs_wall_s is not None  # its heartbeats reached us
