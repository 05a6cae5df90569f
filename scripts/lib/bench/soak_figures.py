"""The soak's figures from what it recorded: memory trend, flatness, recovery, energy.

Pure, so the smoke test checks each rule on made-up samples. The rules:

* RSS growth: the least-squares slope of resident memory over the samples after the warm-up,
  as a percentage of the fitted value at the warm-up's end, per hour. A slope over the whole
  window, not end minus start, so that one collection at the wrong moment does not decide it.
* Flat (descriptors, tasks): the median of the window's last quarter of samples is at most
  FLAT_SLACK above the median of its first quarter (FLAT_SLACK_SHARE of it when that is more):
  faults open and close connections and tasks all the time; what must not happen is a level
  that keeps rising.
* Right again: the first moment from the fault's end on at which Home Assistant shows the
  miner answering (Status starting, ramping or mining), showing the restart where the fault
  restarted btminer (Uptime at or after the fault began), and showing what the fault changed
  (address, firmware, a fixed password) where it changed something. Never, if that does not
  happen before the miner's next fault or the end of the run.
* Energy: a sensor's numeric states in order; every step down counts.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
import itertools
import math
from typing import TYPE_CHECKING

from . import stats

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .soak_watch import Series

ANSWERING = frozenset({"starting", "ramping", "mining"})
UPTIME_SLACK_S = 2.0  # Uptime has whole seconds, and its "now - elapsed" wobbles
FLAT_SLACK = 5
FLAT_SLACK_SHARE = 0.05
SECONDS_PER_HOUR = 3600.0


def value_at(series: Series, when: float) -> str | None:
    """Return the state the series had at ``when`` (None before its first state)."""
    index = bisect.bisect_right([at for at, _ in series], when) - 1
    return series[index][1] if index >= 0 else None


def _timestamp(state: str | None) -> float | None:
    """Return a timestamp sensor's state as time.time() seconds (None: not a time)."""
    try:
        return datetime.fromisoformat(state or "").timestamp()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Recovery:
    """One fault as the figures need it (times in time.time() seconds)."""

    started: float
    ended: float
    until: float  # the miner's next fault, or the end of the run
    restarts_btminer: bool
    needs_settling: bool
    settled: float | None


def right_again(status: Series, uptime: Series, fault: Recovery) -> float | None:
    """Return how long after the fault's end the miner was right again (None: never)."""
    if fault.needs_settling and fault.settled is None:
        return None
    not_before = max(fault.ended, fault.settled or fault.ended)
    moments = sorted(
        {fault.ended, not_before}
        | {at for at, _ in (*status, *uptime) if fault.ended < at <= fault.until}
    )
    for moment in moments:
        if moment < not_before or moment > fault.until:
            continue
        if value_at(status, moment) not in ANSWERING:
            continue
        btminer_started = _timestamp(value_at(uptime, moment))
        if fault.restarts_btminer and (
            btminer_started is None or btminer_started < fault.started - UPTIME_SLACK_S
        ):
            continue
        return moment - fault.ended
    return None


def growth_per_hour(points: Sequence[tuple[float, float]]) -> float:
    """Return the least-squares growth of the values, in % of the first fitted value per hour."""
    if len(points) < 2:  # noqa: PLR2004 - a slope needs two points
        return math.nan
    times = [at for at, _ in points]
    values = [value for _, value in points]
    mean_t, mean_v = stats.mean(times), stats.mean(values)
    spread = sum((at - mean_t) ** 2 for at in times)
    if spread == 0:
        return math.nan
    slope = sum((at - mean_t) * (v - mean_v) for at, v in points) / spread
    start = mean_v + slope * (times[0] - mean_t)
    return 100 * slope * SECONDS_PER_HOUR / start


@dataclass(frozen=True, slots=True)
class Trend:
    """A count over the samples: where it started and ended, its peak, and whether it is flat."""

    samples: int
    start: float
    end: float
    peak: float
    median: float
    first_quarter: float
    last_quarter: float

    @property
    def flat(self) -> bool:
        """Whether the last quarter's median is within the slack of the first quarter's."""
        slack = max(FLAT_SLACK, FLAT_SLACK_SHARE * self.first_quarter)
        return self.last_quarter <= self.first_quarter + slack


def trend(values: Sequence[float]) -> Trend:
    """Return the trend of a series of samples (at least one)."""
    quarter = max(1, len(values) // 4)
    return Trend(
        samples=len(values),
        start=values[0],
        end=values[-1],
        peak=max(values),
        median=stats.median(values),
        first_quarter=stats.median(values[:quarter]),
        last_quarter=stats.median(values[-quarter:]),
    )


def energy_steps_down(series: Series) -> tuple[int, int]:
    """Return how many numeric states the energy series has, and how many went down."""
    readings = []
    for _, state in series:
        try:
            readings.append(float(state))
        except ValueError:
            continue  # unavailable, unknown, removed
    down = sum(1 for before, after in itertools.pairwise(readings) if after < before)
    return len(readings), down
