"""A clairvoyant upper bound for `scripts/bench --budget`: what no controller can beat.

    PYTHONPATH=.:scripts/lib .venv/bin/python -m bench.budget_bound [--miners 3,20] ...

For the bench's days (budget.py's `_day`, the same farm units, the same usable surplus from
`fair_usable`, 05:00-21:00) it asks: knowing the whole day in advance, how much of the usable
surplus could a farm of these miners turn into mining while causing at most X % import (of
the farm's energy, idle included, as the bench counts it) and starting each miner at most 6
times a day, if every miner keeps its minimum on time (10 min) and minimum off time (5 min)
and starts are 30 s apart (the issue's protections)?

The physics is optimistic on purpose: a miner starts at once at any power between its lowest
step (MIN_PERCENT) and full, follows any change at once, and the meter and polls have no
delay; a miner that is ramping after a start may draw anything from idle to full, and one that
starts or stops within a step may do so at whichever second suits it best. The farm's
units are merged optimistically too: j miners on reach from the sum of the j lowest lowest
steps to the sum of the j highest full powers, and the stopped ones draw between the least
and the most idle power they could (every miner draws its idle power at least, whether it
mines or not). Each of these only widens what a schedule may do, so what the programme
finds is an upper bound on what any real controller reaches. Not modelled, besides the start
ramps and lags: the 2-s fall of a stopped miner to idle, and the limit of one percentage
write per miner per 30 s (power follows the surplus every second).

The search (budget_bound_dp.py) is a dynamic programme over steps of `--step` seconds that
maximises, for multipliers lambda and mu, `used - lambda * (import - X * farm energy) - mu *
(starts - 6 * miners)`. Weak duality makes every (lambda, mu) an upper bound on the used
surplus of any schedule within X % import and 6 starts per miner, and the smallest found is
printed; it holds even though the schedules are not convex. For 3 miners the programme keeps
every miner's own timers; for 20 it keeps counts in 5-min blocks, a relaxation that
budget_bound_dp.py explains.

"Import needed" is the smallest import, in % of the farm's energy, at which the bound reaches
95 % used (bisection on X): below it no controller reaches 95 %.

"Reachable" is the other side: the most used by a schedule that a farm can actually run with
these units within 1 % import and 6 starts per miner (switches only where a farm can make
them, any j miners' powers), still with instant starts and knowing the day ahead. The
clairvoyant best with instant starts lies between the two; what is missing to reach it is
the forecast and the miners' ramps and lags, not the protections.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
import itertools
import math
import os
import statistics
import sys
from typing import TYPE_CHECKING

import numpy as np

from .budget import END_S, REPORT_SEEDS, START_S, _day, _seeds, fair_usable
from .budget_bound_dp import (
    Floats,
    Protections,
    Space,
    best_path,
    block_space,
    boundary_space,
    exact_space,
    switching_at_step_starts,
)
from .budget_day import KINDS
from .budget_farm import Farm
from .budget_load import budget_api

if TYPE_CHECKING:
    from collections.abc import Callable

MIN_ON_S = 600
MIN_OFF_S = 300
STAGGER_S = 30
STARTS_PER_MINER = 6
TARGET_USED = 0.95
TARGET_IMPORT = 0.01
# Farms up to this size keep every miner's own timers; larger ones the block relaxation.
EXACT_UP_TO = 4
OFF_CAP = 4


@dataclass(frozen=True, slots=True)
class Units:
    """Per count j of miners, the optimistic extremes of what they draw (W), and the ramp.

    `lowest[j]`: the j smallest lowest steps summed; `full[j]`: the j largest full powers;
    `idle_low[j]` and `idle_high[j]`: the j smallest and largest idle draws summed.
    """

    lowest: Floats
    full: Floats
    idle_low: Floats
    idle_high: Floats
    ramp_s: float


def farm_units(farm: Farm, *, optimistic: bool = True) -> Units:
    """Merge the bench farm's units optimistically (see the module docstring), or not.

    Not optimistic: j miners reach only from the j highest lowest steps to the j lowest full
    powers, and the stopped ones draw the most idle power, so any j miners can do it.
    """
    dynamics = [unit.dynamics for unit in farm.units]
    share = budget_api().MIN_PERCENT / 100

    def sums(values: list[float], *, rising: bool) -> Floats:
        return np.concatenate(([0.0], np.cumsum(sorted(values, reverse=not rising))))

    idle = [d.idle_w for d in dynamics]
    return Units(
        lowest=sums([d.full_power_w * share for d in dynamics], rising=optimistic),
        full=sums([d.full_power_w for d in dynamics], rising=not optimistic),
        idle_low=sums(idle, rising=optimistic),
        idle_high=sums(idle, rising=False),
        ramp_s=max(d.ramp_s for d in dynamics),
    )


@dataclass(frozen=True, slots=True)
class Problem:
    """One day for one farm: surplus and usable surplus per second (W), units and state space."""

    miners: int
    surplus: Floats
    usable: Floats
    units: Units
    space: Space
    step_s: int

    @property
    def usable_ws(self) -> float:
        """All the usable surplus of the day, W·s."""
        return float(self.usable.sum())


def day_series(
    kind: str, seed: int, miners: int, *, optimistic: bool = True
) -> tuple[Floats, Floats, Units]:
    """Return the bench's day for this farm: surplus (0 if negative), `fair_usable`, units."""
    day = _day(kind, seed, miners)
    farm = Farm(miners, seed=seed, time_scale=1.0)
    smallest = min(u.dynamics.full_power_w for u in farm.units) * budget_api().MIN_PERCENT / 100
    surplus = [day.pv_w[s] - day.house_w[s] for s in range(START_S, END_S)]
    raw = [min(s, farm.full_power_w) if s >= smallest else 0.0 for s in surplus]
    usable = fair_usable(raw, farm)
    units = farm_units(farm, optimistic=optimistic)
    return np.maximum(0.0, np.array(surplus)), np.array(usable), units


