"""geofence/ and missions/ are pure: no event loop, no vehicle link, no terminal, no network.
patrol/ (the product) imports neither the simulator nor what is composed around it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "asyncio",
    "anyio",
    "mavsdk",
    "rich",
    "socket",
    "asyncclick",
    "patrol",
    "sim",
    "cv2",
    "logging.handlers",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["geofence", "missions"])
def test_pure_packages_import_no_io(package):
    for path in (ROOT / package).rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN or n in FORBIDDEN}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_geofence_does_not_depend_on_missions():
    for path in (ROOT / "geofence").rglob("*.py"):
        assert not {n for n in _imports(path) if n.split(".")[0] == "missions"}, path


def test_only_the_frames_module_calls_pymap3d():
    users = [
        p.relative_to(ROOT).as_posix()
        for pkg in ("geofence", "missions", "patrol")
        for p in (ROOT / pkg).rglob("*.py")
        if "pymap3d" in _imports(p)
    ]
    assert users == ["geofence/frames.py"]


def test_the_product_does_not_import_the_simulator_or_its_composition():
    outside = {"sim", "bench", "patrol_app", "tests"}
    for path in (ROOT / "patrol").rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in outside}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_vehicle_link_is_passed_to_the_operation_not_imported():
    assert "patrol.mavsdk_vehicle" not in _imports(ROOT / "patrol" / "operation.py")


def test_sim_and_demo_are_patrol_commands_from_outside_the_product():
    from asyncclick import Context

    from patrol.cli import cli

    ctx = Context(cli)
    assert {"sim", "demo"} <= set(cli.list_commands(ctx))
    assert cli.get_command(ctx, "sim").callback.__module__ == "sim.cli"
    assert cli.get_command(ctx, "demo").callback.__module__ == "patrol_app.demo"
