"""The simulated autopilot's behaviour, stepped without sockets (fast, deterministic)."""

import math

import pytest

from sim.autopilot import LandedState
from sim.mission_transfer import MissionType
from sim.px4 import FlightMode
from sim.scenario import Fault, FaultKind, Scenario
from sim.server import Simulation
from tests.sim.helpers import item, run, sim_with, square_fence, texts, upload


def test_takeoff_climbs_then_holds():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    assert ap.arm() is None
    assert ap.takeoff(ap.home.alt_amsl_m + 15.0) is None
    run(sim, 30, until=lambda: ap.mode is FlightMode.HOLD)
    assert ap.mode is FlightMode.HOLD
    assert ap.body.up_m == pytest.approx(15.0, abs=0.6)
    run(sim, 10)
    assert ap.body.up_m == pytest.approx(15.0, abs=0.3)  # holds altitude
    assert ap.landed_state is LandedState.IN_AIR


def test_mission_flies_items_in_order_then_returns_and_lands():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    items = [
        item(0, 22, alt_m=20),
        item(1, 16, 0, 60),
        item(2, 19, 60, 60, p1=5.0),
        item(3, 178, p2=4.0, frame=2),
        item(4, 16, 60, 0),
        item(5, 20, frame=2),
    ]
    assert upload(ap, items) == 0
    assert ap.arm() is None
    assert ap.start_mission() is None
    reached = []
    positions = []
    for _ in range(400 * 50):
        sim.step()
        reached += ap.reached
        ap.reached.clear()
        positions.append((ap.body.east_m, ap.body.north_m))
        if not ap.armed:
            break
    assert reached == [0, 1, 2, 4, 5]
    assert not ap.armed
    assert ap.body.on_ground
    assert math.hypot(ap.body.east_m, ap.body.north_m) < 2.0  # landed at home
    assert max(p[1] for p in positions) == pytest.approx(60, abs=3)
    assert "Disarmed by landing" in texts(ap)


def test_speed_change_item_sets_cruise_speed():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    upload(ap, [item(0, 22, alt_m=10), item(1, 178, p2=3.0, frame=2), item(2, 16, 0, 300)])
    ap.arm()
    ap.start_mission()
    run(sim, 60)
    assert ap.body.ground_speed_mps == pytest.approx(3.0, abs=0.2)


def test_arming_refused_when_home_is_outside_the_fence():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    shifted = [
        item(k, 5001, e + 500, n, 0.0, p1=4, frame=0, mission_type=1)
        for k, (e, n) in enumerate([(-50, -50), (-50, 50), (50, 50), (50, -50)])
    ]
    assert upload(ap, shifted, 1) == 0
    sim.step()
    assert ap.arm() == "Vehicle outside geofence"
    assert "Preflight Fail: Vehicle outside geofence" in texts(ap)
    assert not ap.armed


def test_fence_breach_returns_when_gf_action_is_return():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    upload(ap, square_fence(80.0), 1)
    ap.params["GF_ACTION"] = 3
    upload(ap, [item(0, 22, alt_m=20), item(1, 16, 300, 0)])
    ap.arm()
    ap.start_mission()
    run(sim, 120, until=lambda: ap.mode is FlightMode.RETURN)
    assert ap.mode is FlightMode.RETURN
    assert "Geofence violation, returning to launch" in texts(ap)
    assert ap.body.east_m < 95  # caught within a few metres of the fence at 5 m/s


def test_ceiling_breach_holds_by_default():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    ap.params["GF_MAX_VER_DIST"] = 30.0
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 40)
    run(sim, 60, until=lambda: ap.failsafes.fence)
    assert ap.failsafes.fence
    assert ap.mode is FlightMode.HOLD
    assert "Geofence violation, holding" in texts(ap)


def test_battery_critical_returns_then_emergency_lands():
    sim = Simulation(Scenario(faults=(Fault(0, FaultKind.BATTERY_SAG, 20.0, 0.0, 0.93),)))
    ap = sim.vehicles[0].ap
    ap.params["COM_LOW_BAT_ACT"] = 3
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 20)
    run(sim, 21)
    assert 0.05 < ap.battery.remaining < 0.07
    assert ap.mode is FlightMode.RETURN
    said = texts(ap)
    assert "Low battery level! Return advised" in said
    assert "Critical battery level!, returning to launch" in said
    run(sim, 600, until=lambda: ap.mode is FlightMode.LAND)
    assert ap.mode is FlightMode.LAND
    assert "Dangerous battery level!, landing" in texts(ap)


def test_gps_loss_lands_and_refuses_to_arm():
    sim = Simulation(Scenario(faults=(Fault(0, FaultKind.GPS_LOSS, 15.0, 100.0),)))
    ap = sim.vehicles[0].ap
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 10)
    run(sim, 16)
    assert ap.mode is FlightMode.LAND
    run(sim, 60, until=lambda: not ap.armed)
    assert not ap.armed
    assert ap.arm() == "GPS fix too low"