def make_problem(
    surplus: Floats, usable: Floats, units: Units, step_s: int, *, exact: bool | None = None
) -> Problem:
    """Cut the day into whole steps and build the state space for this farm size."""
    miners = len(units.full) - 1
    rules = Protections(
        step_s, MIN_ON_S, MIN_OFF_S, math.ceil(units.ramp_s), math.ceil(step_s / STAGGER_S)
    )
    small = miners <= EXACT_UP_TO if exact is None else exact
    space = exact_space(miners, rules) if small else block_space(miners, rules, OFF_CAP)
    length = len(surplus) // step_s * step_s
    return Problem(miners, surplus[:length], usable[:length], units, space, step_s)


def _seconds(
    problem: Problem, box: tuple[float, ...], lam: float, share: float, *, with_stats: bool
) -> Floats:
    """Per second, the best objective (and its used, import, farm W) within `box`.

    The objective `min(p, usable) - lam * max(0, p + idle - surplus) + lam * share * (p +
    idle)` is concave and piecewise linear in the mining power p and the idle draw; for a
    given p the best idle fills the surplus as far as it can, and the best p lies on one of
    six kinks, all tried. The farm draws at least `least` (every miner not surely on draws
    its idle power at least, on or off). Returns 1 x seconds, or 4 x seconds `with_stats`.
    """
    low, high, idle_low, idle_high, least = box
    surplus, usable = problem.surplus, problem.usable
    flat = (np.full_like(surplus, level) for level in (low, high, least - idle_low))
    tried = []
    for target in (*flat, usable, surplus - idle_low, surplus - idle_high):
        power = np.clip(target, low, high)
        idle = np.clip(surplus - power, np.maximum(idle_low, least - power), idle_high)
        total = power + idle
        imported = np.maximum(0.0, total - surplus)
        used = np.minimum(power, usable)
        objective = used - lam * imported + lam * share * total
        tried.append((objective, used, imported, total) if with_stats else (objective,))
    values: Floats = np.array(tried)  # kinks x (1 or 4) x seconds
    if not with_stats:
        highest: Floats = values[:, 0, :].max(axis=0)[None, :]
        return highest
    best = np.argmax(values[:, 0, :], axis=0)
    chosen: Floats = np.take_along_axis(values, best[None, None, :], axis=0)[0]
    return chosen


