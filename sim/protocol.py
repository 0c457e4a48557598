"""The vehicle's MAVLink side: decode what peers send, act on it, and encode telemetry (sans-IO).

A vehicle has links (the API link and the ground-station link, as PX4 SITL has), each with its
own sequence numbers, stream rates (PX4 "onboard" and "normal" defaults; ArduPilot nothing but
HEARTBEAT, its `MAVn_*` rates read at boot only) changeable at run time with
MAV_CMD_SET_MESSAGE_INTERVAL (and ArduPilot's REQUEST_DATA_STREAM), and a remote address that
follows whoever last talked on it. Where the two autopilots answer differently (COMMAND_ACK
results, PX4's second acknowledgement of a mode change, which heartbeats count as the ground
station's) each answers as its real one does. Garbage, bad CRCs and unknown messages are dropped
by pymavlink's robust parser; nothing a peer sends can raise out of `receive`.
"""

from __future__ import annotations

import logging
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymavlink.dialects.v20 import common as mavlink

from sim import ardupilot as ardupilot_tables
from sim.autopilot import Autopilot, Firmware, Severity
from sim.mission_transfer import MissionStore, Send, WireItem
from sim.px4 import (
    MODE_NAMES,
    PARAMS,
    FlightMode,
    ParamType,
    mode_from_custom,
    mode_from_px4,
)
from sim.telemetry import BUILDERS, MSG_NAMES, home_position, mission_current

logger = logging.getLogger(__name__)

Addr = tuple[str, int]

MAV_TYPE_GCS = 6
#: STATUSTEXT carries 50 characters; a longer text goes in numbered chunks (MAVLink 2).
STATUSTEXT_CHUNK = 50
#: MAV_PROTOCOL_CAPABILITY bits the simulator honours.
CAPABILITIES = (
    1  # MISSION_FLOAT
    | 4  # MISSION_INT
    | 8  # COMMAND_INT
    | 16  # PARAM_ENCODE_BYTEWISE (PX4 packs int params into the float's bytes)
    | 8192  # MAVLINK2
    | 16384  # MISSION_FENCE
    | 32768  # MISSION_RALLY
)


class Result:
    """MAV_RESULT."""

    ACCEPTED = 0
    TEMPORARILY_REJECTED = 1
    DENIED = 2
    UNSUPPORTED = 3
    FAILED = 4


@dataclass
class Link:
    """One MAVLink link of a vehicle: where it sends, its encoder and its stream schedule."""

    name: str
    remote: Addr
    rates_hz: dict[str, float]
    number: int = 1  # ArduPilot's n in its MAVn_* stream-rate parameters
    defaults_hz: dict[str, float] = field(default_factory=dict)
    encoder: Any = None
    parsers: dict[Addr, Any] = field(default_factory=dict)
    next_due_s: dict[str, float] = field(default_factory=dict)
    next_due_wall_s: dict[str, float] = field(default_factory=dict)


def _int_to_float(value: int) -> float:
    return float(struct.unpack("<f", struct.pack("<i", int(value)))[0])


def _float_to_int(value: float) -> int:
    return int(struct.unpack("<i", struct.pack("<f", value))[0])


