"""A minimal ground station over real UDP for simulator tests (pymavlink codec, anyio socket)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import anyio
from anyio.abc import UDPSocket
from pymavlink.dialects.v20 import common as mavlink

from sim.ports import free_port_block, local_ports
from sim.scenario import Scenario
from sim.server import Ports, Simulation

__all__ = ["Gcs", "free_port_block", "make_ports"]


def make_ports(vehicles: int = 1) -> Ports:
    return local_ports(vehicles)


class Gcs:
    """A ground station talking to one vehicle; `recv` waits for a message or times out."""

    def __init__(
        self, sock: UDPSocket, vehicle: tuple[str, int], sysid: int = 255, target: int = 1
    ) -> None:
        self.sock = sock
        self.vehicle = vehicle
        self.target = target  # the vehicle's system id
        self.mav = mavlink.MAVLink(None, srcSystem=sysid, srcComponent=190)
        self.mav.robust_parsing = True
        self.pending: list[Any] = []

    async def send(self, name: str, **fields: Any) -> None:
        msg = getattr(self.mav, f"{name.lower()}_encode")(**fields)
        await self.sock.sendto(msg.pack(self.mav), *self.vehicle)

    async def send_raw(self, data: bytes) -> None:
        await self.sock.sendto(data, *self.vehicle)

    async def heartbeat(self) -> None:
        await self.send(
            "HEARTBEAT", type=6, autopilot=8, base_mode=0, custom_mode=0, system_status=4
        )

    async def drain(self, quiet_s: float = 0.1) -> None:
        """Drop everything already sent to us: read until the socket stays quiet."""
        self.pending.clear()
        while True:
            with anyio.move_on_after(quiet_s):
                await self.sock.receive()
                continue
            return

    async def recv(
        self, kind: str, timeout_s: float = 5.0, cond: Callable[[Any], bool] | None = None
    ) -> Any:
        with anyio.fail_after(timeout_s):
            while True:
                for i, msg in enumerate(self.pending):
                    if msg.get_type() == kind and (cond is None or cond(msg)):
                        del self.pending[i]
                        return msg
                self.pending.clear()
                data, _addr = await self.sock.receive()
                self.pending.extend(self.mav.parse_buffer(data) or [])

    async def read_param(self, name: str, timeout_s: float = 5.0) -> float:
        """PARAM_REQUEST_READ by name; the value the vehicle answers with."""
        return float((await self.param_message(name, timeout_s)).param_value)

    async def param_message(self, name: str, timeout_s: float = 5.0) -> Any:
        """PARAM_REQUEST_READ by name; the PARAM_VALUE the vehicle answers with (its type too)."""
        self.pending.clear()
        await self.send(
            "PARAM_REQUEST_READ",
            target_system=self.target,
            target_component=1,
            param_id=name.encode(),
            param_index=-1,
        )
        return await self.recv("PARAM_VALUE", timeout_s, lambda m: m.param_id == name)

    async def set_param(self, name: str, value: float, param_type: int) -> float:
        """PARAM_SET; the value the vehicle echoes back."""
        await self.send(
            "PARAM_SET",
            target_system=self.target,
            target_component=1,
            param_id=name.encode(),
            param_value=value,
            param_type=param_type,
        )
        reply = await self.recv("PARAM_VALUE", cond=lambda m: m.param_id == name)
        return float(reply.param_value)

    async def send_command(self, command: int, *params: float) -> None:
        """COMMAND_LONG to the vehicle, unused params 0."""
        p = list(params) + [0.0] * (7 - len(params))
        await self.send(
            "COMMAND_LONG",
            target_system=self.target,
            target_component=1,
            command=command,
            confirmation=0,
            **{f"param{k + 1}": v for k, v in enumerate(p)},
        )

    async def command(self, command: int, *params: float, timeout_s: float = 5.0) -> int:
        await self.send_command(command, *params)
        ack = await self.recv("COMMAND_ACK", timeout_s, lambda m: m.command == command)
        return int(ack.result)


async def open_gcs(sim: Simulation, link: str = "api", index: int = 0) -> Gcs:
    port = sim.ports.api_remote_base + index if link == "api" else sim.ports.gcs_remote
    sock = await anyio.create_udp_socket(
        family=socket.AF_INET, local_host="127.0.0.1", local_port=port
    )
    local = sim.ports.api_local(index) if link == "api" else sim.ports.gcs_local(index)
    return Gcs(sock, ("127.0.0.1", local))


def scenario(**kw: Any) -> Scenario:
    return Scenario(**kw)


async def open_real(url: str, timeout_s: float = 120.0) -> Gcs:
    """A ground station on a real SITL's MAVSDK-form URL (udpin://HOST:PORT): bind the port it
    sends to, and learn its address and system id from its first heartbeat."""
    host, port = url.removeprefix("udpin://").rsplit(":", 1)
    sock = await anyio.create_udp_socket(
        family=socket.AF_INET, local_host=host, local_port=int(port)
    )
    gcs = Gcs(sock, ("127.0.0.1", 0))
    try:
        with anyio.fail_after(timeout_s):
            while True:
                data, addr = await sock.receive()
                for msg in gcs.mav.parse_buffer(data) or []:
                    if msg.get_type() == "HEARTBEAT" and msg.get_srcComponent() == 1:
                        gcs.vehicle, gcs.target = addr, msg.get_srcSystem()
                        return gcs
    except BaseException:
        await sock.aclose()
        raise