def step_tables(
    problem: Problem, lam: float, share: float, *, with_stats: bool = False, exact: bool = False
) -> tuple[Floats, Floats | None]:
    """Per step and pair (certain, top): the step's gain, and its used, import and farm W·s.

    Between `certain` and `top` miners on, every second picks its own best: mining power from
    the `certain` lowest steps to the `top` full powers, idle of the miners off from that of
    the `n - top` to that of the `n - certain` (optimistic merges; see the module docstring).
    `exact`: only the pairs with certain = top (a count of miners on all through the step).
    """
    n, units = problem.miners, problem.units
    steps = len(problem.surplus) // problem.step_s
    gains = np.zeros((steps, (n + 1) ** 2))
    stats = np.zeros((steps, (n + 1) ** 2, 3)) if with_stats else None
    pairs = itertools.combinations_with_replacement(range(n + 1), 2)
    for certain, top in ((j, j) for j in range(n + 1)) if exact else pairs:
        box = (
            units.lowest[certain],
            units.full[top],
            units.idle_low[n - top],
            units.idle_high[n - certain],
            units.lowest[certain] + units.idle_low[n - certain],
        )
        seconds = _seconds(problem, box, lam, share, with_stats=with_stats)
        per_step = seconds.reshape(len(seconds), steps, problem.step_s).sum(axis=2)
        pair = certain * (n + 1) + top
        gains[:, pair] = per_step[0]
        if stats is not None:
            stats[:, pair] = per_step[1:].T
    return gains, stats


# Golden-section search over log10 of the multipliers (the dual is convex in each).
LAMBDA_LOG = (-2.0, 3.0)
MU_LOG = (2.0, 7.5)  # W·s per start: 100 W·s to about 9 kWh
GOLDEN_STEPS = 8
GOLDEN = (math.sqrt(5) - 1) / 2


@dataclass(slots=True)
class Dual:
    """The dual function of one problem at one import share: evaluations are cached."""

    problem: Problem
    share: float
    _tables: dict[float, Floats]

    @classmethod
    def of(cls, problem: Problem, share: float) -> Dual:
        """Return the dual for import at most `share` of the farm's energy."""
        return cls(problem, share, {})

    @property
    def start_limit(self) -> float:
        """The starts allowed in a day, all miners together."""
        return STARTS_PER_MINER * self.problem.miners

    def __call__(self, lam: float, mu: float) -> float:
        """Return an upper bound on the used surplus (W·s): the best path's value + mu * limit."""
        if lam not in self._tables:
            self._tables = {lam: step_tables(self.problem, lam, self.share)[0]}
        path = best_path(self.problem.space, self.problem.miners, self._tables[lam], None, mu)
        return path.value + mu * self.start_limit


