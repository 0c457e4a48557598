"""geofence/ and missions/ are pure: no event loop, no vehicle link, no terminal, no network."""

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
