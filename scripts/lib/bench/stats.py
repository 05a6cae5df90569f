"""Medians, percentiles and paired ratios: the only figures the benchmark quotes.

Why medians and paired ratios: a shared machine drifts (other work, CPU frequency), and a
drift hits both clients of a pair alike when they are measured in turns, one right after
the other; the median of the per-pair ratios then keeps the comparison and drops the drift.
"""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """Return the median, or NaN for no values."""
    return statistics.median(values) if values else math.nan


def mean(values: Sequence[float]) -> float:
    """Return the mean, or NaN for no values."""
    return statistics.fmean(values) if values else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """Return the `q`-th percentile (0-100) by nearest rank, or NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def paired_ratio(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """Return the median of ours[i] / theirs[i] over pairs with a positive denominator."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True) if b > 0]
    return median(ratios)


def in_turns[T](items: list[T], turn: int) -> list[T]:
    """Return `items` forwards on even turns, backwards on odd ones: none always goes first."""
    return items if turn % 2 == 0 else items[::-1]
