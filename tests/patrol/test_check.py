"""`patrol check` (preflight) against the simulator over real UDP, PX4 and ArduPilot flavours."""

import json
import math
import re
import socket
import subprocess
import sys
from dataclasses import replace

import anyio
import pytest
from asyncclick.testing import CliRunner

from geofence.frames import GeoPoint, LatLon
from missions import plan_document, plan_file, plan_text
from patrol.cli import cli, exit_code_of
from patrol.ending import Exit
from patrol.errors import PreflightError, ReadbackMismatchError, TransferError
from patrol.mavsdk_vehicle import URL_EXAMPLES
from sim.autopilot import Firmware
from sim.mission_transfer import MissionType
from sim.scenario import DEFAULT_HOME, Fault, FaultKind, Scenario, VehicleSpec
from sim.server import Simulation
from tests.conftest import EXAMPLES
from tests.geometries import (
    ORIGIN,
    collection,
    home_feature,
    polygon_feature,
    square,
    write_area,
    write_spec,
)
from tests.sim.client import free_port_block, make_ports, open_gcs

pytestmark = pytest.mark.anyio
SPEC = str(EXAMPLES / "hotspots.toml")


async def _check(scenario: Scenario, *extra: str):
    ports = make_ports()
    sim = Simulation(scenario, ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, ["check", SPEC, "--vehicle", url, *extra])
        tg.cancel_scope.cancel()
    return result, sim


@pytest.mark.parametrize("firmware", [Firmware.PX4, Firmware.ARDUPILOT])
async def test_preflight_loads_everything_and_sets_failsafes_without_arming(firmware):
    result, sim = await _check(Scenario(speedup=10.0, autopilot=firmware))
    assert result.exception is None, result.output
    out = result.output
    for check in (
        "on the ground",
        "GPS",
        "home in fence",
        "battery",
        "failsafes",
        "fence read back",
        "mission read back",
        "rally points read back",
    ):
        assert f"ok   {check}" in out
    assert "preflight passed" in out
    ap = sim.vehicles[0].ap
    assert not ap.armed
    store = ap.store
    assert len(store.items[MissionType.FENCE]) > 4
    planned = plan_file(EXAMPLES / "hotspots.toml").missions[0]
    assert len(store.items[MissionType.RALLY]) == len(planned.uploaded_rally())
    commands = [i.command for i in store.items[MissionType.MISSION]]
    if firmware is Firmware.ARDUPILOT:
        assert commands[0] == 16  # home as item 0
        commands = commands[1:]
        assert ap.params["FENCE_ENABLE"] == 1
    assert commands[0] == 22
    assert commands[-1] == 20
    assert commands.count(19) == 4  # a loiter at each hot-spot
    assert ap.params["GF_ACTION"] == 3  # fence: return (FENCE_ACTION 1 on ArduPilot)
    assert ap.params["NAV_DLL_ACT"] == 2  # link loss: return
    assert ap.params["COM_LOW_BAT_ACT"] == 3  # battery: return


async def test_rejected_upload_is_a_clear_error_and_nothing_is_armed():
    scenario = Scenario(speedup=10.0, faults=(Fault(0, FaultKind.REJECT_UPLOAD, 0.0),))
    result, sim = await _check(scenario)
    assert isinstance(result.exception, TransferError)
    assert "fence upload failed" in str(result.exception)
    assert not sim.vehicles[0].ap.armed


async def test_read_back_mismatch_aborts():
    scenario = Scenario(speedup=10.0, faults=(Fault(0, FaultKind.CORRUPT_READBACK, 0.0),))
    result, sim = await _check(scenario)
    assert isinstance(result.exception, ReadbackMismatchError)
    assert "fence read back from the vehicle differs at item" in str(result.exception)
    assert "FAIL fence read back" in result.output
    assert not sim.vehicles[0].ap.armed


