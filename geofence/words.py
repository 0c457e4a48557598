"""Counted nouns in what patrol says: "1 item", "2 items", never "1 items".

Here, in the package every other one imports, so the pure planners word their messages as
the command line does.
"""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and its noun: `noun` for exactly one, else `nouns` (default: noun + "s")."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
