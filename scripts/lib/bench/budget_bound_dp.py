"""The state spaces and the dynamic programme behind `budget_bound.py` (numpy, no Home Assistant).

Time runs in steps of `step_s` seconds. A state is what the miners' protections remember at a
step boundary; an edge is what may happen in the next step: which miners start or stop, and
so how many are surely on through the whole step (`certain`: on at both ends and past the
longest start ramp) and how many at most are on at some second of it (`top`: the certain ones
plus the flexible ones, i.e. those that start or stop in the step or are still ramping). The
value of a step is then the best of every second on its own, with any number of miners
between `certain` and `top` on (budget_bound.py's `step_tables`): a miner that switches in a
step may do so at any second, and a ramping one may draw anything from idle to full. A real
schedule maps onto exactly one path (its switches land in the steps that hold them), so the
programme's best is at least that schedule's: an upper bound.

Two state spaces:

* `exact_space` (small farms): every miner's own timer, as a multiset of (on, steps since its
  start) and (off, steps since its stop), capped where the protection releases it.
* `block_space` (large farms): counts only. Time is cut into blocks of `min_off_s`; a miner
  started in a block stays on to the end of the next one (it does in reality: 10 min from any
  second of a 5-min block reach past the next block's end), a miner stopped in a block stays
  off to its end (5 min from any second of it reach past its end). This is weaker than the
  real timers (a miner started at a block's last second may stop 5 min later, not 10), and
  the stopped ones are remembered only up to `off_cap`: both only widen what is allowed, so
  the bound stays an upper bound.

And one restriction, for the other side: `boundary_space` lets a large farm switch only at
the edges of 5-min blocks, starting miners 30 s apart from the edge and keeping a started
miner on for three blocks; what it finds is a schedule such a farm can run (with instant
starts), a lower end for the clairvoyant best.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from collections.abc import Sequence

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Edge = tuple[Floats, Floats]  # per edge: its gain, and what it adds to the sums


@dataclass(frozen=True, slots=True)
class Protections:
    """The hardware protections in steps: what a real schedule must obey."""

    step_s: int
    min_on_s: int
    min_off_s: int
    ramp_s: int
    starts_per_step: int

    def steps_for(self, seconds: int) -> int:
        """Fewest steps between two switches `seconds` apart (any second inside the steps)."""
        return math.ceil((seconds - self.step_s + 1) / self.step_s)

    @property
    def ramping_steps(self) -> int:
        """A miner started this many steps ago or fewer may still be ramping."""
        return math.ceil(self.ramp_s / self.step_s)


@dataclass(frozen=True, slots=True)
class Space:
    """States and edges (sorted by destination) of one step; `shift` maps states at a block edge.

    An edge's `certain` and `top` are the pair that indexes the step's gains: for
    `boundary_space` they are the miners kept on and the miners started, one by one.
    """

    size: int
    start: int
    src: Ints
    dst: Ints
    certain: Ints
    top: Ints
    starts: Ints
    during: Ints
    block_steps: int
    shift: Ints


def _space(size: int, start: int, edges: Sequence[tuple[int, ...]], **kw: object) -> Space:
    """Pack edges (src, dst, certain, top, starts, during) sorted by destination."""
    table = np.array(sorted(edges, key=lambda e: (e[1], e[0])), dtype=np.int64)
    columns = (table[:, column] for column in range(6))
    return Space(size, start, *columns, **kw)  # type: ignore[arg-type]


def switching_at_step_starts(space: Space) -> Space:
    """Put every switch at the start of its step: a schedule a farm can run, same timers.

    A step's miners are then exactly those on during it (`during`, as both `certain` and
    `top`). With `exact_space` this is a restriction, not a relaxation: what it finds is
    reachable (with instant starts), a lower end for the clairvoyant best.
    """
    return replace(space, certain=space.during, top=space.during)


def _miner_moves(
    state: tuple[str, int], on_free: int, off_free: int, ramping: int
) -> list[tuple[tuple[str, int], str]]:
    """One miner's possible next states and its role in the step (certain, ramp, stop, ...)."""
    mode, age = state
    if mode == "on":
        moves = [(("on", min(age + 1, on_free)), "ramp" if age < ramping else "certain")]
        if age == on_free:
            moves.append((("off", 0), "stop"))
        return moves
    moves = [(("off", min(age + 1, off_free)), "off")]
    if age == off_free:
        moves.append((("on", 0), "start"))
    return moves