class VehicleProtocol:
    """Everything one simulated vehicle says and answers on its links."""

    def __init__(
        self,
        ap: Autopilot,
        sysid: int,
        links: list[Link],
        *,
        max_stream_wall_hz: float | None = None,
    ) -> None:
        self.ap = ap
        self.sysid = sysid
        self.links = {link.name: link for link in links}
        for link in links:
            link.defaults_hz = dict(link.rates_hz)
            link.encoder = mavlink.MAVLink(None, srcSystem=sysid, srcComponent=1)
            link.encoder.robust_parsing = True
        self.max_stream_wall_hz = max_stream_wall_hz
        self.last_gcs_wall_s: float | None = None
        self.fix_cache: tuple[float, tuple[int, int, float]] | None = None
        self.heard_any = False
        self.dropped_bytes = 0
        self.text_id = 0
        #: ArduPilot's MAVn_* stream rates, per link; read at boot, written by REQUEST_DATA_STREAM.
        self.stream_params: dict[str, float] = {
            ardupilot_tables.stream_param(link.number, suffix): 0.0
            for link in links
            for suffix in ardupilot_tables.STREAM_SUFFIXES
        }
        self.ap_names = [*ardupilot_tables.PARAMS, *self.stream_params]
        #: ArduPilot parameters set away from their defaults (written to its storage).
        self.ap_saved: set[str] = set()
        if self.ardupilot:
            self.boot()
        self._handlers: dict[str, Callable[[Link, Addr, Any, float], list[bytes]]] = {
            "HEARTBEAT": self._on_heartbeat,
            "COMMAND_LONG": self._on_command_long,
            "COMMAND_INT": self._on_command_int,
            "PARAM_REQUEST_LIST": self._on_param_list,
            "PARAM_REQUEST_READ": self._on_param_read,
            "PARAM_SET": self._on_param_set,
            "MISSION_COUNT": self._on_mission_count,
            "MISSION_ITEM_INT": self._on_mission_item_int,
            "MISSION_ITEM": self._on_mission_item,
            "MISSION_REQUEST_LIST": self._on_mission_request_list,
            "MISSION_REQUEST_INT": self._on_mission_request,
            "MISSION_REQUEST": self._on_mission_request,
            "MISSION_ACK": self._on_mission_ack,
            "MISSION_CLEAR_ALL": self._on_mission_clear,
            "MISSION_SET_CURRENT": self._on_mission_set_current,
            "TIMESYNC": self._on_timesync,
            "SET_MODE": self._on_set_mode,
            "REQUEST_DATA_STREAM": self._on_request_data_stream,
        }

    def boot(self) -> None:
        """ArduPilot reads its MAVn_* stream rates once, at boot."""
        for link in self.links.values():
            for suffix, group in ardupilot_tables.STREAM_SUFFIXES.items():
                rate = self.stream_params[ardupilot_tables.stream_param(link.number, suffix)]
                if rate > 0:
                    self._set_group(link, group, rate)

    @property
    def store(self) -> MissionStore:
        return self.ap.store

    @property
    def ardupilot(self) -> bool:
        return self.ap.firmware is Firmware.ARDUPILOT

    def _decode_mode(self, custom: int, sub: int) -> FlightMode | None:
        """The mode a DO_SET_MODE or SET_MODE asks for, in this firmware's numbering."""
        if self.ardupilot:
            return ardupilot_tables.DECODE.get(custom)
        return mode_from_px4(custom, sub)

    # ---- receiving -----------------------------------------------------------------------------

    def receive(self, link_name: str, addr: Addr, data: bytes, wall_s: float) -> list[bytes]:
        """Bytes from `addr` on a link; returns the replies (to send back to `addr`)."""
        link = self.links[link_name]
        parser = link.parsers.get(addr)
        if parser is None:
            parser = mavlink.MAVLink(None, srcSystem=self.sysid, srcComponent=1)
            parser.robust_parsing = True
            link.parsers[addr] = parser
        try:
            msgs = parser.parse_buffer(data) or []
        except Exception:  # a peer's bytes must never take the vehicle down
            self.dropped_bytes += len(data)
            msgs = []
        _forget_partial(parser)
        link.remote = addr
        out: list[bytes] = []
        for msg in msgs:
            kind = msg.get_type()
            if kind == "BAD_DATA":
                self.dropped_bytes += len(msg.get_msgbuf() or b"")
                continue
            target = getattr(msg, "target_system", None)
            if target not in (None, 0, self.sysid):
                continue
            handler = self._handlers.get(kind)
            if handler is not None:
                try:
                    out += handler(link, addr, msg, wall_s)
                except (ValueError, TypeError, struct.error, OverflowError) as exc:
                    logger.debug("ignored malformed %s from %s: %s", kind, addr, exc)
        return out

    def _pack(self, link: Link, name: str, **fields: Any) -> bytes:
        encode = getattr(link.encoder, f"{name.lower()}_encode")
        return bytes(encode(**fields).pack(link.encoder))

    def _peer(self, msg: Any) -> tuple[int, int]:
        return (msg.get_srcSystem(), msg.get_srcComponent())

    def _sends(self, link: Link, sends: list[Send]) -> list[bytes]:
        return [self._pack(link, s.name, **s.fields) for s in sends]

    def _on_heartbeat(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        """The link-loss failsafe's ground station: ArduPilot counts only heartbeats from system
        MAV_GCS_SYSID; PX4 any heartbeat of a ground station (MAV_TYPE_GCS)."""
        if self.ardupilot:
            ours = msg.get_srcSystem() == int(self.ap.params["MAV_GCS_SYSID"])
        else:
            ours = msg.type == MAV_TYPE_GCS
        if ours:
            self.last_gcs_wall_s = wall_s
            self.heard_any = True
            self.ap.link_regained()
        return []

    # ---- commands ------------------------------------------------------------------------------

    def _on_command_long(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        p = (msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7)
        return self._command(link, msg, msg.command, p, latlon_int=False)

    def _on_command_int(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        p = (msg.param1, msg.param2, msg.param3, msg.param4, float(msg.x), float(msg.y), msg.z)
        return self._command(link, msg, msg.command, p, latlon_int=True)

    def _command(
        self, link: Link, msg: Any, command: int, p: tuple[float, ...], *, latlon_int: bool
    ) -> list[bytes]:
        extra: list[bytes] = []
        result = self._run_command(link, command, p, latlon_int, extra)
        acks = [self._ack(link, msg, command, result)]
        if command == 176 and not self.ardupilot:
            # PX4 acknowledges a mode change at once, then again with the verdict
            acks.insert(0, self._ack(link, msg, command, Result.ACCEPTED))
        return [*acks, *extra]

    def _ack(self, link: Link, msg: Any, command: int, result: int) -> bytes:
        sysid, compid = self._peer(msg)
        return self._pack(
            link,
            "COMMAND_ACK",
            command=command,
            result=result,
            progress=0,
            result_param2=0,
            target_system=sysid,
            target_component=compid,
        )

    def _refused(self, refusal: str | None) -> int:
        """An arming refusal: ArduPilot says FAILED, PX4 TEMPORARILY_REJECTED."""
        if refusal is None:
            return Result.ACCEPTED
        return Result.FAILED if self.ardupilot else Result.TEMPORARILY_REJECTED

    def _run_command(
        self, link: Link, command: int, p: tuple[float, ...], latlon_int: bool, extra: list[bytes]
    ) -> int:
        ap = self.ap
        refusal: str | None
        if command == 400:  # COMPONENT_ARM_DISARM
            force = abs(p[1] - 21196) < 0.5
            if p[0] > 0.5:
                return self._refused(ap.arm(force=force))
            refusal = ap.disarm(force=force)
            if refusal is not None and not self.ardupilot:
                ap.say(Severity.CRITICAL, "Disarming denied: not landed")
            return self._refused(refusal)
        if command == 22:  # NAV_TAKEOFF: PX4 takes AMSL, ArduCopter metres above home
            alt = p[6] + ap.home.alt_amsl_m if self.ardupilot else p[6]
            refusal = ap.takeoff(alt if math.isfinite(alt) else None)
        elif command == 21:  # NAV_LAND
            refusal = ap.set_mode(FlightMode.LAND)
        elif command == 20:  # NAV_RETURN_TO_LAUNCH
            refusal = ap.set_mode(FlightMode.RETURN)
        elif command == 300:  # MISSION_START
            refusal = ap.start_mission(int(p[0]) if math.isfinite(p[0]) else 0)
        elif command == 176:  # DO_SET_MODE
            return self._set_mode(int(p[1]), int(p[2]))
        elif command == 192:  # DO_REPOSITION
            lat, lon = (p[4] / 1e7, p[5] / 1e7) if latlon_int else (p[4], p[5])
            refusal = ap.reposition(lat, lon, p[6])
        elif command == 178:  # DO_CHANGE_SPEED
            if p[1] > 0:
                ap.cruise_mps = p[1]
            refusal = None
        elif command == 224:  # DO_SET_MISSION_CURRENT
            seq = int(p[0])
            if not 0 <= seq < len(ap.store.items[0]):
                return Result.DENIED
            ap.store.current_seq = seq
            refusal = None
        elif command == 511:  # SET_MESSAGE_INTERVAL
            return self._set_interval(link, int(p[0]), p[1])
        elif command in (512, 520, 410):  # REQUEST_MESSAGE, AUTOPILOT_CAPABILITIES, HOME
            msg_id = {520: 148, 410: 242}.get(command, int(p[0]))
            payload = self._on_demand(link, msg_id)
            if payload is None:  # an id it does not know
                return Result.FAILED if self.ardupilot else Result.DENIED
            extra.append(payload)
            return Result.ACCEPTED
        else:
            return Result.UNSUPPORTED
        return Result.ACCEPTED if refusal is None else Result.TEMPORARILY_REJECTED

    def _set_mode(self, custom: int, sub: int) -> int:
        """DO_SET_MODE; PX4 refuses with "Switching to ... is currently not available"."""
        mode = self._decode_mode(custom, sub)
        if mode is None:
            return Result.UNSUPPORTED
        refusal = self.ap.set_mode(mode, plan_check=not self.ardupilot)
        if refusal is not None:
            if not self.ardupilot:
                name = MODE_NAMES[mode]
                self.ap.say(Severity.CRITICAL, f"Switching to {name} is currently not available")
            return Result.TEMPORARILY_REJECTED
        if self.ardupilot:
            self.ap.copter_mode = custom
        return Result.ACCEPTED

    def _set_interval(self, link: Link, msg_id: int, interval_us: float) -> int:
        name = MSG_NAMES.get(msg_id)
        if name is None or name not in BUILDERS:  # an id it does not know
            if self.ardupilot:
                self.ap.say(Severity.INFO, f"No ap_message for mavlink id ({msg_id})")
                return Result.DENIED
            return Result.FAILED
        if interval_us < 0:
            link.rates_hz[name] = 0.0
        elif interval_us == 0:
            link.rates_hz[name] = link.defaults_hz.get(name, 0.0)
        else:
            link.rates_hz[name] = 1e6 / interval_us
        link.next_due_s.pop(name, None)
        return Result.ACCEPTED

    def _on_demand(self, link: Link, msg_id: int) -> bytes | None:
        if msg_id == 148:
            return self._pack(
                link,
                "AUTOPILOT_VERSION",
                capabilities=ardupilot_tables.CAPABILITIES if self.ardupilot else CAPABILITIES,
                flight_sw_version=(
                    ardupilot_tables.FLIGHT_SW_VERSION if self.ardupilot else (1 << 24) | (15 << 16)
                ),
                middleware_sw_version=0,
                os_sw_version=0,
                board_version=0,
                flight_custom_version=b"\0" * 8,
                middleware_custom_version=b"\0" * 8,
                os_custom_version=b"\0" * 8,
                vendor_id=0,
                product_id=0,
                uid=self.sysid,
            )
        name = MSG_NAMES.get(msg_id)
        if name is None or name not in BUILDERS:
            return None
        return BUILDERS[name](self, link)

    # ---- parameters ----------------------------------------------------------------------------

    def _param_value(self, link: Link, name: str) -> bytes:
        spec = PARAMS[name]
        value = self.ap.params[name]
        wire = _int_to_float(int(value)) if spec.kind is ParamType.INT32 else float(value)
        return self._pack(
            link,
            "PARAM_VALUE",
            param_id=name.encode(),
            param_value=wire,
            param_type=int(spec.kind),
            param_count=len(PARAMS),
            param_index=list(PARAMS).index(name),
        )

    def _on_param_list(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        if self.ardupilot:
            return [self._ap_param_value(link, name) for name in self.ap_names]
        return [self._param_value(link, name) for name in PARAMS]

    def _on_param_read(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        name = _param_name(msg.param_id)
        if self.ardupilot:
            names = self.ap_names
            if msg.param_index >= 0:
                name = names[msg.param_index] if msg.param_index < len(names) else ""
            return [self._ap_param_value(link, name)] if name in names else []
        if msg.param_index >= 0:
            names = list(PARAMS)
            name = names[msg.param_index] if msg.param_index < len(names) else ""
        return [self._param_value(link, name)] if name in PARAMS else []

    def _on_param_set(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        name = _param_name(msg.param_id)
        if self.ardupilot:
            return self._ap_param_set(link, name, float(msg.param_value))
        if name not in PARAMS:
            return []
        spec = PARAMS[name]
        value = (
            float(_float_to_int(msg.param_value))
            if spec.kind is ParamType.INT32 and msg.param_type == ParamType.INT32
            else float(msg.param_value)
        )
        if math.isfinite(value):
            self.ap.params[name] = value
        return [self._param_value(link, name)]

    def _ap_wire(self, name: str) -> tuple[float, int]:
        """An ArduPilot parameter's value in its own units, and its storage type."""
        if name in self.stream_params:
            return self.stream_params[name], ardupilot_tables.INT16
        alias = ardupilot_tables.PARAMS[name]
        value = alias.to_wire(self.ap.params[alias.internal])
        if alias.kind != ardupilot_tables.REAL32:
            value = float(round(value))
        return value, alias.kind

    def _ap_param_value(self, link: Link, name: str, *, echo: bool = False) -> bytes:
        """An ArduPilot parameter: its storage type, and its value as a plain float. The echo
        of a PARAM_SET carries index 65535, and type REAL32 when the parameter is still at its
        default and was never stored, as ArduPilot's does."""
        value, kind = self._ap_wire(name)
        if echo and name not in self.ap_saved:
            kind = ardupilot_tables.REAL32
        return self._pack(
            link,
            "PARAM_VALUE",
            param_id=name.encode(),
            param_value=float(value),
            param_type=kind,
            param_count=len(self.ap_names),
            param_index=ardupilot_tables.SET_ECHO_INDEX if echo else self.ap_names.index(name),
        )

    def _ap_param_set(self, link: Link, name: str, value: float) -> list[bytes]:
        """Stored at once; a MAVn_* rate takes effect only at the next boot, as ArduPilot's."""
        if name not in self.ap_names or not math.isfinite(value):
            return []
        before, kind = self._ap_wire(name)
        stored = float(round(value)) if kind != ardupilot_tables.REAL32 else value
        if stored != before:
            self.ap_saved.add(name)
        if name in self.stream_params:
            self.stream_params[name] = float(round(value))
        else:
            alias = ardupilot_tables.PARAMS[name]
            self.ap.params[alias.internal] = alias.to_internal(value)
        return [self._ap_param_value(link, name, echo=True)]

    def _set_group(self, link: Link, group: int, rate_hz: float) -> None:
        groups = ardupilot_tables.STREAM_GROUPS
        names = [n for g in groups.values() for n in g] if group == 0 else groups.get(group, ())
        for name in names:
            link.rates_hz[name] = max(rate_hz, 0.0)
            link.next_due_s.pop(name, None)

    def _on_request_data_stream(
        self, link: Link, addr: Addr, msg: Any, wall_s: float
    ) -> list[bytes]:
        """ArduPilot sets the group's rate on this link and keeps it in its MAVn_* parameter."""
        if not self.ardupilot:
            return []
        rate = float(msg.req_message_rate) if msg.start_stop else 0.0
        group = int(msg.req_stream_id)
        self._set_group(link, group, rate)
        for suffix, each in ardupilot_tables.STREAM_SUFFIXES.items():
            if group in (each, ardupilot_tables.ALL_STREAMS):
                self.stream_params[ardupilot_tables.stream_param(link.number, suffix)] = rate
        return []

    def _on_set_mode(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        custom = int(msg.custom_mode)
        if self.ardupilot:
            self._set_mode(custom, 0)
            return []
        mode = mode_from_custom(custom)
        if mode is not None:
            self.ap.set_mode(mode)
        return []

    # ---- missions ------------------------------------------------------------------------------

    def _on_mission_count(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        return self._sends(
            link, self.store.on_count(self._peer(msg), msg.count, msg.mission_type, wall_s)
        )

    def _on_mission_item_int(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        item = _wire_item(msg, int(msg.x), int(msg.y))
        return self._sends(link, self.store.on_item(self._peer(msg), item, wall_s))

    def _on_mission_item(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        """The float MISSION_ITEM: latitude and longitude in degrees, stored as MISSION_ITEM_INT's
        integers so that a download returns them the same way."""
        item = _wire_item(msg, round(msg.x * 1e7), round(msg.y * 1e7))
        return self._sends(link, self.store.on_item(self._peer(msg), item, wall_s))

    def _on_mission_request_list(
        self, link: Link, addr: Addr, msg: Any, wall_s: float
    ) -> list[bytes]:
        return self._sends(
            link, self.store.on_request_list(self._peer(msg), msg.mission_type, wall_s)
        )

    def _on_mission_request(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        return self._sends(
            link, self.store.on_request(self._peer(msg), msg.seq, msg.mission_type, wall_s)
        )

    def _on_mission_ack(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        self.store.on_ack(self._peer(msg), msg.mission_type)
        return []

    def _on_mission_clear(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        return self._sends(link, self.store.on_clear(self._peer(msg), msg.mission_type))

    def _on_mission_set_current(
        self, link: Link, addr: Addr, msg: Any, wall_s: float
    ) -> list[bytes]:
        if 0 <= msg.seq < len(self.store.items[0]):
            self.store.current_seq = msg.seq
        return [mission_current(self, link)]

    def _on_timesync(self, link: Link, addr: Addr, msg: Any, wall_s: float) -> list[bytes]:
        if msg.tc1 != 0:
            return []
        now_ns = int(self.ap.time_s * 1e9)
        return [self._pack(link, "TIMESYNC", tc1=now_ns, ts1=msg.ts1)]

    # ---- sending -------------------------------------------------------------------------------

    def tick(self, wall_s: float) -> list[tuple[str, bytes]]:
        """What is due on each link now: streams, protocol retries, texts, reached items."""
        out: list[tuple[str, bytes]] = []
        self._check_link(wall_s)
        retries = self.store.tick(wall_s)
        texts, self.ap.texts = self.ap.texts, []
        reached, self.ap.reached = self.ap.reached, []
        chunks = [chunk for severity, text in texts for chunk in self._chunks(severity, text)]
        home = self.ardupilot and self.ap.home_changed  # ArduPilot says when home is set
        self.ap.home_changed = False
        for link in self.links.values():
            for s in retries:
                out.append((link.name, self._pack(link, s.name, **s.fields)))
            for severity, text_id, seq, chunk in chunks:
                out.append(
                    (
                        link.name,
                        self._pack(
                            link,
                            "STATUSTEXT",
                            severity=severity,
                            text=chunk,
                            id=text_id,
                            chunk_seq=seq,
                        ),
                    )
                )
            for seq in reached:
                out.append((link.name, self._pack(link, "MISSION_ITEM_REACHED", seq=seq)))
            if home:
                out.append((link.name, home_position(self, link)))
            out += [(link.name, payload) for payload in self._streams(link, wall_s)]
        return out

    def _chunks(self, severity: Severity, text: str) -> list[tuple[int, int, int, bytes]]:
        """STATUSTEXT pieces: (severity, id, chunk_seq, text); id 0 for a text that fits."""
        raw = text.encode()
        if len(raw) <= STATUSTEXT_CHUNK:
            return [(int(severity), 0, 0, raw)]
        self.text_id = self.text_id % 0xFFFF + 1
        pieces = range(0, len(raw), STATUSTEXT_CHUNK)
        return [
            (int(severity), self.text_id, k, raw[i : i + STATUSTEXT_CHUNK])
            for k, i in enumerate(pieces)
        ]

    def _check_link(self, wall_s: float) -> None:
        if self.last_gcs_wall_s is None:
            return
        if wall_s - self.last_gcs_wall_s > self.ap.params["COM_DL_LOSS_T"]:
            self.ap.link_lost()

    def _streams(self, link: Link, wall_s: float) -> list[bytes]:
        sim_s = self.ap.time_s
        out = []
        for name, hz in link.rates_hz.items():
            if hz <= 0:
                continue
            due = link.next_due_s.get(name, 0.0)
            if sim_s + 1e-9 < due:
                continue
            if self.max_stream_wall_hz and wall_s < link.next_due_wall_s.get(name, 0.0):
                continue
            link.next_due_s[name] = max(due + 1.0 / hz, sim_s)
            if self.max_stream_wall_hz:
                link.next_due_wall_s[name] = wall_s + 1.0 / self.max_stream_wall_hz
            out.append(BUILDERS[name](self, link))
        return out


def _wire_item(msg: Any, x: int, y: int) -> WireItem:
    return WireItem(
        msg.seq,
        msg.frame,
        msg.command,
        msg.current,
        msg.autocontinue,
        msg.param1,
        msg.param2,
        msg.param3,
        msg.param4,
        x,
        y,
        msg.z,
        msg.mission_type,
    )


def _forget_partial(parser: Any) -> None:
    """Drop a frame cut off at the end of a datagram: UDP frames never continue in the next
    datagram, and a stale half frame would swallow the start of the next good one."""
    parser.buf = bytearray()
    parser.buf_index = 0
    parser.expected_length = mavlink.HEADER_LEN_V1 + 2
    parser.have_prefix_error = False


def _param_name(raw: Any) -> str:
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    return text.split("\0", 1)[0]
