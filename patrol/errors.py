"""Errors of the running side: the vehicle, start-up refusals, options, the station. The whole
tree, with these in it and the exit code of each branch, is drawn in geofence/errors.py.
"""

from __future__ import annotations

import re

from geofence.errors import PatrolError

#: The longest a message is said: a terminal line or two (`one_line`).
MOST_CHARACTERS = 300
_REPR = re.compile(r"<[^<>]*? object at 0x[0-9a-fA-F]+>")
_ELIDED_RUN = re.compile(r"\.\.\.(?:, \.\.\.)+")


def one_line(text: str, most: int = MOST_CHARACTERS) -> str:
    """`text` on one line, object reprs left out, cut at `most` characters.

    For text patrol did not write: an exception's arguments (MAVSDK's `MissionRawError` prints
    every `MissionItem` it was given, 80 characters an item), what an autopilot said.
    """
    flat = _ELIDED_RUN.sub("...", _REPR.sub("...", " ".join(text.split())))
    return flat if len(flat) <= most else flat[: most - 3].rstrip() + "..."


class OptionError(PatrolError):
    """Command-line options that cannot be used together as given (`option` names one)."""

    def __init__(self, message: str, *, option: str) -> None:
        self.option = option
        super().__init__(message)


class StationError(PatrolError):
    """The station's side: its tokens file, the wire schema, a request it refuses."""


class VehicleError(PatrolError):
    """The vehicle or the link to it: reported to the pilot, and nothing more is commanded."""


class LinkError(VehicleError):
    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(message)


class VehicleTimeoutError(VehicleError):
    def __init__(self, what: str, timeout_s: float) -> None:
        self.what = what
        self.timeout_s = timeout_s
        super().__init__(f"{what}: no answer from the vehicle within {timeout_s:g} s")


class CommandRejectedError(VehicleError):
    def __init__(self, command: str, result: str) -> None:
        self.command = command
        self.result = result
        super().__init__(f"the vehicle refused {command}: {result}")


class TransferError(VehicleError):
    def __init__(self, kind: str, result: str) -> None:
        self.kind = kind
        # one line, whatever it was built from (an exception's text may hold item reprs)
        self.result = one_line(result, 2 * MOST_CHARACTERS)
        super().__init__(f"{kind} failed: {self.result}")


class ReadbackMismatchError(VehicleError):
    def __init__(self, kind: str, index: int, detail: str) -> None:
        self.kind = kind
        self.index = index
        super().__init__(
            f"{kind} read back from the vehicle differs at item {index}: {detail}; "
            "nothing was armed: upload again, and check the link for corruption"
        )


class PreflightError(VehicleError):
    """A preflight check failed; `outcome` says what patrol left undone (for a vehicle found
    armed, "the vehicle was not armed" would contradict the reason)."""

    def __init__(self, check: str, reason: str, outcome: str = "the vehicle was not armed") -> None:
        self.check = check
        self.reason = reason
        super().__init__(f"preflight check '{check}' failed: {reason}; {outcome}")


class RefusedError(PatrolError):
    """Something the flight needs cannot work as given (a video that gives no frame, a model
    that does not run, a station token that is not a vehicle's): found at start-up, before
    anything is armed. `option` names the option or file to mend."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(f"{option}: {message}; nothing was armed")
