"""`patrol sim` as a subprocess, its output read line by line as it comes, and free ports for it
to move to with `--base-port`."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time

from sim.ports import (
    LOWEST_BASE_PORT,
    free_tcp_port,
    highest_base_port,
    is_free,
    ports_from_base,
)

PATROL = (sys.executable, "-m", "patrol")
PYTHON_M_SIM = (sys.executable, "-m", "sim")
#: The line `patrol sim` prints once everything listens.
READY = "Ctrl-C stops"


def free_base(vehicles: int = 1) -> int:
    """A `--base-port` whose every listening port is free now (best effort, as all free-port
    picking is)."""
    for _ in range(200):
        base = free_tcp_port()
        if not LOWEST_BASE_PORT <= base <= highest_base_port(vehicles):
            continue
        ports = ports_from_base(base)
        udp = [ports.api_local(i) for i in range(vehicles)]
        udp += [ports.gcs_local(i) for i in range(vehicles)]
        tcp = [base + i for i in range(vehicles)]
        if all(is_free(p) for p in udp) and all(is_free(p, socket.SOCK_STREAM) for p in tcp):
            return base
    raise RuntimeError("no free base port on loopback")


class SimProcess:
    """`patrol sim ARGS` (or another command line) running until `stop()`: SIGINT, then its
    exit code and the rest of its output."""

    def __init__(self, *args: object, command: tuple[str, ...] = (*PATROL, "sim")) -> None:
        self.proc = subprocess.Popen(
            [*command, *(str(a) for a in args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self._err.extend(self.proc.stderr)

    def wait_for(self, text: str, within_s: float = 60.0) -> str:
        """Everything printed up to the first line holding `text` (fails if it ends first)."""
        deadline = time.monotonic() + within_s
        while not any(text in line for line in self.lines):
            line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"ended before {text!r}: {''.join(self.lines)}")
            self.lines.append(line)
        return "".join(self.lines)

    def stop(self) -> tuple[int, str]:
        """Ctrl-C it; its exit code and what it said on stderr (`lines` gets the rest of its
        output)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        while not self._queue.empty():
            line = self._queue.get_nowait()
            if line is not None:
                self.lines.append(line)
        return self.proc.returncode, "".join(self._err)

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
