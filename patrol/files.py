"""Writing output files whole or not at all: a crash or a bad input never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(outputs: dict[Path, str]) -> None:
    """Write every file via a temporary file and an atomic rename; all texts are ready first."""
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def numbered(path: Path, index: int, count: int) -> Path:
    """`path` itself for a single file, else `stem-<index>.suffix` (one file per sortie)."""
    return path if count == 1 else path.with_name(f"{path.stem}-{index}{path.suffix}")