async def test_home_outside_the_fence_stops_before_anything_is_sent():
    far = GeoPoint(DEFAULT_HOME.lat_deg, DEFAULT_HOME.lon_deg - 0.01, DEFAULT_HOME.alt_amsl_m)
    scenario = replace(Scenario(speedup=10.0), vehicles=(VehicleSpec(home=far),))
    result, sim = await _check(scenario)
    assert isinstance(result.exception, PreflightError)
    assert "home in fence" in str(result.exception)
    assert "m outside the mission's fence" in str(result.exception)
    ap = sim.vehicles[0].ap
    assert all(not items for items in ap.store.items.values())  # nothing uploaded
    assert ap.params["GF_ACTION"] == 2  # failsafes untouched (PX4's default)


async def test_battery_too_low_for_the_sortie():
    # the sample's hot-spot round needs about a quarter of a battery plus a quarter in reserve
    sagged = Scenario(speedup=10.0, faults=(Fault(0, FaultKind.BATTERY_SAG, 0.0, 0.0, 0.6),))
    result, sim = await _check(sagged)
    assert isinstance(result.exception, PreflightError)
    assert re.search(
        r"'battery' failed: (39|40) % left, 50 % needed \(sortie 25 % \+ reserve 25 %\)",
        str(result.exception),
    )
    assert not sim.vehicles[0].ap.armed


def _patrol(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "patrol", *args], capture_output=True, text=True, timeout=60
    )


def test_no_vehicle_at_the_url_exits_3_with_one_line():
    port = free_port_block(1)
    done = _patrol("check", SPEC, "--vehicle", f"udpin://127.0.0.1:{port}", "--timeout", "1")
    assert done.returncode == 3
    assert done.stderr.strip().splitlines()[-1].startswith("patrol: error: no autopilot heard")


def test_a_bad_url_exits_2_before_connecting():
    done = _patrol("check", SPEC, "--vehicle", "http://example")
    assert done.returncode == 2
    assert "is not a URL patrol can open" in done.stderr


#: A port for URLs refused before anything opens them.
PORT = free_port_block(1)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("udpin://0.0.0.0:99999", "'99999' is not a port (1 to 65535)"),
        (f"udpin://999.1.1.1:{PORT}", "'999.1.1.1' is not an IPv4 address"),
        (f"udpin://:{PORT}", "it names no address (0.0.0.0 listens on every one)"),
        ("serial:///dev/no-such-radio:57600", "no device /dev/no-such-radio"),
        ("serial:///dev/null:fast", "'fast' is not a baud rate"),
        ("udpin://0.0.0.0", "it gives no port: add one, e.g. :"),
        (f"udpin://[::1]:{PORT}", "MAVSDK takes IPv4 addresses only"),
        (f"udpin://localhost:{PORT}", "udpin listens on an address of this machine, given as"),
    ],
)
def test_a_url_that_cannot_work_is_one_line_exit_2(url, said):
    done = _patrol("fly", SPEC, "--vehicle", url)
    assert done.returncode == 2
    assert done.stdout == ""  # refused before the flight began
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"patrol: error: --vehicle {url!r}: {said}")
    assert line.endswith(f"; {URL_EXAMPLES}")


def test_a_port_already_taken_is_one_line_exit_2():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        url = f"udpin://127.0.0.1:{taken.getsockname()[1]}"
        done = _patrol("fly", SPEC, "--vehicle", url, "--timeout", "1")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"patrol: error: --vehicle {url!r}: cannot open it: the port is taken")


def _amsl_plan(tmp_path, planned_home_amsl_m: float):
    """The hot-spot mission as a .plan whose waypoints are given above mean sea level (frame 0,
    QGroundControl's AltitudeMode 2), from a plannedHomePosition at `planned_home_amsl_m`."""
    doc = plan_document(plan_file(EXAMPLES / "hotspots.toml").missions[0])
    section = doc["mission"]
    section["plannedHomePosition"][2] = planned_home_amsl_m
    for raw in section["items"]:
        if raw["command"] == 16:  # NAV_WAYPOINT (items 6, 7 and 9 of this mission)
            raw["frame"], raw["AltitudeMode"] = 0, 2
            raw["params"][6] += planned_home_amsl_m
            raw["Altitude"] = raw["params"][6]
    source = tmp_path / "amsl.plan"
    source.write_text(json.dumps(doc))
    return source


