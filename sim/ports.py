"""Free loopback ports for simulations that must not collide: tests, the demo, benchmarks.

PX4 SITL's fixed ports suit one simulator per machine; everything that starts its own takes a
block of free ones instead.
"""

from __future__ import annotations

import socket

from sim.server import Ports


def free_port_block(count: int) -> int:
    """A base port with `count` consecutive free UDP ports after it (best effort)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + count >= 65000:
            continue
        if all(_udp_free(p) for p in range(base, base + count)):
            return base
    raise RuntimeError("no block of free UDP ports on loopback")


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
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
