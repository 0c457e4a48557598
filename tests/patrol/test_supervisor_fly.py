"""The real `fly()` loop around the supervisor, driving a scripted fake vehicle on virtual time."""

import sqlite3
from dataclasses import replace

import pytest

from missions import plan_file
from patrol.ending import Ending
from patrol.flight import Watch, fly
from patrol.flightlog import FlightLog
from patrol.monitors import Action
from patrol.pilot import Pilot, PilotCommand
from patrol.vehicle import FlightMode, Severity
from tests.conftest import EXAMPLES
from tests.patrol.fake_vehicle import FakeClock, FakeVehicle

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def planned():
    return plan_file(EXAMPLES / "hotspots.toml")


async def _fly(tmp_path, planned, vehicle, pilot=None):
    mission = vehicle.mission
    clock = FakeClock(vehicle)
    said: list[str] = []
    log = FlightLog(tmp_path / "flight.sqlite", {})
    try:
        outcome = await fly(
            vehicle,
            mission,
            model=planned.spec.vehicle,
            margin_m=planned.spec.margin_m,
            log=log,
            watch=Watch(said.append, pilot=pilot, clock=clock.now, sleep=clock.sleep),
        )
    finally:
        log.close()
    db = sqlite3.connect(tmp_path / "flight.sqlite")
    try:
        events = db.execute("SELECT kind, detail FROM events ORDER BY rowid").fetchall()
    finally:
        db.close()
    return outcome, events, said


def _flown(vehicle):
    return [c for c in vehicle.calls if c != "arm"]


async def test_a_clean_mission_completes_with_nothing_commanded(tmp_path, planned):
    vehicle = FakeVehicle(planned.missions[0])
    outcome, events, _said = await _fly(tmp_path, planned, vehicle)
    assert outcome.ended is Ending.COMPLETED
    assert outcome.finished
    assert outcome.decisions == ()
    assert vehicle.calls == ["arm", "start_mission"]
    kinds = [k for k, _d in events]
    assert "mode" in kinds  # every mode change the vehicle reports is logged
    assert ("autopilot", "info: Disarmed by landing") in events  # in the autopilot's words
    assert outcome.next_item == len(planned.missions[0].items)


async def test_stall_hold_resume_then_fly_away_is_returned(tmp_path, planned):
    """The hole in the old loop: after the progress monitor's hold and the pilot's resume, a
    vehicle 5 km outside the fence got nothing at all."""
    pilot = Pilot()
    vehicle = FakeVehicle(planned.missions[0])

    def script(v):
        if v.current == 3 and not v.stalled and "hold" not in v.calls:
            v.stalled = True  # stuck on item 3
        if v.mode is FlightMode.HOLD and v.stalled and v.calls.count("start_mission") == 1:
            v.stalled = False
            pilot.push(PilotCommand.RESUME)
        if v.calls.count("start_mission") == 2 and v.mode is FlightMode.MISSION:
            v.jump_to = (5000.0, 0.0)  # an estimator fly-away: 5 km east, over Laos

    vehicle.script = script
    outcome, events, _said = await _fly(tmp_path, planned, vehicle, pilot)
    assert _flown(vehicle) == ["start_mission", "hold", "start_mission", "return_to_launch"]
    assert [d.monitor for d in outcome.decisions] == ["progress", "fence"]
    assert outcome.ended is Ending.MONITOR
    assert not outcome.finished
    assert ("pilot: resume", "at item 3") in events


async def test_a_traffic_hold_does_not_stop_the_fence_monitor(tmp_path, planned):
    pilot = Pilot()
    vehicle = FakeVehicle(planned.missions[0])

    def script(v):
        if v.current == 4 and not pilot.traffic_hold and "hold" not in v.calls:
            pilot.traffic_hold = True
        if v.mode is FlightMode.HOLD:
            v.drift_e_mps = 3.0  # held, and drifting out: a fly-away

    vehicle.script = script
    outcome, _events, _said = await _fly(tmp_path, planned, vehicle, pilot)
    assert _flown(vehicle)[:3] == ["start_mission", "hold", "return_to_launch"]
    assert outcome.decisions[0].monitor == "fence"
    assert outcome.ended is Ending.MONITOR