@pytest.mark.parametrize("off_m", [30.0, -30.0])
async def test_a_plan_above_sea_level_from_a_home_at_another_altitude_is_refused(tmp_path, off_m):
    """Items above mean sea level were made relative with plannedHomePosition's altitude: a
    vehicle whose home stands 30 m higher would fly them 30 m lower above it."""
    source = _amsl_plan(tmp_path, DEFAULT_HOME.alt_amsl_m - off_m)
    result, sim = await _check_source(Scenario(speedup=10.0), source)
    error = result.exception
    assert isinstance(error, PreflightError), result.output
    way = "higher" if off_m > 0 else "lower"
    said = (
        "patrol flies the plan relative to home, so its 3 items given above mean sea level "
        f"(6, 7, 9) would fly 30.0 m {way} above the sea than the file gives (more than the "
        "10 m allowed)"
    )
    assert said in str(error)
    assert "set plannedHomePosition's altitude to the launch spot's" in str(error)
    assert all(not items for items in sim.vehicles[0].ap.store.items.values())


async def test_a_plan_above_sea_level_from_a_home_a_few_metres_off_passes_and_says_so(tmp_path):
    source = _amsl_plan(tmp_path, DEFAULT_HOME.alt_amsl_m - 4.0)
    result, _sim = await _check_source(Scenario(speedup=10.0), source)
    assert result.exception is None, result.output
    (line,) = [x for x in result.output.splitlines() if "home in fence" in x]
    assert line.split()[0] == "warn"  # 4 m: within what is allowed, yet worth saying
    said = "its altitude 4.0 m above plannedHomePosition's: 3 items given above mean sea level"
    assert said in line
    assert "fly that much above the file's heights (refused beyond 10 m)" in line


@pytest.mark.parametrize("firmware", [Firmware.PX4, Firmware.ARDUPILOT])
async def test_a_plan_command_the_autopilot_refuses_is_named_before_anything_is_sent(
    tmp_path, firmware
):
    """A camera trigger interval (214), as QGroundControl's camera section writes it: PX4 takes
    it, ArduCopter refuses it on upload. Preflight names the item for ArduPilot before sending
    anything; PX4 takes the mission."""
    doc = plan_document(plan_file(EXAMPLES / "hotspots.toml").missions[0])
    items = doc["mission"]["items"]
    trigger = {
        "type": "SimpleItem",
        "command": 214,
        "frame": 2,
        "params": [2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        "autoContinue": True,
        "doJumpId": len(items) + 1,
    }
    items.insert(2, trigger)
    source = tmp_path / "trigger.plan"
    source.write_text(json.dumps(doc))
    result, sim = await _check_source(Scenario(speedup=10.0, autopilot=firmware), source)
    if firmware is Firmware.PX4:
        assert result.exception is None, result.output
        assert "mission read back" in result.output
        return
    error = result.exception
    assert isinstance(error, PreflightError), result.output
    assert str(error) == (
        "preflight check 'mission' failed: ArduPilot does not take item 3 MAV_CMD 214 "
        "(DO_SET_CAM_TRIGG_INTERVAL) in a mission (it refuses the upload); remove it in "
        "QGroundControl or fly the plan on an autopilot that does; patrol sent the vehicle nothing"
    )
    assert all(not items for items in sim.vehicles[0].ap.store.items.values())


async def test_a_mission_without_rally_points_gets_home_as_its_one(tmp_path):
    mission = replace(plan_file(EXAMPLES / "hotspots.toml").missions[0], rally=())
    source = tmp_path / "no-rally.plan"
    source.write_text(plan_text(mission))
    ports = make_ports()
    sim = Simulation(Scenario(speedup=10.0), ports)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, ["check", str(source), "--vehicle", url])
        tg.cancel_scope.cancel()
    assert result.exception is None, result.output
    ap = sim.vehicles[0].ap
    (rally,) = ap.store.items[MissionType.RALLY]
    assert (rally.x, rally.y) == (
        round(mission.home.lat_deg * 1e7),
        round(mission.home.lon_deg * 1e7),
    )
    assert ap.params["RTL_RETURN_ALT"] == pytest.approx(40.0)  # returns at the patrol altitude
    assert "rally points read back: 1 item identical" in result.output  # never "1 items"


