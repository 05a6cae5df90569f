"""What one control step of the power budget costs for a large farm (issue 23: <= 1 ms for 500).

A farm of 500 ideal members on a virtual clock, one step every 5 s through a day-like budget
that rises, falls and dips, so steps that re-share, start and stop are among those timed. The
members follow every decision at once. Only `BudgetAllocator.step()` is timed (with
`time.perf_counter`); building the readings is the caller's work. Prints the median.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

from .budget_load import budget_api

MEMBERS = 500
STEPS = 2000
STEP_S = 5.0


def _budget(second: float, full_w: float) -> float:
    """Return a slow bell with a dip every few minutes."""
    bell = math.sin(math.pi * min(1.0, second / (STEPS * STEP_S)))
    dip = 0.5 if int(second // 240) % 3 == 0 else 1.0
    return full_w * 0.9 * bell * dip


def step_timings(members: int = MEMBERS, steps: int = STEPS) -> list[float]:
    """Seconds per step for `steps` steps of a farm of `members`."""
    api: Any = budget_api()
    full = [3000.0 + 500 * (i % 3) for i in range(members)]
    jth = [18.0 + (i * 7919 % 1000) / 50 for i in range(members)]
    mining = [False] * members
    percent = [100] * members
    index = {f"m{i}": i for i in range(members)}
    allocator = api.BudgetAllocator(api.BudgetSettings())
    timings = []
    for n in range(steps):
        now = n * STEP_S
        readings = [
            api.MemberReading(
                key=f"m{i}",
                available=True,
                mining=mining[i],
                power_w=full[i] * percent[i] / 100 if mining[i] else 10.0,
                hashrate_ths=None,
                percent=percent[i],
                ramping=False,
                full_power_w=full[i],
                efficiency_jth=jth[i],
            )
            for i in range(members)
        ]
        budget = api.Budget(_budget(now, sum(full)), now)
        started = time.perf_counter()
        plan = allocator.step(now, budget, readings)
        timings.append(time.perf_counter() - started)
        for decision in plan.decisions:
            i = index[decision.key]
            if decision.action is api.Action.STOP:
                mining[i] = False
            else:
                mining[i], percent[i] = True, decision.percent
    return timings


def report(members: int = MEMBERS, steps: int = STEPS) -> str:
    """One line: the median step time, with the 90th percentile and the largest."""
    timings = sorted(step_timings(members, steps))
    median = statistics.median(timings) * 1000
    p90 = timings[int(len(timings) * 0.9)] * 1000
    return (
        f"one control step for {members} miners: median {median:.3f} ms"
        f" (90th percentile {p90:.3f} ms, largest {timings[-1] * 1000:.3f} ms, {steps} steps)"
    )
