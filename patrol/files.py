"""Writing output files whole or not at all: a crash or a bad input never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from geofence.errors import PatrolError


def write_all(outputs: dict[Path, str]) -> None:
    """Write every file via a temporary file and an atomic rename; all texts are ready first.
    Each file gets the mode a plain write would give it (0666 less the umask), not the
    temporary file's private 0600: a plan is for sharing. A directory given as a file is a
    `PatrolError` naming it."""
    for path in outputs:
        if path.is_dir():
            raise PatrolError(f"{path}: is a directory; give a file name, e.g. {path / 'x'}")
    umask = os.umask(0)
    os.umask(umask)
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def numbered(path: Path, index: int, count: int) -> Path:
    """`path` itself for a single file, else `stem-<index>.suffix` (one file per sortie)."""
    return path if count == 1 else path.with_name(f"{path.stem}-{index}{path.suffix}")
