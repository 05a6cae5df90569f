r"""Junk-tolerant readers for single reply values: every value that enters a model passes one.

Firmware puts numbers in strings (``"6976"``), wraps strings in quotes
(``"'20210322.22.REL'"``), and sends ``""`` or ``-1`` for "unknown"; a broken reply may
hold anything JSON can: a list where a number belongs, ``NaN``, ``1e308``, a lone
surrogate escape (``"\ud800"``). These helpers turn one raw JSON value into a clean
Python value or None, and never raise. What they return is safe to store, serialise and
compute with: strings are valid Unicode, numbers are finite and far from overflowing,
and a quantity that cannot be negative never is.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_MAGNITUDE: Final = 10**15
"""The largest number a reading may be, either sign. No Whatsminer quantity comes near it
(hash rates in MH/s reach 10^9, "no power limit" is 2^31 - 1), so sums, means and ratios
of readings stay far from float overflow; and every integer up to it is exact in a float
and in the JavaScript of Home Assistant's frontend."""

_QUOTES = "'\""
_VERSION = re.compile(r"(\d{1,9}(?:\.\d{1,9})*)")
_UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
"""Control characters and lone surrogates. No reading holds one; a lone surrogate cannot
be encoded as UTF-8 at all, and NUL is refused by some databases."""


def text(value: object) -> str | None:
    """Return a non-empty string without surrounding whitespace and quotes.

    Characters that cannot be stored (:data:`_UNSTORABLE`) become U+FFFD, so the damage
    stays visible without breaking whoever stores the string.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if abs(value) <= MAX_MAGNITUDE else None
    if not isinstance(value, str):
        return None
    cleaned = _UNSTORABLE.sub("\ufffd", value.strip().strip(_QUOTES).strip())
    return cleaned or None


def number(value: object) -> float | None:
    """Return a float from a JSON number or a numeric string; None unless it is plausible.

    JSON numbers are unbounded (a 400-digit ``Power``) and Python's parser takes ``NaN``
    and ``Infinity``; anything not finite or beyond :data:`MAX_MAGNITUDE` is junk.
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
    return result if math.isfinite(result) and abs(result) <= MAX_MAGNITUDE else None


def amount(value: object) -> float | None:
    """Return a number that cannot be negative (power, hash rate, frequency).

    Firmware reports ``-1`` (or another negative) for "unknown"; that becomes None.
    """
    result = number(value)
    return result if result is not None and result >= 0 else None


def integer(value: object) -> int | None:
    """Return an int from a JSON number or a numeric string (``"12.0"`` gives 12)."""
    result = number(value)
    return None if result is None else round(result)


def count(value: object) -> int | None:
    """Return a whole number that cannot be negative (fan speed, seconds, shares, chips)."""
    result = amount(value)
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


def switch(value: object) -> bool | None:
    """Return a bool from a 0/1 switch: a number, a numeric string or a JSON bool."""
    if isinstance(value, bool):
        return value
    number = integer(value)
    return None if number not in (0, 1) else number == 1


def first_amount(row: Mapping[str, object], keys: tuple[str, ...]) -> float | None:
    """Return the first of ``keys`` in ``row`` that holds an amount.

    A key that says "unknown" (``-1``) or holds junk gives way to the next.
    """
    for key in keys:
        if (result := amount(row.get(key))) is not None:
            return result
    return None


def version(value: object) -> tuple[int, ...] | None:
    """Return the dotted numbers of a version string: ``"whatsminer v1.4.0"`` → (1, 4, 0)."""
    cleaned = text(value)
    match = _VERSION.search(cleaned) if cleaned else None
    return tuple(int(part) for part in match.group(1).split(".")) if match else None
