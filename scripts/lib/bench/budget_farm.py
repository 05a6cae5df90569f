"""The simulated farm of `scripts/bench --budget`: miner models, polls and command counts.

Every strategy drives the same `Farm`: N `MinerModel`s (tests/simulator/dynamics.py) of mixed
models, commands counted per miner, and what Home Assistant would know of them: a poll every
`poll_s` seconds (mining, power, hashrate, the percentage where the firmware reports it, the
up-freq flag).

A farm with plugs (`plugs=True`) puts every miner behind a smart plug: `power_down` cuts a
stopped miner's power (it draws nothing, not even its idle power), and a start of a miner
whose plug is off switches the plug on and then boots its control board for PLUG_BOOT_S (at
its idle power, not answering polls) before mining starts and ramps as usual.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.simulator.dynamics import DYNAMICS, MinerModel
from tests.simulator.profiles import PROFILES

MODEL_MIX = ("m30_old", "m50", "m60_v3")
# From plug on to a control board that answers and can start mining. An assumption, like the
# times in tests/simulator/dynamics.py (no vendor gives it), scaled with them.
PLUG_BOOT_S = 120.0


@dataclass(frozen=True, slots=True)
class Polled:
    """One miner as the last poll saw it."""

    mining: bool
    power_w: float
    hashrate_ths: float
    percent: int | None
    up_freq_done: bool
    available: bool = True
    plug_on: bool | None = None


class Farm:
    """N miners of mixed models with their command counters."""

    def __init__(self, miners: int, *, seed: int, time_scale: float, plugs: bool = False) -> None:
        """Miners cycle through MODEL_MIX; each unit's J/TH spread is seeded."""
        self.units = [
            MinerModel(DYNAMICS[MODEL_MIX[i % len(MODEL_MIX)]].scaled(time_scale), seed * 1000 + i)
            for i in range(miners)
        ]
        self.starts = [0] * miners
        self.stops = [0] * miners
        self.writes = [0] * miners
        self.power_downs = [0] * miners
        self.plugs = plugs
        self.plug_boot_s = PLUG_BOOT_S * time_scale
        self.plug_on = [True] * miners
        self.booting: dict[int, tuple[float, int]] = {}  # index: (boot done at, percent)
        self.polled = [self._snapshot(index) for index in range(miners)]

    @property
    def full_power_w(self) -> float:
        """The farm's power with every miner at 100 %."""
        return sum(unit.dynamics.full_power_w for unit in self.units)

    def start(self, index: int, now: float, percent: int) -> None:
        """Write `percent` and start one miner (a start of a running miner is not counted)."""
        unit = self.units[index]
        if not unit.mining and index not in self.booting:
            self.starts[index] += 1
        self.writes[index] += 1
        if not self.plug_on[index] or index in self.booting:
            self.plug_on[index] = True
            done = self.booting.get(index, (now + self.plug_boot_s, percent))[0]
            self.booting[index] = (done, percent)
            return
        unit.start(now, percent)

    def power_down(self, index: int) -> None:
        """Switch a stopped miner's plug off (a running miner's plug is left on)."""
        if self.units[index].mining or not self.plug_on[index]:
            return
        self.power_downs[index] += 1
        self.plug_on[index] = False

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
        for index, unit in enumerate(self.units):
            boot = self.booting.get(index)
            if boot is not None and now >= boot[0]:
                del self.booting[index]
                unit.start(now, boot[1])
            power = unit.advance(now)
            if not self.plug_on[index]:
                continue  # no power at all, not even the idle draw
            total += power
            if unit.mining:
                mining += power
                hashrate += unit.hashrate_ths
        return total, mining, hashrate

    def poll(self) -> None:
        """Take what Home Assistant learns of every miner at a poll."""
        self.polled = [self._snapshot(index) for index in range(len(self.units))]

    def _snapshot(self, index: int) -> Polled:
        """One miner's poll; API v2 cannot report the power percentage.

        Behind a plug that is off it reads as what the integration knows of it (no power,
        not mining); while it boots after the plug went on it does not answer.
        """
        unit = self.units[index]
        plugged = self.plug_on[index]
        return Polled(
            mining=unit.mining,
            power_w=unit.power_w if plugged else 0.0,
            hashrate_ths=unit.hashrate_ths,
            percent=unit.percent if PROFILES[unit.dynamics.profile].has_v3 else None,
            up_freq_done=unit.up_freq_done,
            available=index not in self.booting,
            plug_on=plugged if self.plugs else None,
        )
