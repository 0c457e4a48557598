"""The position filter under the fence rule: it averages correlated GPS noise out and follows a
real motion at once."""

import math
import random
import statistics

import pytest

from patrol.estimate import (
    ASSUMED_GPS_SIGMA_M,
    GPS_TAU_S,
    Fix,
    fix_sigma_m,
    update,
)

TICK_S = 0.2


def _noise(rng, sigma_m, n):
    """Gauss-Markov noise (the simulator's GPS model) sampled every tick."""
    a = math.exp(-TICK_S / GPS_TAU_S)
    k = sigma_m * math.sqrt(1 - a * a)
    x, out = rng.gauss(0, sigma_m), []
    for _ in range(n):
        x = a * x + k * rng.gauss(0, 1)
        out.append(x)
    return out


def test_correlated_noise_is_averaged_down_and_the_sigma_says_so():
    rng = random.Random(1)
    n = 20000
    noise_e, noise_n = _noise(rng, 1.5, n), _noise(rng, 1.5, n)
    est, errors = None, []
    for k in range(n):
        t = k * TICK_S
        true_e = 6.0 * t  # flying east at 6 m/s, the velocity is reported exactly
        est = update(est, Fix(t, true_e + noise_e[k], noise_n[k], 6.0, 0.0, 1.5))
        if t > 30.0:
            errors.append(est.east_m - true_e)
    spread = statistics.pstdev(errors)
    assert spread < 0.6 * 1.5  # well under the fix's own error
    assert 0.7 * spread < est.sigma_m < 1.5 * spread  # and the filter knows how far to trust it


def test_a_drift_is_followed_without_lag():
    est = None
    for k in range(200):
        t = k * TICK_S
        drift_e = 0.0 if t < 20 else 3.0 * (t - 20)
        vel_e = 0.0 if t < 20 else 3.0
        est = update(est, Fix(t, drift_e, 0.0, vel_e, 0.0, 1.5))
    assert abs(est.east_m - 3.0 * (199 * TICK_S - 20)) < 0.5  # a 20 s low pass would lag 60 m


def test_a_jump_restarts_on_the_fix_and_a_gap_restarts_too():
    est = update(None, Fix(0.0, 0.0, 0.0, 0.0, 0.0, 1.5))
    est = update(est, Fix(0.2, 0.0, 0.0, 0.0, 0.0, 1.5))
    jumped = update(est, Fix(0.4, 50.0, 0.0, 0.0, 0.0, 1.5))
    assert jumped.east_m == 50.0
    assert jumped.since_s == 0.4
    later = update(est, Fix(10.0, 1.0, 0.0, 0.0, 0.0, 1.5))
    assert later.since_s == 10.0


def test_the_fix_error_is_the_autopilots_when_it_reports_one():
    assert fix_sigma_m(0.8) == 0.8
    assert fix_sigma_m(math.nan) == ASSUMED_GPS_SIGMA_M
    assert fix_sigma_m(0.0) == ASSUMED_GPS_SIGMA_M


def test_a_simulator_run_faster_than_real_time_is_followed():
    """At 20x, the vehicle's velocity is per sim second while the loop counts wall seconds."""
    est = None
    for k in range(300):
        t = k * TICK_S
        east_m = 20 * 8.0 * t  # 8 m/s sim, seen 20 times faster
        est = update(est, Fix(t, east_m, 0.0, 8.0, 0.0, 1.5))
    assert est.clock.rate == pytest.approx(20.0, rel=0.01)
    assert est.since_s < 10.0  # it stopped restarting once it knew the clock
    assert abs(est.east_m - 20 * 8.0 * 299 * TICK_S) < 0.5
    assert est.next_look_m == pytest.approx(8.0 * 20 * TICK_S)


def test_real_time_gps_wander_leaves_the_clock_alone():
    rng = random.Random(3)
    noise = _noise(rng, 1.5, 3000)
    est = None
    for k in range(3000):
        t = k * TICK_S
        est = update(est, Fix(t, 8.0 * t + noise[k], 0.0, 8.0, 0.0, 1.5))
    assert est.clock.rate == 1.0
