"""Where the vehicle is, filtered: a complementary filter on east/north position (pure).

GPS error is not white: it wanders with a correlation time of seconds, so averaging fixes over a
second barely helps, and a fence monitor reading raw fixes trips on noise along a route flown at
the margin. The autopilot's velocity is far steadier than its position fix, so the filter
carries the position forward on the reported velocity and pulls it toward each fix with a
`SMOOTHING_S` time constant: slow wander is averaged out, while a real motion (a fly-away, a
gust) is followed at once, since it shows in the velocity. Against a simulator run faster than real
time, the vehicle's seconds are not the loop's: the filter learns the ratio (`Clock`). The
estimate carries its own one-sigma
error, from the fix's accuracy (the autopilot's `h_acc_m` when it reports one) and how long the
filter has been averaging. A fix that disagrees with the prediction by far more than its error
(a GPS jump, a velocity that lies) restarts the filter on the fix: then the fix is believed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The GPS one-sigma error assumed when the autopilot does not report its accuracy.
ASSUMED_GPS_SIGMA_M = 1.5
#: Correlation time assumed for GPS error (a Gauss-Markov process; 5 s is typical of L1 GPS).
GPS_TAU_S = 5.0
#: How slowly the filter pulls toward the fixes (longer: smoother, and leaning on velocity).
SMOOTHING_S = 20.0
#: A gap in fixes longer than this restarts the filter (a dropped link, a first fix).
RESTART_GAP_S = 3.0
#: A fix this many sigmas (plus a few metres) away from the prediction restarts the filter.
RESTART_SIGMAS = 5.0
RESTART_SLACK_M = 3.0


@dataclass(frozen=True, slots=True)
class Fix:
    """One position report in the mission's local frame."""

    t_s: float
    east_m: float
    north_m: float
    vel_e_mps: float
    vel_n_mps: float
    sigma_m: float  # the fix's one-sigma horizontal error


@dataclass(frozen=True, slots=True)
class Clock:
    """How fast the vehicle's seconds pass against the loop's: 1 on a real vehicle, the speed-up
    against a simulator run faster than real time. The reported velocity is per vehicle second,
    so the filter learns the ratio from how far the fixes move against how far the velocity says
    (a least-squares slope with a `CLOCK_MEMORY_S` memory) and propagates with it."""

    rate: float = 1.0
    moved_flown_m2: float = 0.0
    flown_m2: float = 0.0


#: Memory of the clock-rate estimate, loop seconds.
CLOCK_MEMORY_S = 30.0
#: Enough flying (squared metres of velocity-predicted motion) to trust the clock rate.
CLOCK_EVIDENCE_M2 = 10.0**2
#: A rate within this of 1 is taken as 1 (GPS wander, not a simulator's speed-up).
CLOCK_SLACK = 0.2


@dataclass(frozen=True, slots=True)
class Estimate:
    """The filtered position and velocity, with the position's one-sigma error."""

    t_s: float
    east_m: float
    north_m: float
    vel_e_mps: float
    vel_n_mps: float
    sigma_m: float
    since_s: float  # when the filter last restarted
    fix_sigma_m: float
    fix_east_m: float = 0.0  # the last fix itself
    fix_north_m: float = 0.0
    averaged_s: float = 0.0  # vehicle seconds of fixes averaged since the restart
    step_s: float = 0.0  # loop seconds since the fix before
    clock: Clock = Clock()
    moved_along_m: float = 0.0  # how far the last two fixes are apart along the velocity

    @property
    def speed_mps(self) -> float:
        return math.hypot(self.vel_e_mps, self.vel_n_mps)

    @property
    def next_look_m(self) -> float:
        """How far the vehicle goes before the loop looks again: at its speed, or as far as it
        went between the last two looks (which holds whatever the clocks, before the clock rate
        is learned)."""
        return max(self.speed_mps * self.clock.rate * self.step_s, self.moved_along_m)


