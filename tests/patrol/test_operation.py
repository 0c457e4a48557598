"""The operation is handed how to connect (a `Connect`), so a link that cannot be had is seen
without a vehicle: the start-up fails with the link's own error and the logs are closed."""

import io
import sqlite3
from contextlib import asynccontextmanager

import pytest
from rich.console import Console

from patrol.assign import from_source
from patrol.errors import LinkError
from patrol.operation import operate
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.anyio


async def test_a_vehicle_that_cannot_be_reached_ends_the_start_up_with_its_error(tmp_path):
    asked: list[tuple[str, float]] = []

    @asynccontextmanager
    async def unreachable(url, *, timeout_s):
        asked.append((url, timeout_s))
        raise LinkError(f"cannot open {url}: nothing there", url=url)
        yield  # an async generator, as every Connect is

    assignments = from_source(EXAMPLES / "hotspots.toml", ("udpin://127.0.0.1:9",), 1, None)
    with pytest.raises(LinkError, match="nothing there"):
        await operate(
            assignments,
            connect=unreachable,
            data_dir=tmp_path,
            console=Console(file=io.StringIO()),
            terminal_fd=None,
            timeout_s=2.5,
        )
    assert asked == [("udpin://127.0.0.1:9", 2.5)]
    (log,) = tmp_path.glob("*.sqlite")
    db = sqlite3.connect(log)  # closed by the operation: readable, nothing pending
    events = [kind for (kind,) in db.execute("SELECT kind FROM events")]
    db.close()
    assert "connected" not in events
    assert "armed" not in events