async def test_a_vehicle_far_from_the_planned_home_is_refused_before_anything_is_sent():
    """Inside the zone but 200 m from where the plan starts: the autopilot would take its home
    there on arming, and every return the planner checked starts from the planned home."""
    aside = GeoPoint(DEFAULT_HOME.lat_deg + 0.0018, DEFAULT_HOME.lon_deg, DEFAULT_HOME.alt_amsl_m)
    scenario = replace(Scenario(speedup=10.0), vehicles=(VehicleSpec(home=aside),))
    result, sim = await _check(scenario)
    assert isinstance(result.exception, PreflightError)
    assert "m from the planned home" in str(result.exception)
    assert "carry it there, or plan from where it stands" in str(result.exception)
    assert all(not items for items in sim.vehicles[0].ap.store.items.values())


async def test_an_area_written_lat_lon_throughout_is_named_when_the_vehicle_stands_there_swapped(
    tmp_path,
):
    """Every position written [lat, lon] plans consistently somewhere else on the globe; where
    the vehicle stands at the planned home with latitude and longitude exchanged, the refusal
    says the area file's coordinates look swapped."""
    real = LatLon(45.0, 10.0)  # where the pilot is; the file says [45, 10], read as lon 45
    doc = collection(polygon_feature(square(400.0, -200.0, -200.0)), home_feature())
    shifted = json.loads(json.dumps(doc))
    for feature in shifted["features"]:
        geometry = feature["geometry"]
        is_point = geometry["type"] == "Point"
        for pos in [geometry["coordinates"]] if is_point else geometry["coordinates"][0]:
            # the outline drawn around ORIGIN, moved to where the pilot is, written [lat, lon]
            lon = pos[0] - ORIGIN.lon_deg + real.lon_deg
            lat = pos[1] - ORIGIN.lat_deg + real.lat_deg
            pos[0], pos[1] = lat, lon
    spec = write_spec(tmp_path, write_area(tmp_path, shifted))
    stands = GeoPoint(real.lat_deg, real.lon_deg, DEFAULT_HOME.alt_amsl_m)
    scenario = replace(Scenario(speedup=10.0), vehicles=(VehicleSpec(home=stands),))
    result, sim = await _check_source(scenario, spec)
    assert isinstance(result.exception, PreflightError), result.output
    assert "the area file's coordinates look swapped" in str(result.exception)
    assert all(not items for items in sim.vehicles[0].ap.store.items.values())
    # and a vehicle standing elsewhere is not told so
    aside = GeoPoint(real.lat_deg + 0.01, real.lon_deg, DEFAULT_HOME.alt_amsl_m)
    scenario = replace(Scenario(speedup=10.0), vehicles=(VehicleSpec(home=aside),))
    result, _sim = await _check_source(scenario, spec)
    assert isinstance(result.exception, PreflightError), result.output
    assert "swapped" not in str(result.exception)


async def test_a_vehicle_some_way_from_the_planned_home_passes_with_a_warning():
    """25 m off: within what preflight allows, but likely the wrong launch spot."""
    aside = GeoPoint(DEFAULT_HOME.lat_deg + 0.000225, DEFAULT_HOME.lon_deg, DEFAULT_HOME.alt_amsl_m)
    scenario = replace(Scenario(speedup=10.0), vehicles=(VehicleSpec(home=aside),))
    result, _sim = await _check(scenario)
    assert result.exception is None, result.output
    (line,) = [x for x in result.output.splitlines() if "home in fence" in x]
    assert line.split()[0] == "warn"
    assert "25 m from the planned home" in line
    assert "beyond 50 m preflight refuses" in line


