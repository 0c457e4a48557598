"""One error tree: every error class of the project is a PatrolError, and the tree drawn at the
top of geofence/errors.py is exactly the classes and parents there are."""

import importlib
import pkgutil
import re

import geofence.errors
from geofence.errors import PatrolError

PACKAGES = ("geofence", "missions", "patrol", "sim", "bench")


def _project_modules():
    for name in PACKAGES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not info.name.endswith("__main__"):  # running them runs the command line
                yield importlib.import_module(info.name)


def _project_errors() -> set[type[BaseException]]:
    found = set()
    for module in _project_modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__.split(".")[0] in PACKAGES
            ):
                found.add(value)
    return found


def _drawn() -> dict[str, str | None]:
    """Each class in the drawing and its parent (None for the root), from the indentation."""
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for line in (geofence.errors.__doc__ or "").splitlines():
        match = re.search(r"\b([A-Z]\w*Error)\b", line)
        if match is None or not re.fullmatch(r"[ │├└─]*", line[: match.start()]):
            continue
        depth = (match.start() - 4) // 4
        del path[depth:]
        parents[match.group(1)] = path[-1] if path else None
        path.append(match.group(1))
    return parents


def test_no_error_class_is_outside_the_root():
    outside = sorted(e.__qualname__ for e in _project_errors() if not issubclass(e, PatrolError))
    assert outside == []


def test_the_drawn_tree_is_the_tree_there_is():
    errors = {e.__name__: e for e in _project_errors()}
    actual = {
        name: (None if e is PatrolError else e.__base__.__name__) for name, e in errors.items()
    }
    assert _drawn() == actual
