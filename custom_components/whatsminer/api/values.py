"""Junk-tolerant readers for single reply values.

Firmware puts numbers in strings (``"6976"``), wraps strings in quotes
(``"'20210322.22.REL'"``), and sends ``""`` or ``-1`` for "unknown". These helpers
turn one raw JSON value into a clean Python value or None; they never raise.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

_QUOTES = "'\""
_VERSION = re.compile(r"(\d{1,9}(?:\.\d{1,9})*)")


def text(value: object) -> str | None:
    """Return a non-empty string without surrounding whitespace and quotes."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        return None
    cleaned = value.strip().strip(_QUOTES).strip()
    return cleaned or None


def number(value: object) -> float | None:
    """Return a finite float from a JSON number or a numeric string.

    JSON integers are unbounded: one too large for a float (a 400-digit ``Power``)
    is junk like any other.
    """
    if isinstance(value, bool):
        return None
    raw = value if isinstance(value, int | float) else text(value)
    if raw is None:
        return None
    try:
        result = float(raw)
    except (ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def integer(value: object) -> int | None:
    """Return an int from a JSON number or a numeric string (``"12.0"`` gives 12)."""
    result = number(value)
    return None if result is None else round(result)


def flag(value: object, *, true: str, false: str) -> bool | None:
    """Return a bool from a two-word string flag, e.g. ``"enable"``/``"disable"``."""
    cleaned = text(value)
    if cleaned is None:
        return None
    cleaned = cleaned.lower()
    if cleaned == true:
        return True
    if cleaned == false:
        return False
    return None


def boolean(value: object) -> bool | None:
    """Return a bool from a JSON bool or a ``"true"``/``"false"`` string."""
    if isinstance(value, bool):
        return value
    return flag(value, true="true", false="false")


def first_number(row: Mapping[str, object], keys: tuple[str, ...]) -> float | None:
    """Return the first of ``keys`` in ``row`` that holds a number."""
    for key in keys:
        if (result := number(row.get(key))) is not None:
            return result
    return None


def version(value: object) -> tuple[int, ...] | None:
    """Return the dotted numbers of a version string: ``"whatsminer v1.4.0"`` → (1, 4, 0)."""
    cleaned = text(value)
    match = _VERSION.search(cleaned) if cleaned else None
    return tuple(int(part) for part in match.group(1).split(".")) if match else None
