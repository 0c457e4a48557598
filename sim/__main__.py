"""`python -m sim` runs the simulator (the same as `patrol sim`)."""

import sys

from geofence.errors import PatrolError
from sim.cli import sim_command


def main() -> None:
    try:
        sim_command(standalone_mode=False, _anyio_backend="asyncio")
    except PatrolError as exc:
        print(f"sim: error: {exc}", file=sys.stderr)  # noqa: T201 - the command line's own output
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(0)


main()
