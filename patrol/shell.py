"""Commands printed for the pilot to paste: they must run from the shell they are printed in.

`make demo` runs `.venv/bin/patrol`, and a shell outside the venv has no `patrol` on its PATH,
so a printed `patrol …` would fail there. The running executable is named instead, relative to
the working directory when it lies inside it (`.venv/bin/patrol`), else by its absolute path.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

SCRIPT = "patrol"


def patrol_command(
    argv0: str | None = None, python: str | None = None, cwd: Path | None = None
) -> str:
    """How to run this `patrol` again from a shell in `cwd`: the `patrol` script that is
    running (`sys.argv[0]`), else the one beside this Python (`sys.executable`: a run from
    `python -m patrol` or from a test), else `python -m patrol`."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    python = sys.executable if python is None else python
    here = Path.cwd() if cwd is None else cwd
    script = _absolute(argv0, here)
    if script.name != SCRIPT or not _runnable(script):
        script = _absolute(python, here).parent / SCRIPT
    if _runnable(script):
        return shlex.quote(shell_path(script, here))
    return f"{shlex.quote(shell_path(_absolute(python, here), here))} -m patrol"


def command_line(program: str, *args: str | Path) -> str:
    """`program` (already quoted, as `patrol_command` gives it) and `args`, quoted for a
    POSIX shell."""
    return " ".join([program, *(shlex.quote(str(a)) for a in args)])


def shell_path(path: Path, cwd: Path) -> str:
    """`path` as a shell runs it from `cwd`: relative when inside `cwd` (with `./` when it is
    a bare name, which the shell would look up on the PATH), else absolute."""
    try:
        relative = path.relative_to(cwd)
    except ValueError:
        return str(path)
    text = str(relative)
    return text if os.sep in text else f".{os.sep}{text}"


def _absolute(path: str, cwd: Path) -> Path:
    """`path` made absolute against `cwd` without resolving symlinks: a venv's `bin/python`
    is a link to the system's, and only the link's own path is the venv's."""
    return Path(os.path.normpath(cwd / path))


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
