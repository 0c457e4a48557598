"""Strict JSON field types for the files patrol reads (QGC .plan, GeoJSON properties).

JSON says what a value is: `true` is not `"true"`, `2` is not `"2"`. Python's `bool("false")` is
True and `isinstance(True, int)` holds, so a loose reader turns the string "false" into an
inclusion fence and `true` into a radius of 1 m. Each reader here takes exactly one JSON type
and names the field, what came and what to write instead, in one line.
"""

from __future__ import annotations

import json
import math
from typing import Any

from geofence.errors import AreaError


def describe(raw: Any) -> str:
    """A JSON value as the pilot wrote it: `the string "false"`, `true`, `null`, `[...]`."""
    if isinstance(raw, str):
        return f'the string "{raw}"'
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "an object"
    return repr(raw)


def is_number(raw: Any) -> bool:
    """A JSON number (never a boolean), finite."""
    return isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)


def _unquote(raw: Any) -> str:
    """The mend for a number written as a string: the same digits without the quotes."""
    if isinstance(raw, str):
        try:
            float(raw)
        except ValueError:
            return ""
        return f"; write {raw.strip()} without quotes"
    return ""


def number(raw: Any, *, path: str, feature: str, what: str) -> float:
    if not is_number(raw):
        raise AreaError(
            f"{what} must be a number, got {describe(raw)}{_unquote(raw)}",
            path=path,
            feature=feature,
        )
    return float(raw)


def integer(raw: Any, *, path: str, feature: str, what: str) -> int:
    """A JSON whole number (2 or 2.0; not "2", not true)."""
    if not is_number(raw) or float(raw) != int(raw):
        raise AreaError(
            f"{what} must be a whole number, got {describe(raw)}{_unquote(raw)}",
            path=path,
            feature=feature,
        )
    return int(raw)


def boolean(raw: Any, *, path: str, feature: str, what: str) -> bool:
    if not isinstance(raw, bool):
        raise AreaError(
            f"{what} must be true or false (a JSON boolean, without quotes), got {describe(raw)}",
            path=path,
            feature=feature,
        )
    return raw


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; write null for a value left unset")


def loads(text: str, *, path: str) -> Any:
    """A JSON document, refusing NaN and Infinity (Python reads them; JSON has no such values)."""
    try:
        return json.loads(text, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise AreaError(
            f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", path=path
        ) from exc
    except ValueError as exc:
        raise AreaError(f"not valid JSON: {exc}", path=path) from exc