def exact_space(miners: int, rules: Protections) -> Space:
    """Every miner's timer (a multiset of per-miner states): exact up to the step grid."""
    on_free = rules.steps_for(rules.min_on_s) - 1
    off_free = rules.steps_for(rules.min_off_s) - 1
    ramping = rules.ramping_steps
    singles = [("on", a) for a in range(on_free + 1)] + [("off", a) for a in range(off_free + 1)]
    states = sorted(itertools.combinations_with_replacement(sorted(singles), miners))
    index = {state: i for i, state in enumerate(states)}
    edges = []
    for state in states:
        options = [_miner_moves(m, on_free, off_free, ramping) for m in state]
        for combo in itertools.product(*options):
            roles = [role for _, role in combo]
            starts = roles.count("start")
            if starts > rules.starts_per_step:
                continue
            certain = roles.count("certain")
            during = certain + roles.count("ramp") + starts
            target = index[tuple(sorted(m for m, _ in combo))]
            edges.append(
                (index[state], target, certain, during + roles.count("stop"), starts, during)
            )
    start = index[tuple([("off", off_free)] * miners)]
    identity = np.arange(len(states), dtype=np.int64)
    return _space(len(states), start, edges, block_steps=0, shift=identity)


def block_space(miners: int, rules: Protections, off_cap: int) -> Space:
    """Count (on, started this block, started last block, stopped this block): a relaxation.

    Blocks are `min_off_s` long and `min_on_s` must be twice that (the default 10 and 5 min).
    Every started miner counts as flexible until its lock ends (it may be ramping).
    """
    block = rules.min_off_s // rules.step_s
    if rules.min_on_s != 2 * rules.min_off_s or block * rules.step_s != rules.min_off_s:
        raise ValueError("block_space needs min on = 2 x min off, whole steps per block")
    most = block * rules.starts_per_step
    states = [
        (on, new, old, stopped)
        for on in range(miners + 1)
        for new in range(most + 1)
        for old in range(most + 1)
        for stopped in range(min(off_cap, miners - on) + 1)
        if new + old <= on
    ]
    index = {state: i for i, state in enumerate(states)}
    edges = []
    for state in states:
        on, new, old, stopped = state
        young = new + old
        for starts in range(min(rules.starts_per_step, miners - on - stopped, most - new) + 1):
            for stops in range(on - young + 1):
                target = (on + starts - stops, new + starts, old, min(off_cap, stopped + stops))
                during = on + starts - stops
                edges.append(
                    (index[state], index[target], on - stops - young, on + starts, starts, during)
                )
    shift = np.array([index[(on, 0, new, 0)] for on, new, _, _ in states], dtype=np.int64)
    start = index[(0, 0, 0, 0)]
    return _space(len(states), start, edges, block_steps=block, shift=shift)


def boundary_space(miners: int, most_starts: int) -> Space:
    """Count (on, started at the last edge, started at the edge before): a runnable schedule.

    At each edge of a 5-min block some miners stop and up to `most_starts` start, 30 s apart
    (so a block lasts at least `most_starts` staggers). A miner started at an edge may stop
    at the third edge after it (15 min after that edge, 10.5 min after the last start of 10),
    a stopped one start at the next edge (5 min later): both within the protections.
    """
    states = [
        (on, last, before)
        for on in range(miners + 1)
        for last in range(most_starts + 1)
        for before in range(most_starts + 1)
        if last + before <= on
    ]
    index = {state: i for i, state in enumerate(states)}
    edges = []
    for state in states:
        on, last, before = state
        for starts in range(min(most_starts, miners - on) + 1):
            for stops in range(on - last - before + 1):
                target = index[(on - stops + starts, starts, last)]
                edges.append((index[state], target, on - stops, starts, starts, on - stops))
    identity = np.arange(len(states), dtype=np.int64)
    return _space(len(states), index[(0, 0, 0)], edges, block_steps=0, shift=identity)


