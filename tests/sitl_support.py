"""Skip or fail a test that needs a real autopilot SITL from `../shared/`.

Without the binary a test is skipped with one line naming where to put it, unless
PATROL_REQUIRE_SITL=1 (as in CI, where the binaries are there), which makes it fail instead.
"""

from __future__ import annotations

import os

import pytest

from sim.sitl import Firmware, missing

REQUIRE_ENV = "PATROL_REQUIRE_SITL"


def require_sitl(firmware: Firmware) -> None:
    """Skip (or, with PATROL_REQUIRE_SITL=1, fail) unless `firmware`'s SITL can start here."""
    reason = missing(firmware)
    if reason is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)
