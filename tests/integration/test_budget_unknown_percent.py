"""How a member's power at 100 % is learned (budget_readings.py), also without a percentage.

Both API generations report it in the simulator's polls (v3 reads it, the v2 client
knows it from btminer's start), so the fallback is pinned here: a v3 miner whose
settings read failed still gives its power at 100 % as the most it drew.
"""

from __future__ import annotations

from dataclasses import replace

from custom_components.whatsminer.budget_members import UNAVAILABLE
from custom_components.whatsminer.budget_readings import (
    FULL_POWER_WINDOW_S,
    SETTLE_S,
    MemberModels,
)

MINING = replace(UNAVAILABLE, available=True, mining=True, power=3000.0, hashrate=100.0)


def full_power(models: MemberModels) -> float:
    """Return what the allocator would read as the member's power at 100 %."""
    reading = models.reading("m", MINING, first=False, held_by_user=False)
    return reading.full_power_w


def test_the_most_drawn_stands_in_without_a_percentage() -> None:
    models = MemberModels()
    models.polled("m", MINING, 0.0)
    models.polled("m", replace(MINING, power=2500.0), 0.0)

    assert full_power(models) == 3000.0


def test_a_known_percentage_scales_the_draw() -> None:
    models = MemberModels()
    models.polled("m", replace(MINING, power_percent=50), 0.0)

    assert full_power(models) == 6000.0


def test_a_v2_write_is_learned_from_only_once_the_draw_has_followed() -> None:
    """v2 reports the written percentage at once while its draw follows about 20 s late."""
    models = MemberModels()
    at_full = replace(MINING, power_percent=100)
    models.polled("m", at_full, 0.0)
    models.written("m", 100.0)  # the budget writes 40 %
    for now in range(100, 100 + int(SETTLE_S), 5):
        lag = min(1.0, (now - 100) / 20)  # from 3000 W to 1200 W over 20 s
        draw = 3000.0 - 1800.0 * lag
        models.polled("m", replace(MINING, power=draw, power_percent=40), float(now))
        assert full_power(models) == 3000.0  # not 7500 W from the old draw

    models.polled("m", replace(MINING, power=1230.0, power_percent=40), 100 + SETTLE_S)
    assert full_power(models) == 3075.0  # settled: the higher estimate wins


def test_a_settled_estimate_too_low_is_outweighed_while_in_the_window() -> None:
    """A v2 miner left at 40 % reports 100 after a restart: its draw is not its full power."""
    models = MemberModels()
    models.polled("m", replace(MINING, power_percent=100), 0.0)
    models.polled("m", replace(MINING, power=1200.0, power_percent=100), 60.0)
    models.polled("m", replace(MINING, ramping=True, power=10.0, power_percent=10), 70.0)
    assert full_power(models) == 3000.0

    later = 60.0 + FULL_POWER_WINDOW_S + 1
    models.polled("m", replace(MINING, power=2900.0, power_percent=100), later)
    assert full_power(models) == 2900.0  # the old one has left the window
