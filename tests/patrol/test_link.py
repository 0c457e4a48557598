"""The MAVSDK link's promises that need no flight: a transfer to a vehicle that stops answering
is cancelled within its bound and leaves no thread inside MAVSDK; a refusal reads as one line."""

import sys

import anyio
import pytest

from missions import plan_file
from patrol.errors import TransferError
from patrol.mavsdk_vehicle import connect
from patrol.vehicle import ItemKind
from sim.scenario import Scenario
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.sim.client import make_ports

pytestmark = pytest.mark.anyio


def _inside_mavsdk_transfers() -> list[str]:
    """Threads that are inside one of MAVSDK's mission-protocol calls right now."""
    inside = []
    for ident, frame in sys._current_frames().items():
        f = frame
        while f is not None:
            if "mavsdk" in f.f_code.co_filename and "mission_raw" in f.f_code.co_filename:
                inside.append(f"thread {ident} in {f.f_code.co_name}")
                break
            f = f.f_back
    return inside


async def test_an_upload_to_a_silent_vehicle_is_cancelled_and_leaves_no_thread():
    mission = plan_file(EXAMPLES / "patrol.toml").missions[0]
    ports = make_ports()
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    silent = anyio.CancelScope()
    served = anyio.Event()

    async def simulate() -> None:
        with silent:
            async with anyio.create_task_group() as tg:
                await tg.start(Simulation(Scenario(speedup=10.0), ports).serve)
                served.set()
        # leaving `silent` closed the simulator's sockets: the vehicle answers no more

    async with anyio.create_task_group() as tg:
        tg.start_soon(simulate)
        await served.wait()
        async with connect(url, timeout_s=10.0) as vehicle:
            silent.cancel()
            with anyio.move_on_after(1.0) as scope:
                await vehicle.upload(ItemKind.MISSION, mission.items)
            assert scope.cancelled_caught, "the upload cannot have finished: nobody answers"
            assert _inside_mavsdk_transfers() == []
    assert _inside_mavsdk_transfers() == []


async def test_a_refused_upload_names_what_and_why_without_the_items():
    """The simulator's REJECT_UPLOAD fault answers every upload with an error."""
    from sim.scenario import Fault, FaultKind

    mission = plan_file(EXAMPLES / "patrol.toml").missions[0]
    ports = make_ports()
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    scenario = Scenario(speedup=10.0, faults=(Fault(0, FaultKind.REJECT_UPLOAD, 0.0, 1e9),))
    async with anyio.create_task_group() as sim_group:
        await sim_group.start(Simulation(scenario, ports).serve)
        async with connect(url, timeout_s=10.0) as vehicle:
            with pytest.raises(TransferError) as caught:
                await vehicle.upload(ItemKind.MISSION, mission.items)
        sim_group.cancel_scope.cancel()
    message = str(caught.value)
    assert message.startswith("mission upload failed: ")
    assert "MissionItem" not in message
    assert len(message.splitlines()) == 1