async def test_a_plan_without_a_final_return_gets_one(tmp_path, planned):
    mission = planned.missions[0]
    no_return = replace(mission, items=mission.items[:-1])
    vehicle = FakeVehicle(no_return)
    outcome, events, said = await _fly(tmp_path, planned, vehicle)
    assert _flown(vehicle) == ["start_mission", "return_to_launch"]
    assert outcome.ended is Ending.NO_RETURN
    assert outcome.finished  # every item was flown
    assert any("ended without a return" in d for _k, d in events)
    assert any("ended without a return" in line for line in said)


async def test_a_return_that_does_not_stop_the_fly_away_escalates_to_landing(tmp_path, planned):
    vehicle = FakeVehicle(planned.missions[0])

    def script(v):
        if v.current == 3:  # the estimator walks it east faster than it flies, whatever
            v.drift_e_mps = 12.0  # the autopilot intends: its return cannot stop it

    vehicle.script = script
    outcome, events, _said = await _fly(tmp_path, planned, vehicle)
    assert _flown(vehicle) == ["start_mission", "return_to_launch", "land"]
    assert [d.action for d in outcome.decisions] == [Action.RETURN, Action.LAND]
    assert "still closing on the fence" in outcome.decisions[1].reason
    assert outcome.ended is Ending.MONITOR
    assert any(k == "monitor: fence" and "landing in place" in d for k, d in events)


async def test_the_autopilots_own_return_is_its_ending(tmp_path, planned):
    vehicle = FakeVehicle(planned.missions[0])

    def script(v):
        if v.current == 4 and v.mode is FlightMode.MISSION:
            v.say("Failsafe: data link lost, returning to launch", Severity.CRITICAL)
            v.set_mode(FlightMode.RETURN)

    vehicle.script = script
    outcome, events, said = await _fly(tmp_path, planned, vehicle)
    assert outcome.ended is Ending.AUTOPILOT
    assert not outcome.finished
    assert _flown(vehicle) == ["start_mission"]  # its return is not fought nor re-sent
    assert ("autopilot", "critical: Failsafe: data link lost, returning to launch") in events
    assert any("Failsafe: data link lost" in line for line in said)
    assert outcome.next_item == 4


async def test_a_pilot_hold_then_return_is_the_pilots_ending(tmp_path, planned):
    pilot = Pilot()
    vehicle = FakeVehicle(planned.missions[0])

    def script(v):
        if v.current == 3 and not v.calls.count("hold"):
            pilot.push(PilotCommand.HOLD)
        if v.mode is FlightMode.HOLD and "return_to_launch" not in v.calls:
            pilot.push(PilotCommand.RETURN)

    vehicle.script = script
    outcome, _events, _said = await _fly(tmp_path, planned, vehicle, pilot)
    assert _flown(vehicle) == ["start_mission", "hold", "return_to_launch"]
    assert outcome.ended is Ending.PILOT
    assert outcome.pilot == (PilotCommand.HOLD, PilotCommand.RETURN)


async def test_a_command_the_vehicle_ignores_is_repeated_then_escalated(tmp_path, planned):
    vehicle = FakeVehicle(planned.missions[0], ignore={"return_to_launch"})

    def script(v):
        if v.current == 3 and "return_to_launch" not in v.calls:
            v.jump_to = (3000.0, 0.0)
        if "land" in v.calls:
            v.ignore.clear()

    vehicle.script = script
    outcome, _events, _said = await _fly(tmp_path, planned, vehicle)
    flown = _flown(vehicle)
    assert flown == ["start_mission"] + ["return_to_launch"] * 3 + ["land"]
    assert outcome.decisions[-1].action is Action.LAND
