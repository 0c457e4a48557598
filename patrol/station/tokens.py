"""Bearer tokens: who may post to the station and who may read it.

The tokens file has one token per line, `ROLE NAME TOKEN`, `#` for comments:

    vehicle  drone-1   4f0c...        # may post hits and flight logs, read nothing
    staff    duty-desk 9a71...        # may read hits, snapshots and flights, post nothing

`patrol station token` appends a new random token. The station keeps only their SHA-256, so
a token is compared by lookup, not character by character.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from geofence.words import plural
from patrol.errors import StationError


class Role(Enum):
    VEHICLE = "vehicle"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Holder:
    role: Role
    name: str


class TokensError(StationError):
    """A tokens file, or a token holder's name, that cannot be used."""


MIN_TOKEN_CHARS = 16


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    def __init__(self, holders: dict[str, Holder]) -> None:
        self._by_digest = holders

    def __len__(self) -> int:
        return len(self._by_digest)

    def holder(self, token: str) -> Holder | None:
        return self._by_digest.get(_digest(token))

    @classmethod
    def load(cls, path: Path) -> Tokens:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise TokensError(
                f"{path}: cannot read the tokens file ({exc.strerror}); "
                f"make one with: patrol station token --tokens {path} --role staff --name desk"
            ) from None
        holders: dict[str, Holder] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            where = f"{path}:{number}"
            if len(parts) != 3:
                raise TokensError(
                    f"{where}: expected ROLE NAME TOKEN, got {plural(len(parts), 'word')}"
                )
            role_text, name, token = parts
            try:
                role = Role(role_text.lower())
            except ValueError:
                raise TokensError(f"{where}: role {role_text!r} is not vehicle or staff") from None
            if len(token) < MIN_TOKEN_CHARS:
                raise TokensError(
                    f"{where}: token of {name} is shorter than {MIN_TOKEN_CHARS} characters; "
                    "make one with patrol station token"
                )
            if _digest(token) in holders:
                raise TokensError(f"{where}: token of {name} is already given to another holder")
            holders[_digest(token)] = Holder(role, name)
        if not holders:
            raise TokensError(
                f"{path}: no tokens; add one with: patrol station token --tokens {path} "
                "--role staff --name desk"
            )
        return cls(holders)


def add_token(path: Path, role: Role, name: str) -> str:
    """Append a new random token for `name` to the tokens file, which holds tokens in the clear
    (the station keeps only their digests in memory): a new file is made private (0600), an
    existing one keeps its mode."""
    if not name or any(c.isspace() for c in name) or "#" in name:
        raise TokensError(f"--name {name!r}: one word without spaces or '#'")
    token = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a new file is private from its first byte (made 0600, not chmod-ed after the token is in)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open(fd, "a", encoding="utf-8") as out:
        out.write(f"{role.value} {name} {token}\n")
    return token
