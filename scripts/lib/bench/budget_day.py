"""Seeded synthetic solar days for `scripts/bench --budget`: PV and household load per second.

A day is two float lists indexed by the second of the day (0-86399): the PV output and the
household's own load, both in W. The kinds:

* `clear`: a clear-sky bell between 06:30 and 19:30 with 1 % flicker;
* `broken`: broken clouds: clear spells (mean 5 min) and cloud shadows (mean 2 min, 20-50 %
  of the clear-sky output) with 20 s edges;
* `overcast`: 20-35 % of the clear sky, slowly varying, with bursts of sun (30 s to 5 min,
  one every 20 min on average).

The household: a base load, a fridge cycling 15 min on / 30 min off, random appliances (kettle,
oven, washing machine; Poisson starts, more in the morning and evening) and a 30 W jitter
per second. For a larger farm, the PV and the household both scale with the farm size.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import random

DAY_S = 86_400
SUNRISE_S = 6.5 * 3600
SUNSET_S = 19.5 * 3600
KINDS = ("clear", "broken", "overcast")
# Overcast: after a dull spell (below BURST_BELOW of the clear sky), the chance that the next
# spell is a burst of sun.
BURST_BELOW = 0.6
BURST_CHANCE = 0.15
# (name, W, duration s, starts per hour at the busy times of day)
APPLIANCES = (
    ("kettle", 2000.0, 180, 0.5),
    ("oven", 2200.0, 2400, 0.08),
    ("washing", 1800.0, 1800, 0.1),
    ("tv", 150.0, 7200, 0.1),
)


@dataclass(frozen=True, slots=True)
class Day:
    """One day's PV and household load per second (W)."""

    kind: str
    seed: int
    pv_w: list[float]
    house_w: list[float]


def _clear_sky(second: int, peak_w: float) -> float:
    """Return a clear-sky PV bell (a flattened sine between sunrise and sunset)."""
    if not SUNRISE_S < second < SUNSET_S:
        return 0.0
    phase = (second - SUNRISE_S) / (SUNSET_S - SUNRISE_S)
    return float(peak_w * math.sin(math.pi * phase) ** 1.3)


def _cloud_factors(kind: str, rng: random.Random) -> list[float]:
    """Return the share of the clear-sky output that gets through, per second."""
    if kind == "clear":
        return [1.0 + rng.gauss(0.0, 0.01) for _ in range(DAY_S)]
    factors = [0.0] * DAY_S
    second = 0
    level = 1.0
    while second < DAY_S:
        if kind == "broken":
            sunny = level < 1.0
            target = 1.0 if sunny else rng.uniform(0.2, 0.5)
            length = int(rng.expovariate(1 / (300 if sunny else 120))) + 20
        else:
            burst = level < BURST_BELOW and rng.random() < BURST_CHANCE
            target = rng.uniform(0.8, 1.0) if burst else rng.uniform(0.2, 0.35)
            length = int(rng.uniform(30, 300)) if burst else int(rng.expovariate(1 / 170)) + 30
        edge = 20
        for offset in range(min(length, DAY_S - second)):
            weight = min(1.0, offset / edge)
            factors[second + offset] = level + (target - level) * weight
        second += length
        level = target
    return factors


def _busy(second: int) -> float:
    """How likely appliances start at this time of day (morning and evening peaks)."""
    hour = second / 3600
    return 0.3 + math.exp(-(((hour - 7.5) / 1.5) ** 2)) + math.exp(-(((hour - 18.5) / 2) ** 2))


def _house(rng: random.Random, scale: float) -> list[float]:
    """Return the household's load per second."""
    load = [scale * (300.0 + 100.0 * ((second // 900) % 3 == 0)) for second in range(DAY_S)]
    for _name, watts, duration, per_hour in APPLIANCES:
        second = 0
        while second < DAY_S:
            second += int(rng.expovariate(per_hour * _busy(second) / 3600)) + 1
            for offset in range(second, min(second + duration, DAY_S)):
                load[offset] += watts * scale
    return [max(50.0, watts + rng.gauss(0.0, 30.0)) for watts in load]


def make_day(kind: str, seed: int, *, pv_peak_w: float, house_scale: float) -> Day:
    """Return the day of `kind` for `seed`; the same arguments always give the same day."""
    rng = random.Random(f"{kind}-{seed}")  # noqa: S311 - a simulation, not a secret
    factors = _cloud_factors(kind, rng)
    pv = [_clear_sky(second, pv_peak_w) * factors[second] for second in range(DAY_S)]
    return Day(kind, seed, pv, _house(rng, house_scale))
