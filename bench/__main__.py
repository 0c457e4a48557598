"""`python -m bench NAME` runs one benchmark."""

from __future__ import annotations

import sys

from bench import fly, plan, sim, sitl, station, supervise, vision

BENCHMARKS = {
    "fly": fly.main,
    "plan": plan.main,
    "sim": sim.main,
    "sitl": sitl.main,
    "station": station.main,
    "supervise": supervise.main,
    "vision": vision.main,
}


def run(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in BENCHMARKS:
        names = ", ".join(sorted(BENCHMARKS))
        print(f"usage: python -m bench NAME  (NAME one of: {names})", file=sys.stderr)
        return 2
    BENCHMARKS[argv[0]]()
    return 0


sys.exit(run(sys.argv[1:]))
