"""A miner's J/TH learned from its own readings, with its model's nominal value until then.

The budget ranks members by efficiency; the nominal figure of a model is a fair start, but
units differ by several percent and age. `Efficiency` is a small immutable running estimate:
the owner keeps one per member and replaces it with `updated()` after every poll.
"""

from __future__ import annotations

from dataclasses import dataclass

# Readings a learned figure needs before it replaces the nominal one, and the weight of each
# new reading after that (an exponential mean over roughly the last 1/WEIGHT readings).
MIN_SAMPLES = 10
WEIGHT = 0.05
# Hashrates below this share of what the power would give at the nominal J/TH are left out:
# a miner ramping up, idle or failing a board says nothing about its efficiency.
PLAUSIBLE = 0.5


@dataclass(frozen=True, slots=True)
class Efficiency:
    """The nominal J/TH, the learned mean and how many readings it holds."""

    nominal_jth: float
    mean_jth: float | None = None
    samples: int = 0

    @property
    def jth(self) -> float:
        """J/TH to rank by: the learned mean once it has enough readings, else the nominal."""
        if self.mean_jth is None or self.samples < MIN_SAMPLES:
            return self.nominal_jth
        return self.mean_jth

    def updated(
        self, power_w: float | None, hashrate_ths: float | None, *, ramping: bool
    ) -> Efficiency:
        """Return the estimate with one more reading (unchanged when it says nothing)."""
        if ramping or not power_w or not hashrate_ths or power_w <= 0 or hashrate_ths <= 0:
            return self
        jth = power_w / hashrate_ths
        if jth > self.nominal_jth / PLAUSIBLE or jth < self.nominal_jth * PLAUSIBLE:
            return self
        if self.mean_jth is None:
            return Efficiency(self.nominal_jth, jth, 1)
        weight = max(WEIGHT, 1 / (self.samples + 1))
        mean = self.mean_jth + weight * (jth - self.mean_jth)
        return Efficiency(self.nominal_jth, mean, self.samples + 1)
