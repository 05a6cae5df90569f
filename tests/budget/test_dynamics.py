"""The miner dynamics model the budget bench drives (tests/simulator/dynamics.py)."""

from __future__ import annotations

import pytest

from tests.simulator.dynamics import DYNAMICS, MinerModel, start_progress
from tests.simulator.profiles import PROFILES


def test_every_budget_profile_has_dynamics_from_its_nominal_figures() -> None:
    for name, dynamics in DYNAMICS.items():
        profile = PROFILES[name]
        assert dynamics.full_power_w == profile.power_w
        assert dynamics.nominal_jth == pytest.approx(profile.power_w / profile.hashrate_ths)
        assert dynamics.boot_s < dynamics.ramp_s
        # One set of start times: the TCP simulator's profile is the bench's.
        assert (dynamics.boot_s, dynamics.ramp_s) == (profile.boot_s, profile.ramp_s)


def test_start_progress_boots_rises_and_zero_times_are_instant() -> None:
    assert start_progress(60.0, 240.0, 30.0) == 0.0
    assert start_progress(60.0, 240.0, 150.0) == pytest.approx(0.5)
    assert start_progress(60.0, 240.0, 240.0) == 1.0
    assert start_progress(0.0, 0.0, 0.0) == 1.0
    assert start_progress(10.0, 10.0, 5.0) == 0.0


def test_a_start_boots_ramps_and_raises_the_flag_at_the_end() -> None:
    dynamics = DYNAMICS["m50"]
    unit = MinerModel(dynamics, seed=1)
    unit.start(0.0, 100)
    assert not unit.up_freq_done
    assert unit.advance(dynamics.boot_s - 1) == dynamics.idle_w
    halfway = (dynamics.boot_s + dynamics.ramp_s) / 2
    assert unit.advance(halfway) == pytest.approx((dynamics.idle_w + dynamics.full_power_w) / 2)
    unit.set_percent(halfway, 50)  # taken as the ramp's new end point
    assert unit.advance(dynamics.ramp_s) == pytest.approx(dynamics.full_power_w / 2, rel=1e-3)
    assert unit.up_freq_done
    assert unit.hashrate_ths == pytest.approx((unit.power_w - dynamics.idle_w) / unit.jth)


def test_percentage_changes_follow_a_lag_fast_only_on_v3() -> None:
    for name, fast_s in (("m60_v3", 3.0), ("m30_old", 20.0)):
        dynamics = DYNAMICS[name]
        unit = MinerModel(dynamics, seed=2)
        unit.start(0.0, 100)
        unit.advance(dynamics.ramp_s)
        unit.set_percent(dynamics.ramp_s, 50, fast=True)
        power = unit.advance(dynamics.ramp_s + fast_s)
        gap = dynamics.full_power_w / 2
        assert power == pytest.approx(gap + gap * 0.3679, rel=1e-3)  # one time constant


def test_a_stop_falls_to_idle_within_seconds_and_units_differ() -> None:
    dynamics = DYNAMICS["m60_v3"]
    unit = MinerModel(dynamics, seed=3)
    unit.start(0.0, 100)
    unit.start(10.0, 100)  # a start of a running unit changes nothing
    unit.advance(dynamics.ramp_s)
    unit.stop(dynamics.ramp_s)
    assert unit.advance(dynamics.ramp_s + 10) < dynamics.idle_w + 0.01 * dynamics.full_power_w
    assert unit.hashrate_ths == 0.0
    assert unit.advance(dynamics.ramp_s + 10) == unit.power_w  # no time, no change

    jths = {MinerModel(dynamics, seed=seed).jth for seed in range(20)}
    assert len(jths) == 20
    assert all(0.8 * dynamics.nominal_jth <= jth <= 1.2 * dynamics.nominal_jth for jth in jths)


def test_scaled_stretches_every_time() -> None:
    dynamics = DYNAMICS["m50"].scaled(2.0)
    base = DYNAMICS["m50"]
    assert (dynamics.ramp_s, dynamics.boot_s) == (2 * base.ramp_s, 2 * base.boot_s)
    assert (dynamics.tau_normal_s, dynamics.tau_fast_s) == (2 * base.tau_normal_s, 6.0)
    assert dynamics.tau_stop_s == 2 * base.tau_stop_s
