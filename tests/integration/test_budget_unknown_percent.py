"""A budget member whose poll leaves the power percentage unknown (budget_readings.py).

Both API generations report it in the simulator's polls (v3 reads it, the v2 client
knows it from btminer's start), so the fallback is pinned here: a v3 miner whose
settings read failed still gives its power at 100 % as the most it drew.
"""

from __future__ import annotations

from dataclasses import replace

from custom_components.whatsminer.budget_members import UNAVAILABLE
from custom_components.whatsminer.budget_readings import MemberModels

MINING = replace(UNAVAILABLE, available=True, mining=True, power=3000.0, hashrate=100.0)


def full_power(models: MemberModels) -> float:
    """Return what the allocator would read as the member's power at 100 %."""
    reading = models.reading("m", MINING, first=False, held_by_user=False)
    return reading.full_power_w


def test_the_most_drawn_stands_in_without_a_percentage() -> None:
    models = MemberModels()
    models.polled("m", MINING)
    models.polled("m", replace(MINING, power=2500.0))

    assert full_power(models) == 3000.0


def test_a_known_percentage_scales_the_draw() -> None:
    models = MemberModels()
    models.polled("m", replace(MINING, power_percent=50))

    assert full_power(models) == 6000.0
