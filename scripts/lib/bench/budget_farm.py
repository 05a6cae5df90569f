"""The simulated farm of `scripts/bench --budget`: miner models, polls and command counts.

Every strategy drives the same `Farm`: N `MinerModel`s (tests/simulator/dynamics.py) of mixed
models, commands counted per miner, and what Home Assistant would know of them: a poll every
`poll_s` seconds (mining, power, hashrate, the percentage where the firmware reports it, the
up-freq flag).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.simulator.dynamics import DYNAMICS, MinerModel
from tests.simulator.profiles import PROFILES

MODEL_MIX = ("m30_old", "m50", "m60_v3")


@dataclass(frozen=True, slots=True)
class Polled:
    """One miner as the last poll saw it."""

    mining: bool
    power_w: float
    hashrate_ths: float
    percent: int | None
    up_freq_done: bool


class Farm:
    """N miners of mixed models with their command counters."""

    def __init__(self, miners: int, *, seed: int, time_scale: float) -> None:
        """Miners cycle through MODEL_MIX; each unit's J/TH spread is seeded."""
        self.units = [
            MinerModel(DYNAMICS[MODEL_MIX[i % len(MODEL_MIX)]].scaled(time_scale), seed * 1000 + i)
            for i in range(miners)
        ]
        self.starts = [0] * miners
        self.stops = [0] * miners
        self.writes = [0] * miners
        self.polled = [self._snapshot(unit) for unit in self.units]

    @property
    def full_power_w(self) -> float:
        """The farm's power with every miner at 100 %."""
        return sum(unit.dynamics.full_power_w for unit in self.units)

    def start(self, index: int, now: float, percent: int) -> None:
        """Write `percent` and start one miner (a start of a running miner is not counted)."""
        unit = self.units[index]
        if not unit.mining:
            self.starts[index] += 1
        self.writes[index] += 1
        unit.start(now, percent)

    def stop(self, index: int, now: float) -> None:
        """Stop one miner (a stop of a stopped miner is not counted)."""
        unit = self.units[index]
        if unit.mining:
            self.stops[index] += 1
        unit.stop(now)

    def set_percent(self, index: int, now: float, percent: int, *, fast: bool = False) -> None:
        """Write one miner's power percentage."""
        self.writes[index] += 1
        self.units[index].set_percent(now, percent, fast=fast)

    def advance(self, now: float) -> tuple[float, float, float]:
        """Move every miner to `now`: (total W, W of the miners mining, TH/s)."""
        total = mining = hashrate = 0.0
        for unit in self.units:
            power = unit.advance(now)
            total += power
            if unit.mining:
                mining += power
                hashrate += unit.hashrate_ths
        return total, mining, hashrate

    def poll(self) -> None:
        """Take what Home Assistant learns of every miner at a poll."""
        self.polled = [self._snapshot(unit) for unit in self.units]

    @staticmethod
    def _snapshot(unit: MinerModel) -> Polled:
        """One miner's poll; API v2 cannot report the power percentage."""
        return Polled(
            mining=unit.mining,
            power_w=unit.power_w,
            hashrate_ths=unit.hashrate_ths,
            percent=unit.percent if PROFILES[unit.dynamics.profile].has_v3 else None,
            up_freq_done=unit.up_freq_done,
        )
