"""How a miner's power moves over time: percentage changes, start-up, stop (a pure model).

The power budget (custom_components/whatsminer/budget) is only as good as the miner it is
tested against, so the bench (`scripts/bench --budget`) and the budget's tests drive this model
instead of a miner that jumps to any power at once. It is plain Python on a virtual clock: no
sockets, no wall time.

**Every time constant here is an assumption.** No vendor document or public source says how
fast a `normal` or `fast` power percentage change takes effect, nor how long the start-up
frequency tuning (`up-freq-finish` / `Upfreq Complete`) lasts (../shared FLEET.md). The values
are plausible guesses from how such controllers usually behave: a first-order lag of about
20 s (`normal`) or 3 s (`fast`, v3 only) after a percentage write; after a start, about a
minute of boot at idle power, then a linear rise to the target over the rest of the ramp
(3-5 minutes in all, longer on older models), with the up-freq flag 0 until the ramp ends; a
stop falls to idle with a 2 s lag. The start's two times (`boot_s`, `ramp_s`) are the
profile's (tests/simulator/profiles.py), and `start_progress` is the one ramp shape: the TCP
simulator hashes along it after a start too, so the bench and the simulated miners that Home
Assistant polls start alike. `Dynamics.scaled()` stretches or shrinks all of them at
once, so the bench can show the budget with every time halved or doubled.

Power at a percentage is that share of the miner's full power (power percentage is "a
percentage of the running power"); hashrate is the power above idle at the unit's J/TH, which
is the model's nominal J/TH with a seeded per-unit spread (a normal law, 3 % by default).
Efficiency is taken as constant over the percentage range: real chips are often somewhat
more efficient when throttled, which would flatter the strategies that trim rather than stop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math
import random

from .profiles import PROFILES


@dataclass(frozen=True, slots=True)
class Dynamics:
    """The time behaviour of one model (all times in s, powers in W; see the module docstring)."""

    profile: str
    full_power_w: float
    nominal_jth: float
    idle_w: float
    tau_normal_s: float
    tau_fast_s: float
    fast_mode: bool  # whether the firmware honours the v3 `fast` mode (v2 has one mode)
    boot_s: float
    ramp_s: float
    tau_stop_s: float
    jth_spread: float = 0.03

    def scaled(self, factor: float) -> Dynamics:
        """Return these dynamics with every time constant multiplied by `factor`."""
        return replace(
            self,
            tau_normal_s=self.tau_normal_s * factor,
            tau_fast_s=self.tau_fast_s * factor,
            boot_s=self.boot_s * factor,
            ramp_s=self.ramp_s * factor,
            tau_stop_s=self.tau_stop_s * factor,
        )


def start_progress(boot_s: float, ramp_s: float, since_start_s: float) -> float:
    """Return how far a start has come, 0 to 1, `since_start_s` after mining was switched on.

    0 through the boot (nothing hashes), then a linear rise that reaches 1 at `ramp_s`, where
    the up-freq tuning ends. Zero times make a start instant.
    """
    if since_start_s >= ramp_s:
        return 1.0
    return max(0.0, (since_start_s - boot_s) / (ramp_s - boot_s)) if ramp_s > boot_s else 0.0


def _dynamics(profile: str, *, idle_w: float, fast_mode: bool) -> Dynamics:
    """Dynamics of a profile from tests/simulator/profiles.py (nominal power and hashrate)."""
    known = PROFILES[profile]
    return Dynamics(
        profile=profile,
        full_power_w=float(known.power_w),
        nominal_jth=known.power_w / known.hashrate_ths,
        idle_w=idle_w,
        tau_normal_s=20.0,
        tau_fast_s=3.0,
        fast_mode=fast_mode,
        boot_s=known.boot_s,
        ramp_s=known.ramp_s,
        tau_stop_s=2.0,
    )


DYNAMICS: dict[str, Dynamics] = {
    "m30_old": _dynamics("m30_old", idle_w=25.0, fast_mode=False),
    "m50": _dynamics("m50", idle_w=20.0, fast_mode=False),
    "m60_v3": _dynamics("m60_v3", idle_w=20.0, fast_mode=True),
}


class MinerModel:
    """One simulated unit: call the commands, then `advance(now)` once per simulated second."""

    def __init__(self, dynamics: Dynamics, seed: int) -> None:
        """Make a stopped unit whose J/TH is the nominal one with a seeded spread."""
        self.dynamics = dynamics
        spread = random.Random(seed).gauss(1.0, dynamics.jth_spread)
        self.jth = dynamics.nominal_jth * max(0.8, min(1.2, spread))
        self.mining = False
        self.percent = 100
        self.power_w = dynamics.idle_w
        self._started_at = -math.inf
        self._from_w = dynamics.idle_w
        self._tau_s = dynamics.tau_normal_s
        self._now = 0.0

    @property
    def up_freq_done(self) -> bool:
        """False from a start until the ramp has ended (v3 `up-freq-finish` 0)."""
        return not self.mining or self._now - self._started_at >= self.dynamics.ramp_s

    @property
    def hashrate_ths(self) -> float:
        """Hashrate now: the power above idle at this unit's J/TH."""
        return max(0.0, self.power_w - self.dynamics.idle_w) / self.jth if self.mining else 0.0

    def start(self, now: float, percent: int) -> None:
        """Switch mining on at `percent` (a start of a miner already mining is ignored)."""
        self.advance(now)
        self.percent = percent
        if not self.mining:
            self.mining = True
            self._started_at = now

    def stop(self, now: float) -> None:
        """Switch mining off: the power falls to idle within seconds."""
        self.advance(now)
        self.mining = False

    def set_percent(self, now: float, percent: int, *, fast: bool = False) -> None:
        """Write the power percentage; fast only on firmware that has the mode."""
        self.advance(now)
        self.percent = percent
        fast = fast and self.dynamics.fast_mode
        self._tau_s = self.dynamics.tau_fast_s if fast else self.dynamics.tau_normal_s

    def target_w(self) -> float:
        """Return the power the unit settles at (the ramp's end point while it ramps)."""
        dynamics = self.dynamics
        if not self.mining:
            return dynamics.idle_w
        return max(dynamics.idle_w, dynamics.full_power_w * self.percent / 100)

    def advance(self, now: float) -> float:
        """Move the power on to `now` and return it."""
        dt = now - self._now
        if dt <= 0:
            return self.power_w
        self._now = now
        dynamics = self.dynamics
        since = now - self._started_at
        if self.mining and since < dynamics.ramp_s:
            # Boot at idle, then a linear rise to the target: no percentage change applies
            # until the up-freq tuning is done.
            rise = start_progress(dynamics.boot_s, dynamics.ramp_s, since)
            self.power_w = dynamics.idle_w + rise * (self.target_w() - dynamics.idle_w)
            return self.power_w
        tau = self._tau_s if self.mining else dynamics.tau_stop_s
        self.power_w += (self.target_w() - self.power_w) * (1 - math.exp(-dt / tau))
        return self.power_w
