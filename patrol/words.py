"""Counts in words, as messages print them ("1 item", "3 items")."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and `noun`, the plural form (`nouns`, else noun + "s") unless it is one."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"
