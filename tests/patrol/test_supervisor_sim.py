"""The supervisor in the loop of the sans-IO simulator (seeded, no sockets): the sample sweep
and perimeter with GPS noise (sigma 1.5 m, 5 s correlation) and 3 m/s gusts raise no false
return; a fly-away is returned before the vehicle is a few metres into the margin, then landed
when its return cannot stop it. `python -m bench fly` reports the same over many seeds."""

import pytest

from bench.supervise import MISS_DEPTH_M, Drift, fly_supervised
from missions import plan_file
from missions.turns import overshoot_m
from patrol.ending import Ending
from patrol.supervisor import Command
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module", params=["patrol.toml", "perimeter.toml"])
def planned(request):
    return plan_file(EXAMPLES / request.param)


def test_gps_noise_and_gusts_raise_no_false_return(planned):
    run = fly_supervised(planned.missions[0], planned.spec.vehicle, planned.spec.margin_m, seed=7)
    assert run.decisions == ()
    assert run.sends == []
    assert run.ended is Ending.COMPLETED
    # it did fly along the margin (its sharp turns one run-on in: `missions.turns`)
    near_m = planned.spec.margin_m + overshoot_m(planned.spec.speed_mps)
    assert run.clearance_before_return_m < near_m


@pytest.mark.parametrize(
    "drift", [Drift(120.0, 2.5, 0.0), Drift(200.0, -1.5, -1.5)], ids=["east", "south-west"]
)
def test_a_fly_away_is_returned_early_then_landed(planned, drift):
    margin_m = planned.spec.margin_m
    run = fly_supervised(planned.missions[0], planned.spec.vehicle, margin_m, seed=3, drift=drift)
    commands = [c for _t, c in run.sends]
    assert commands[0] is Command.RETURN
    assert margin_m - run.clearance_before_return_m < MISS_DEPTH_M
    assert Command.LAND in commands  # the estimate walks on: the return cannot stop it
    assert run.ended is Ending.MONITOR
