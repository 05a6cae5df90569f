"""The J/TH learner: the nominal figure until readings say otherwise, junk ignored."""

from __future__ import annotations

import pytest

from custom_components.whatsminer.budget import Efficiency
from custom_components.whatsminer.budget.efficiency import MIN_SAMPLES


def test_nominal_until_enough_readings_then_the_mean() -> None:
    estimate = Efficiency(30.0)
    assert estimate.jth == 30.0
    for _ in range(MIN_SAMPLES - 1):
        estimate = estimate.updated(3300.0, 100.0, ramping=False)
    assert estimate.jth == 30.0  # still the nominal figure
    estimate = estimate.updated(3300.0, 100.0, ramping=False)
    assert estimate.jth == pytest.approx(33.0)
    assert estimate.samples == MIN_SAMPLES


def test_readings_that_say_nothing_are_left_out() -> None:
    estimate = Efficiency(30.0)
    assert estimate.updated(3300.0, 100.0, ramping=True) is estimate
    assert estimate.updated(None, 100.0, ramping=False) is estimate
    assert estimate.updated(3300.0, 0.0, ramping=False) is estimate
    assert estimate.updated(-5.0, 10.0, ramping=False) is estimate
    assert estimate.updated(3300.0, 10.0, ramping=False) is estimate  # 330 J/TH: a failing board
    assert estimate.updated(300.0, 100.0, ramping=False) is estimate  # 3 J/TH: implausible


def test_the_mean_follows_slowly() -> None:
    estimate = Efficiency(30.0)
    for _ in range(100):
        estimate = estimate.updated(3000.0, 100.0, ramping=False)
    for _ in range(5):
        estimate = estimate.updated(3600.0, 100.0, ramping=False)
    assert 30.0 < estimate.jth < 33.0