@pytest.mark.parametrize("firmware", [Firmware.PX4, Firmware.ARDUPILOT])
async def test_failsafe_exemptions_are_cleared_and_other_bits_kept(firmware):
    """PX4's COM_DLL_EXCEPT and ArduPilot's FS_OPTIONS can exempt a mission from the link-loss
    failsafe: those bits are cleared, the pilot's other choices in the mask are kept."""
    name, before, after = (
        ("COM_DLL_EXCEPT", 0b111, 0b100)
        if firmware is Firmware.PX4
        else ("FS_OPTIONS", 0b10010, 0b10000)
    )
    scenario = Scenario(speedup=10.0, autopilot=firmware)
    ports = make_ports()
    sim = Simulation(scenario, ports)
    sim.vehicles[0].ap.params[name] = float(before)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, ["check", SPEC, "--vehicle", url])
        tg.cancel_scope.cancel()
    assert result.exception is None, result.output
    assert sim.vehicles[0].ap.params[name] == after
    assert f"{name}={after:#b}" in result.output


@pytest.mark.parametrize("zones", [1, 2])
async def test_arducopters_inclusion_areas_are_made_a_union_and_other_options_kept(tmp_path, zones):
    """ArduPilot keeps a vehicle inside every inclusion area at once unless FENCE_OPTIONS bit 1
    is set; patrol, like PX4, means inside any one: for a fence of two zones the bit is set and
    the pilot's others kept; for one zone FENCE_OPTIONS is left alone."""
    doc = plan_document(plan_file(EXAMPLES / "hotspots.toml").missions[0])
    if zones == 2:  # a second zone 2 km east, as a .plan of two separate blocks carries it
        first = next(p for p in doc["geoFence"]["polygons"] if p["inclusion"])
        doc["geoFence"]["polygons"].append(
            {**first, "polygon": [[lat, lon + 0.02] for lat, lon in first["polygon"]]}
        )
    source = tmp_path / "zones.plan"
    source.write_text(json.dumps(doc))
    scenario = Scenario(speedup=10.0, autopilot=Firmware.ARDUPILOT)

    def preset(s: Simulation) -> None:
        s.vehicles[0].ap.params["FENCE_OPTIONS"] = float(0b101)

    result, sim = await _check_source(scenario, source, preset)
    assert result.exception is None, result.output
    if zones == 2:
        assert sim.vehicles[0].ap.params["FENCE_OPTIONS"] == 0b111
        said = "FENCE_OPTIONS=0b111 (several inclusion areas: inside any one of them)"
        assert said in result.output
    else:
        assert sim.vehicles[0].ap.params["FENCE_OPTIONS"] == 0b101
        assert "FENCE_OPTIONS" not in result.output


@pytest.mark.parametrize("flying", [False, True], ids=["armed", "flying"])
async def test_a_vehicle_found_armed_or_flying_is_told_so_and_left_alone(flying):
    """Armed (by its pilot or another ground station) or in the air: which of the two, what to
    do, and that patrol sent nothing, never "the vehicle was not armed"."""
    ports = make_ports()
    sim = Simulation(Scenario(speedup=10.0), ports)
    ap = sim.vehicles[0].ap
    ap.params["COM_DISARM_PRFLT"] = 1e6  # armed and idle, it stays armed meanwhile
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        gcs = await open_gcs(sim, "gcs")  # another ground station, on its own port
        try:
            await gcs.heartbeat()
            assert await gcs.command(400, 1) == 0  # arm
            if flying:
                assert await gcs.command(22, *[math.nan] * 7) == 0  # take off
                in_air = 2  # MAV_LANDED_STATE_IN_AIR, as the vehicle reports it
                await gcs.recv("EXTENDED_SYS_STATE", 10, lambda m: m.landed_state == in_air)
            result = await CliRunner().invoke(cli, ["check", SPEC, "--vehicle", url])
        finally:
            await gcs.sock.aclose()
            tg.cancel_scope.cancel()
    error = result.exception
    assert isinstance(error, PreflightError), result.output
    assert exit_code_of(error) is Exit.REFUSED
    text = str(error)
    assert "not armed" not in text
    assert text.endswith("; patrol sent the vehicle nothing")
    assert ("the vehicle is flying; land it and let it disarm" in text) is flying
    assert ("the vehicle is already armed on the ground" in text) is not flying
    assert all(not items for items in ap.store.items.values())
    assert ap.armed