def test_drift_fault_moves_the_vehicle_off_its_hold():
    sim = Simulation(Scenario(faults=(Fault(0, FaultKind.DRIFT, 10.0, 20.0, 1.5),)))
    ap = sim.vehicles[0].ap
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 10)
    run(sim, 35)
    assert ap.body.east_m == pytest.approx(30.0, abs=1.0)  # 1.5 m/s for 20 s, unseen
    assert ap.mode is FlightMode.HOLD


def test_reject_upload_fault():
    sim = Simulation(Scenario(faults=(Fault(0, FaultKind.REJECT_UPLOAD, 0.0),)))
    sim.step()
    ap = sim.vehicles[0].ap
    assert upload(ap, [item(0, 22)]) == 1  # MAV_MISSION_ERROR
    assert upload(ap, [item(0, 22)]) == 0  # only the next one


def test_steady_wind_is_held_against():
    sim = sim_with(wind_e_mps=6.0)
    ap = sim.vehicles[0].ap
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 10)
    run(sim, 60)
    assert math.hypot(ap.body.east_m, ap.body.north_m) < 3.0


def test_battery_lasts_about_25_minutes_at_cruise():
    sim = sim_with()
    ap = sim.vehicles[0].ap
    ap.params["COM_LOW_BAT_ACT"] = 0
    upload(
        ap,
        [
            item(0, 22, alt_m=30),
            item(1, 16, 0, 5000),
            item(2, 16, 0, 0),
            item(3, 177, p1=1, p2=20, frame=2),
        ],
    )
    ap.arm()
    ap.start_mission()
    flown = run(sim, 3600, until=lambda: ap.battery.remaining <= 0.0)
    assert 22 * 60 < flown < 28 * 60


def test_same_seed_same_flight():
    def flight(seed: int) -> tuple[float, float]:
        sim = Simulation(Scenario(seed=seed, gust_mps=2.0, vehicles=Scenario().vehicles))
        sim.vehicles[0].ap.gps_sigma_m = 1.0
        ap = sim.vehicles[0].ap
        ap.arm()
        ap.takeoff(ap.home.alt_amsl_m + 10)
        run(sim, 30)
        return ap.reported_position()[:2]

    assert flight(3) == flight(3)
    assert flight(3) != flight(4)


def test_gust_fault_pushes_the_vehicle_and_it_recovers():
    sim = Simulation(Scenario(faults=(Fault(0, FaultKind.GUST, 20.0, 5.0, 25.0),)))
    ap = sim.vehicles[0].ap
    ap.arm()
    ap.takeoff(ap.home.alt_amsl_m + 10)
    run(sim, 24)
    pushed = ap.body.east_m
    run(sim, 30)
    assert pushed > 0.3  # blown east while the gust lasts
    assert abs(ap.body.east_m) < 0.2  # and back on its hold after


def test_link_drop_fault_window():
    sim = Simulation(Scenario(faults=(Fault(0, FaultKind.LINK_DROP, 10.0, 5.0),)))
    v = sim.vehicles[0]
    run(sim, 9.9)
    assert not v.link_down
    run(sim, 0.2)
    assert v.link_down
    run(sim, 5.0)
    assert not v.link_down


def test_a_return_goes_to_the_nearest_of_home_and_the_rally_points():
    """As the real PX4 and ArduPilot do: straight to the nearest safe point, and land there."""
    sim = sim_with()
    ap = sim.vehicles[0].ap
    rally = [item(0, 5100, 150, 0, 0.0, mission_type=MissionType.RALLY)]
    assert upload(ap, rally, MissionType.RALLY) == 0
    upload(ap, [item(0, 22, alt_m=20), item(1, 16, 180, 0), item(2, 93, 180, 0, p1=600)])
    ap.arm()
    ap.start_mission()
    run(sim, 300, until=lambda: ap.body.east_m > 175)
    ap.set_mode(FlightMode.RETURN)
    run(sim, 300, until=lambda: not ap.armed)
    assert not ap.armed
    assert abs(ap.body.east_m - 150) < 3  # the rally point
    assert abs(ap.body.north_m) < 3
    # nearer home than the rally point: home
    sim = sim_with()
    ap = sim.vehicles[0].ap
    upload(ap, rally, MissionType.RALLY)
    upload(ap, [item(0, 22, alt_m=20), item(1, 16, -40, 0), item(2, 93, -40, 0, p1=600)])
    ap.arm()
    ap.start_mission()
    run(sim, 300, until=lambda: ap.body.east_m < -35)
    ap.set_mode(FlightMode.RETURN)
    run(sim, 300, until=lambda: not ap.armed)
    assert math.hypot(ap.body.east_m, ap.body.north_m) < 3