def golden(call: Callable[[float], float], low: float, high: float) -> tuple[float, float]:
    """Minimise a unimodal function of one variable on [low, high]: (argument, value)."""
    a, b = low, high
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = call(c), call(d)
    for _ in range(GOLDEN_STEPS):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = call(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = call(d)
    return (c, fc) if fc <= fd else (d, fd)


def minimise(dual: Dual, mu: float | None = None) -> tuple[float, float, float]:
    """Find the smallest dual value: (bound W·s, lambda, mu); mu is searched unless given.

    Coordinate descent: lambda, then mu (with mu = 0 tried too), then lambda again. Any
    (lambda, mu) gives a valid bound, so a search that stops short only loosens it.
    """
    fixed = 0.0 if mu is None else mu
    lam_log, bound = golden(lambda x: dual(10**x, fixed), *LAMBDA_LOG)
    if mu is None:
        mu_log, bound = golden(lambda x: dual(10**lam_log, 10**x), *MU_LOG)
        fixed = 10**mu_log
        if (at_zero := dual(10**lam_log, 0.0)) < bound:
            bound, fixed = at_zero, 0.0
        lam_log, bound = golden(lambda x: dual(10**x, fixed), *LAMBDA_LOG)
    return bound, 10**lam_log, fixed


# "Import needed" is searched between 0 and this share of the farm's energy.
IMPORT_SEARCH = (0.03, 0.10)
BISECTIONS = 5


@dataclass(frozen=True, slots=True)
class Bound:
    """What the bound says of one day: in % of the usable surplus or of the farm's energy.

    `used_pct`: the bound on used at import <= TARGET_IMPORT and STARTS_PER_MINER. `path_*`:
    the relaxed schedule that the final multipliers pick (its import and starts show how
    tight the multipliers are). `import_needed_pct`: below it, no controller uses 95 %.
    """

    kind: str
    seed: int
    miners: int
    used_pct: float
    path_used_pct: float
    path_import_pct: float
    path_starts: float
    import_needed_pct: float
    reachable_pct: float


def import_needed(problem: Problem, mu: float) -> float:
    """Return the smallest import share at which the bound reaches TARGET_USED (or inf)."""
    goal = TARGET_USED * problem.usable_ws

    def reaches(share: float) -> bool:
        return minimise(Dual.of(problem, share), mu)[0] >= goal

    if reaches(0.0):
        return 0.0
    low, high = 0.0, IMPORT_SEARCH[0]
    if not reaches(high):
        low, high = high, IMPORT_SEARCH[1]
        if not reaches(high):
            return math.inf
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return low


# The multipliers tried for a schedule a small farm can run (`reachable`).
REACH_LAMBDAS = tuple(float(10**x) for x in np.linspace(-1.0, 3.0, 9))
REACH_MUS = (0.0, 3e4, 1e5, 3e5, 1e6, 3e6)
REACH_ENOUGH = 0.9995  # of the usable surplus: no need to try further multipliers


def edge_tables(problem: Problem, lam: float, most_starts: int) -> tuple[Floats, Floats]:
    """Per 5-min block and pair (miners kept on, miners started): gain and sums (`boundary_space`).

    The i-th 30-s step of a block has the kept miners on and min(started, i + 1) more.
    """
    n, per = problem.miners, MIN_OFF_S // problem.step_s
    gains, stats = step_tables(problem, lam, TARGET_IMPORT, with_stats=True, exact=True)
    diagonal = np.arange(n + 1) * (n + 2)
    blocks = gains.shape[0] // per
    by_count = gains[: blocks * per, diagonal].reshape(blocks, per, n + 1)
    sums = stats[: blocks * per, diagonal].reshape(blocks, per, n + 1, 3)  # type: ignore[index]
    edge_gains = np.zeros((blocks, (n + 1) ** 2))
    edge_sums = np.zeros((blocks, (n + 1) ** 2, 3))
    slots = np.arange(per)
    for kept in range(n + 1):
        for started in range(min(most_starts, n - kept) + 1):
            counts = kept + np.minimum(started, slots + 1)
            pair = kept * (n + 1) + started
            edge_gains[:, pair] = by_count[:, slots, counts].sum(axis=1)
            edge_sums[:, pair] = sums[:, slots, counts].sum(axis=1)
    return edge_gains, edge_sums


def _runnable(problem: Problem) -> tuple[Space, Callable[[float], tuple[Floats, Floats | None]]]:
    """Return a runnable space for this farm and the function of lambda giving its tables."""
    if not problem.space.block_steps:  # every miner's own timers
        space = switching_at_step_starts(problem.space)
        return space, lambda lam: step_tables(problem, lam, TARGET_IMPORT, with_stats=True)
    most = MIN_OFF_S // STAGGER_S
    return boundary_space(problem.miners, most), lambda lam: edge_tables(problem, lam, most)


def reachable(kind: str, seed: int, miners: int) -> float:
    """Return the most used (% of usable) of a runnable schedule within import and starts.

    Any j miners' powers (`farm_units(optimistic=False)`), instant starts, and the switches
    where a farm can make them: at the start of a 30-s step with every miner's own timers
    (small farms), at the edges of 5-min blocks (`boundary_space`, large farms). So the
    clairvoyant best (with instant starts) lies between this and the bound.
    """
    problem = make_problem(*day_series(kind, seed, miners, optimistic=False), STAGGER_S)
    space, tables = _runnable(problem)
    best = 0.0
    for lam in REACH_LAMBDAS:
        gains, stats = tables(lam)
        for mu in REACH_MUS:
            path = best_path(space, miners, gains, stats, mu)
            within = path.imported <= TARGET_IMPORT * path.farm
            if within and path.starts <= STARTS_PER_MINER * miners:
                best = max(best, path.used)
        if best >= REACH_ENOUGH * problem.usable_ws:
            break
    return 100 * best / problem.usable_ws


def bound_day(job: tuple[str, int, int, int]) -> Bound:
    """Bound one day and farm size (a job tuple, so it runs in a worker process)."""
    kind, seed, miners, step_s = job
    problem = make_problem(*day_series(kind, seed, miners), step_s)
    usable = problem.usable_ws
    bound, lam, mu = minimise(Dual.of(problem, TARGET_IMPORT))
    gains, stats = step_tables(problem, lam, TARGET_IMPORT, with_stats=True)
    path = best_path(problem.space, miners, gains, stats, mu)
    return Bound(
        kind,
        seed,
        miners,
        used_pct=100 * min(bound, usable) / usable,
        path_used_pct=100 * path.used / usable,
        path_import_pct=100 * path.imported / path.farm if path.farm else 0.0,
        path_starts=path.starts / miners,
        import_needed_pct=100 * import_needed(problem, mu),
        reachable_pct=reachable(kind, seed, miners),
    )


def table(bounds: list[Bound]) -> list[str]:
    """Per farm size and day kind, the medians over the seeds."""
    header = (
        f"  {'miners':<8}{'days':<10}{'used % at import <= 1 %':>25}{'its starts/m':>14}"
        f"{'its import %':>14}{'import % for 95 % used':>25}{'reachable used %':>18}"
    )
    lines = [header]
    for miners, kind in dict.fromkeys((b.miners, b.kind) for b in bounds):
        group = [b for b in bounds if (b.miners, b.kind) == (miners, kind)]

        def median(values: list[float]) -> float:
            return statistics.median(values)

        needed = median([b.import_needed_pct for b in group])
        lines.append(
            f"  {miners:<8}{kind:<10}{median([b.used_pct for b in group]):>25.1f}"
            f"{median([b.path_starts for b in group]):>14.1f}"
            f"{median([b.path_import_pct for b in group]):>14.2f}"
            f"{'> 10' if math.isinf(needed) else f'>= {needed:.2f}':>25}"
            f"{median([b.reachable_pct for b in group]):>18.1f}"
        )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="bench.budget_bound",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--miners", default="3,20", help="farm sizes (default 3,20)")
    parser.add_argument("--seeds", type=_seeds, default=REPORT_SEEDS, help="e.g. 101-105")
    parser.add_argument("--kinds", default=",".join(KINDS), help="clear,broken,overcast")
    parser.add_argument("--step", type=int, default=30, help="programme step, s (divides 300)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Bound every day, print one line per day and the table of medians."""
    args = parse_args(argv)
    sizes = [int(n) for n in args.miners.split(",")]
    grid = itertools.product(sizes, args.kinds.split(","), args.seeds)
    jobs = [(kind, seed, n, args.step) for n, kind, seed in grid]
    print(f"budget bound: {len(jobs)} days, seeds {list(args.seeds)}, step {args.step} s")
    bounds = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for b in pool.map(bound_day, jobs, chunksize=1):  # each day as soon as it is done
            bounds.append(b)
            print(
                f"  {b.miners:>3} {b.kind:<9}{b.seed:>5}  bound {b.used_pct:5.1f} %  path used"
                f" {b.path_used_pct:5.1f} % import {b.path_import_pct:4.2f} % starts/m"
                f" {b.path_starts:4.1f}  import for 95 %: {b.import_needed_pct:.2f} %"
                f"  reachable {b.reachable_pct:5.1f} %",
                flush=True,
            )
    print()
    print("\n".join(table(bounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