def fix_sigma_m(h_acc_m: float) -> float:
    """The autopilot's accuracy when it reports a usable one, else the assumed GPS error."""
    return h_acc_m if math.isfinite(h_acc_m) and h_acc_m > 0 else ASSUMED_GPS_SIGMA_M


def restart(
    fix: Fix, clock: Clock | None = None, step_s: float = 0.0, moved_along_m: float = 0.0
) -> Estimate:
    return Estimate(
        fix.t_s,
        fix.east_m,
        fix.north_m,
        fix.vel_e_mps,
        fix.vel_n_mps,
        fix.sigma_m,
        fix.t_s,
        fix.sigma_m,
        fix.east_m,
        fix.north_m,
        0.0,
        step_s,
        clock or Clock(),
        moved_along_m,
    )


def _clock(prev: Estimate, fix: Fix, flown_e: float, flown_n: float, dt: float) -> Clock:
    keep = math.exp(-dt / CLOCK_MEMORY_S)
    moved_e, moved_n = fix.east_m - prev.fix_east_m, fix.north_m - prev.fix_north_m
    c = prev.clock
    moved_flown = keep * c.moved_flown_m2 + moved_e * flown_e + moved_n * flown_n
    flown = keep * c.flown_m2 + flown_e * flown_e + flown_n * flown_n
    rate = c.rate
    if flown > CLOCK_EVIDENCE_M2:
        rate = min(max(moved_flown / flown, 1.0), 1000.0)
        rate = 1.0 if rate < 1.0 + CLOCK_SLACK else rate
    return Clock(rate, moved_flown, flown)


def update(prev: Estimate | None, fix: Fix) -> Estimate:
    """Fold `fix` into `prev` (None: the first fix)."""
    if prev is None or not 0.0 <= fix.t_s - prev.t_s <= RESTART_GAP_S:
        return restart(fix, prev.clock if prev is not None else None)
    dt = fix.t_s - prev.t_s
    if dt == 0.0:
        return prev
    flown_e = 0.5 * (prev.vel_e_mps + fix.vel_e_mps) * dt
    flown_n = 0.5 * (prev.vel_n_mps + fix.vel_n_mps) * dt
    clock = _clock(prev, fix, flown_e, flown_n, dt)
    along_m = _along(prev, fix)
    pred_e = prev.east_m + clock.rate * flown_e
    pred_n = prev.north_m + clock.rate * flown_n
    miss_m = math.hypot(fix.east_m - pred_e, fix.north_m - pred_n)
    if miss_m > RESTART_SIGMAS * max(fix.sigma_m, prev.sigma_m) + RESTART_SLACK_M:
        return restart(fix, clock, dt, along_m)
    vehicle_dt = clock.rate * dt
    window_s = min(prev.averaged_s + vehicle_dt, SMOOTHING_S)
    gain = vehicle_dt / (window_s + vehicle_dt)
    return Estimate(
        fix.t_s,
        pred_e + gain * (fix.east_m - pred_e),
        pred_n + gain * (fix.north_m - pred_n),
        fix.vel_e_mps,
        fix.vel_n_mps,
        # the fix's correlated error seen through a first-order low pass of `window_s`
        fix.sigma_m * math.sqrt(GPS_TAU_S / (GPS_TAU_S + window_s)),
        prev.since_s,
        fix.sigma_m,
        fix.east_m,
        fix.north_m,
        window_s,
        dt,
        clock,
        along_m,
    )


def _along(prev: Estimate, fix: Fix) -> float:
    speed = math.hypot(fix.vel_e_mps, fix.vel_n_mps)
    if speed < 0.5:
        return 0.0
    moved_e, moved_n = fix.east_m - prev.fix_east_m, fix.north_m - prev.fix_north_m
    return max(0.0, (moved_e * fix.vel_e_mps + moved_n * fix.vel_n_mps) / speed)
