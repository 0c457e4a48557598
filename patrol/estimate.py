"""Where the vehicle is, filtered: a complementary filter on east/north position (pure).

GPS error is not white: it wanders with a correlation time of seconds, so averaging fixes over a
second barely helps, and a fence monitor reading raw fixes trips on noise along a route flown at
the margin. The autopilot's velocity is far steadier than its position fix, so the filter
carries the position forward on the reported velocity and pulls it toward each fix with a
`SMOOTHING_S` time constant: slow wander is averaged out, while a real motion (a fly-away, a
gust) is followed at once, since it shows in the velocity. The estimate carries its own one-sigma
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

    @property
    def speed_mps(self) -> float:
        return math.hypot(self.vel_e_mps, self.vel_n_mps)


def fix_sigma_m(h_acc_m: float) -> float:
    """The autopilot's accuracy when it reports a usable one, else the assumed GPS error."""
    return h_acc_m if math.isfinite(h_acc_m) and h_acc_m > 0 else ASSUMED_GPS_SIGMA_M


def restart(fix: Fix) -> Estimate:
    return Estimate(
        fix.t_s,
        fix.east_m,
        fix.north_m,
        fix.vel_e_mps,
        fix.vel_n_mps,
        fix.sigma_m,
        fix.t_s,
        fix.sigma_m,
    )


def update(prev: Estimate | None, fix: Fix) -> Estimate:
    """Fold `fix` into `prev` (None: the first fix)."""
    if prev is None or not 0.0 <= fix.t_s - prev.t_s <= RESTART_GAP_S:
        return restart(fix)
    dt = fix.t_s - prev.t_s
    if dt == 0.0:
        return prev
    pred_e = prev.east_m + 0.5 * (prev.vel_e_mps + fix.vel_e_mps) * dt
    pred_n = prev.north_m + 0.5 * (prev.vel_n_mps + fix.vel_n_mps) * dt
    miss_m = math.hypot(fix.east_m - pred_e, fix.north_m - pred_n)
    if miss_m > RESTART_SIGMAS * max(fix.sigma_m, prev.sigma_m) + RESTART_SLACK_M:
        return restart(fix)
    age_s = fix.t_s - prev.since_s
    window_s = min(age_s, SMOOTHING_S)
    gain = dt / (window_s + dt)
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
    )
