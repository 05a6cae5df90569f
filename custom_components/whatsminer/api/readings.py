"""Readings both API generations derive alike from what a miner reports.

The generations name and scale their fields differently (``v2/models.py``, ``v3/models.py``);
what follows from the fields is the same: which of several sources wins, efficiency, the
chip temperatures of the whole miner, a MAC address. What counts as unknown in a single
value is :mod:`values`' job.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from . import values

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from .models import Board

NO_POWER_LIMIT_FROM: Final = 99_999
"""A power limit from here up means none is set: setting 99999 removes the limit, and v2
firmware reports INT_MAX (2147483647) when none was ever set."""

MIN_EFFICIENCY_HASHRATE: Final = 0.1
"""TH/s below which efficiency is None. While btminer ramps up (or winds down) the boards
draw kilowatts for a fraction of a TH/s, and power / hashrate would report thousands of
J/TH: true for that minute, but it would swamp the efficiency history."""

_MAC: Final = re.compile(r"[0-9A-F]{2}(?::[0-9A-F]{2}){5}")


def first_known[T](*candidates: T | None) -> T | None:
    """Return the first candidate that is not None (``or`` would skip a real zero)."""
    return next((candidate for candidate in candidates if candidate is not None), None)


def efficiency(power: float | None, hashrate: float | None) -> float | None:
    """Return J/TH, or None when either is unknown or hashing has barely begun."""
    if power is None or hashrate is None or hashrate < MIN_EFFICIENCY_HASHRATE:
        return None
    return power / hashrate


def _mean_temperature(temperatures: list[float]) -> float:
    """Average board temperatures the way the firmware rounds them."""
    return round(sum(temperatures) / len(temperatures), 2)


def chip_temperatures(
    summary: Mapping[str, object], keys: tuple[str, str, str], boards: Sequence[Board]
) -> tuple[float | None, float | None, float | None]:
    """Return the miner's chip temperatures (min, average, max).

    Each comes from the summary under its key (``keys`` names them in that order), or, where
    the summary lacks it, from the boards' values combined.
    """
    combined = (
        (keys[0], [board.chip_temp_min for board in boards], min),
        (keys[1], [board.chip_temp_avg for board in boards], _mean_temperature),
        (keys[2], [board.chip_temp_max for board in boards], max),
    )
    low, mean, high = (
        first_known(values.number(summary.get(key)), _combine(board_values, combine))
        for key, board_values, combine in combined
    )
    return low, mean, high


def _combine(
    board_values: list[float | None], combine: Callable[[list[float]], float]
) -> float | None:
    """Combine the boards' known values; None when no board knows one."""
    known = [value for value in board_values if value is not None]
    return combine(known) if known else None


def mac_address(value: object) -> str | None:
    """Return a MAC address upper-cased and colon-separated, or None if it is not one."""
    cleaned = values.text(value)
    if cleaned is None:
        return None
    normalised = cleaned.upper().replace("-", ":")
    return normalised if _MAC.fullmatch(normalised) else None