@dataclass(frozen=True, slots=True)
class Path:
    """The best path's value and what it sums: used, import, farm energy (W·s) and starts."""

    value: float
    used: float
    imported: float
    farm: float
    starts: float


def _groups(dst: Ints) -> tuple[Ints, Ints, Ints]:
    """Where each destination's run of edges begins, the destinations, and each edge's run."""
    bounds = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
    counts = np.diff(np.r_[bounds, len(dst)])
    return bounds, dst[bounds], np.repeat(np.arange(len(bounds)), counts)


def _relax(
    value: Floats, sums: Floats, src: Ints, groups: tuple[Ints, Ints, Ints], edge: Edge
) -> tuple[Floats, Floats]:
    """One max-plus step: the best edge into every destination, and the sums along it."""
    bounds, targets, run = groups
    gain, adds = edge
    candidate = value[src] + gain
    best = np.maximum.reduceat(candidate, bounds)
    chosen = np.empty(len(bounds), dtype=np.int64)
    ties = np.flatnonzero(candidate == best[run])
    chosen[run[ties]] = ties
    new_value = np.full(value.shape, -np.inf)
    new_value[targets] = best
    new_sums = np.zeros(sums.shape)
    new_sums[targets] = sums[src[chosen]] + adds[chosen]
    return new_value, new_sums


def best_path(
    space: Space, miners: int, gains: Floats, stats: Floats | None, start_penalty: float
) -> Path:
    """Find the best path through the day: `gains` (steps x pairs) less `start_penalty`/start.

    With `stats` (steps x pairs x 3: used, import and farm energy of each step's best seconds)
    the path's sums are kept too, which costs about twice the time; without, they are 0.
    """
    pair = space.certain * (miners + 1) + space.top
    groups = _groups(space.dst)
    order = np.argsort(space.shift, kind="stable")
    shift_groups = _groups(space.shift[order])
    value: Floats = np.full(space.size, -np.inf)
    value[space.start] = 0.0
    sums: Floats = np.zeros((space.size, 4))
    penalty = start_penalty * space.starts
    for step in range(gains.shape[0]):
        if space.block_steps and step and step % space.block_steps == 0:
            value, sums = _shift(value, sums, order, shift_groups, track=stats is not None)
        gain = gains[step, pair] - penalty
        if stats is None:
            value = _best(value, space.src, groups, gain)
            continue
        adds = np.column_stack((stats[step, pair], space.starts))
        value, sums = _relax(value, sums, space.src, groups, (gain, adds))
    end = int(np.argmax(value))
    return Path(float(value[end]), *(float(x) for x in sums[end]))


def _best(value: Floats, src: Ints, groups: tuple[Ints, Ints, Ints], gain: Floats) -> Floats:
    """One max-plus step, values only."""
    bounds, targets, _ = groups
    new_value = np.full(value.shape, -np.inf)
    new_value[targets] = np.maximum.reduceat(value[src] + gain, bounds)
    return new_value


def _shift(
    value: Floats, sums: Floats, order: Ints, groups: tuple[Ints, Ints, Ints], *, track: bool
) -> tuple[Floats, Floats]:
    """Move every state across a block edge (the best of those that land on the same one)."""
    if not track:
        return _best(value, order, groups, np.zeros(len(order))), sums
    return _relax(value, sums, order, groups, (np.zeros(len(order)), np.zeros((len(order), 4))))
