"""Where the simulator listens and sends: PX4 SITL's numbering, moved to a base port, or a block
of free loopback ports for simulations that must not collide (tests, the demo, benchmarks).

`patrol sim`'s default numbering, lowest first: vehicle i's camera streams on 8800 + i (the
simulator's own), it sends to an API client on 14540 + i and to a ground station on 14550, and
it listens on 14580 + i and 18570 + i (PX4 SITL's). `--base-port N` moves all of it so that the
lowest port is N and the spacing stays PX4's.
"""

from __future__ import annotations

import socket

from sim.scenario import DEFAULT_VIDEO_PORT
from sim.server import Ports

#: The lowest port of the default numbering: vehicle 1's camera video.
DEFAULT_BASE_PORT = DEFAULT_VIDEO_PORT
#: The lowest port a base may be: below it are the ports only root may bind.
LOWEST_BASE_PORT = 1024
HIGHEST_PORT = 65535


def ports_from_base(base_port: int) -> Ports:
    """PX4 SITL's MAVLink ports, shifted as the camera's video moves from 8800 to `base_port`."""
    shift = base_port - DEFAULT_BASE_PORT
    px4 = Ports()
    return Ports(
        host=px4.host,
        api_local_base=px4.api_local_base + shift,
        gcs_local_base=px4.gcs_local_base + shift,
        api_remote_base=px4.api_remote_base + shift,
        gcs_remote=px4.gcs_remote + shift,
    )


def top_offset(vehicles: int) -> int:
    """How far above the base the highest port of `vehicles` vehicles is."""
    ports = ports_from_base(DEFAULT_BASE_PORT)
    highest = max(
        ports.api_local(vehicles - 1),
        ports.gcs_local(vehicles - 1),
        ports.api_remote_base + vehicles - 1,
        ports.gcs_remote,
        DEFAULT_BASE_PORT + vehicles - 1,
    )
    return highest - DEFAULT_BASE_PORT


def highest_base_port(vehicles: int) -> int:
    """The highest base that leaves room for `vehicles` vehicles up to port 65535."""
    return HIGHEST_PORT - top_offset(vehicles)


def free_port_block(count: int, kind: socket.SocketKind = socket.SOCK_DGRAM) -> int:
    """A base port with `count` consecutive free ports of `kind` (UDP by default) after it
    (best effort: another process may take one before it is bound)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + count >= 65000:
            continue
        if all(is_free(p, kind) for p in range(base, base + count)):
            return base
    raise RuntimeError("no block of free ports on loopback")


def is_free(port: int, kind: socket.SocketKind = socket.SOCK_DGRAM) -> bool:
    """Whether `port` of `kind` can be bound on loopback now."""
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_tcp_port() -> int:
    """A free TCP port on loopback (for the simulated camera's video)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_ports(vehicles: int = 1) -> Ports:
    """Ports for `vehicles` simulated vehicles on a free block of loopback ports."""
    base = free_port_block(3 * vehicles + 1)
    return Ports(
        api_local_base=base,
        gcs_local_base=base + vehicles,
        api_remote_base=base + 2 * vehicles,
        gcs_remote=base + 3 * vehicles,
    )
