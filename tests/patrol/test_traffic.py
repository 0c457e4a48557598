"""The separation monitor: the higher vehicle holds while another would come too close."""

from geofence.frames import LatLon, LocalFrame
from patrol.flightlog import FlightLog
from patrol.pilot import Pilot
from patrol.traffic import Traffic
from patrol.vehicle import FlightMode, Live

HOME = LatLon(16.5424, 104.7246)


def _live(east_m, north_m, alt_m, *, vel_e=0.0, vel_d=0.0, mode=FlightMode.MISSION):
    here = LocalFrame(HOME).enu2geodetic(east_m, north_m)
    return Live(
        lat_deg=here.lat_deg,
        lon_deg=here.lon_deg,
        alt_rel_m=alt_m,
        alt_amsl_m=140.0 + alt_m,
        vel_e_mps=vel_e,
        vel_d_mps=vel_d,
        mode=mode,
        armed=True,
        in_air=True,
    )


def _traffic(tmp_path, lives):
    logs = [FlightLog(tmp_path / f"{k}.sqlite", {}) for k in range(len(lives))]
    pilots = [Pilot() for _ in lives]
    said = []
    traffic = Traffic(HOME, lives, [40.0, 50.0], ["1", "2"], logs, pilots, 8.0, said.append)
    return traffic, pilots, said


def test_the_higher_vehicle_holds_and_goes_on_when_clear(tmp_path):
    cruising = _live(-30.0, 0.0, 40.0, vel_e=8.0)  # vehicle 1 heading for vehicle 2's pad
    descending = _live(10.0, 0.0, 42.0, vel_d=1.5, mode=FlightMode.RETURN)
    traffic, pilots, said = _traffic(tmp_path, [cruising, descending])
    traffic.step()
    assert pilots[1].traffic_hold  # a standing demand, weighed by the vehicle's supervisor
    assert not pilots[0].traffic_hold  # the lower vehicle flies on
    assert pilots[1].take() is None  # not a pilot's command
    assert "vehicle 2 holds" in said[0]
    descending.mode, descending.vel_d_mps = FlightMode.HOLD, 0.0
    passed = LocalFrame(HOME).enu2geodetic(60.0, 0.0)
    cruising.lat_deg, cruising.lon_deg = passed.lat_deg, passed.lon_deg
    traffic.step()  # vehicle 1 has passed and is moving away
    assert not pilots[1].traffic_hold  # its supervisor goes back to what it was doing
    assert not traffic.held


def test_vehicles_in_their_own_bands_are_left_alone(tmp_path):
    low = _live(0.0, 0.0, 40.0, vel_e=8.0)
    high = _live(0.0, 5.0, 50.0, vel_e=-8.0)  # overhead, ten metres up
    traffic, pilots, said = _traffic(tmp_path, [low, high])
    traffic.step()
    assert not pilots[0].traffic_hold
    assert not pilots[1].traffic_hold
    assert said == []
    assert 10.0 <= traffic.closest_m < 11.5


def test_launches_go_highest_first(tmp_path):
    traffic, _pilots, _said = _traffic(tmp_path, [Live(), Live()])
    assert traffic.order == [1, 0]