def _dense_fence_plan(tmp_path, vertices: int = 1_075):
    """The hot-spot round as a .plan whose inclusion has `vertices` vertices: a fence drawn
    elsewhere, too big for either autopilot."""
    document = plan_document(plan_file(EXAMPLES / "hotspots.toml").missions[0])
    outline = document["geoFence"]["polygons"][0]["polygon"]
    per_edge = -(-vertices // len(outline))
    dense = [
        [a[0] + (b[0] - a[0]) * k / per_edge, a[1] + (b[1] - a[1]) * k / per_edge]
        for a, b in zip(outline, outline[1:] + outline[:1], strict=True)
        for k in range(per_edge)
    ][:vertices]
    document["geoFence"]["polygons"][0]["polygon"] = dense
    path = tmp_path / "dense.plan"
    path.write_text(json.dumps(document))
    return path


async def _check_source(scenario: Scenario, source, preset=None):
    ports = make_ports()
    sim = Simulation(scenario, ports)
    if preset is not None:
        preset(sim)
    url = f"udpin://127.0.0.1:{ports.api_remote_base}"
    async with anyio.create_task_group() as tg:
        await tg.start(sim.serve)
        result = await CliRunner().invoke(cli, ["check", str(source), "--vehicle", url])
        tg.cancel_scope.cancel()
    return result, sim


@pytest.mark.parametrize(
    ("firmware", "store"),
    [
        (Firmware.PX4, "PX4 holds 64 fence items"),
        (Firmware.ARDUPILOT, "it said: Only 70 items are supported); ArduPilot holds 70 fence"),
    ],
)
async def test_a_fence_the_vehicle_cannot_hold_is_one_line_with_the_counts(
    tmp_path, firmware, store
):
    """MAV_MISSION_NO_SPACE, as the real autopilots answer a MISSION_COUNT beyond their store."""
    source = _dense_fence_plan(tmp_path)
    result, sim = await _check_source(Scenario(speedup=10.0, autopilot=firmware), source)
    assert isinstance(result.exception, TransferError)
    message = str(result.exception)
    assert message.startswith("fence upload failed: the vehicle cannot hold 1,0")
    assert "fence items (MAV_MISSION_NO_SPACE" in message
    assert store in message
    assert "\n" not in message
    (line,) = [x for x in result.output.splitlines() if "FAIL" in x]
    assert "[patrol] autopilot" in line  # said as text, not taken for markup
    assert not sim.vehicles[0].ap.store.items[MissionType.FENCE]
    assert not sim.vehicles[0].ap.armed


async def test_a_transfer_error_is_one_line_without_object_reprs(tmp_path, monkeypatch):
    """MAVSDK's MissionRawError prints the call's arguments: for a 1,075-vertex fence, 85,000
    characters of `MissionItem object at 0x...`. None of it reaches the pilot, who reads the
    counts instead (1,081 items: the outline's 1,075, the river's 5, the helipad circle)."""
    from mavsdk.plugins.mission_raw import MissionRaw, MissionRawError, MissionRawResult

    def refuse(self, items, callback, user_data=None):
        raise MissionRawError(MissionRawResult.TOO_MANY_MISSION_ITEMS, "upload_geofence()", items)

    monkeypatch.setattr(MissionRaw, "upload_geofence_async", refuse)
    source = _dense_fence_plan(tmp_path)
    result, sim = await _check_source(Scenario(speedup=10.0), source)
    assert isinstance(result.exception, TransferError)
    message = str(result.exception)
    assert message.startswith("fence upload failed: the vehicle cannot hold 1,081 fence items")
    for text in (message, result.output):
        assert "object at 0x" not in text
        assert "MissionItem" not in text
    (line,) = [x for x in result.output.splitlines() if "FAIL" in x]
    assert len(line) < 400
    assert not sim.vehicles[0].ap.armed
