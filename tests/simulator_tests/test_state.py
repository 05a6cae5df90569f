"""The miner model without sockets: state over time, and the readings derived from it."""

from __future__ import annotations

import pytest

from tests.simulator import PROFILES, MinerState, RestartKind, SimulatedMiner
from tests.simulator.identity import board_weights, mac_for_host
from tests.simulator.telemetry import IDLE_POWER_W, read

from .clocks import FakeClock

M50 = PROFILES["m50"]


@pytest.fixture
def state(clock: FakeClock) -> MinerState:
    return MinerState.create(
        clock=clock, host="127.0.0.9", mac="C6:07:20:00:00:09", password="pw", api_switch=True
    )


def test_created_miner_has_been_running_for_a_while(state: MinerState) -> None:
    assert state.mining
    assert (state.uptime, state.elapsed) == (7200, 7000)
    assert len(state.pools) == 3
    assert state.network.gateway == "127.0.0.1"


def test_uptime_elapsed_and_shares_grow_with_the_clock(state: MinerState, clock: FakeClock) -> None:
    before = read(state, M50)
    clock.advance(600)
    after = read(state, M50)
    assert (after.uptime - before.uptime, after.elapsed - before.elapsed) == (600, 600)
    assert after.accepted > before.accepted
    assert after.accepted - before.accepted == pytest.approx(600 * 118 * 0.00355, rel=0.01)


def test_shares_stop_while_not_mining_and_restart_from_zero(
    state: MinerState, clock: FakeClock
) -> None:
    state.mining = False
    frozen = read(state, M50).accepted
    clock.advance(600)
    assert read(state, M50).accepted == frozen
    state.mining = True
    clock.advance(600)
    assert read(state, M50).accepted > frozen
    state.restart(RestartKind.BTMINER)
    assert (read(state, M50).accepted, state.elapsed, state.uptime) == (0, 0, 8400)
    state.restart(RestartKind.SYSTEM)
    assert state.uptime == 0


def test_a_start_boots_then_ramps_along_the_profile(state: MinerState, clock: FakeClock) -> None:
    state.mining = False
    assert not read(state, M50).upfreq_complete  # a stopped miner tunes nothing
    state.mining = True
    clock.advance(M50.boot_s - 1)
    booting = read(state, M50)
    assert (booting.mining, booting.hashrate.average, booting.power_w) == (True, 0.0, IDLE_POWER_W)
    clock.advance(1 + (M50.ramp_s - M50.boot_s) / 4)
    ramping = read(state, M50)
    assert ramping.hashrate.average == pytest.approx(M50.hashrate_ths / 4)
    assert not ramping.upfreq_complete
    clock.advance(M50.ramp_s)
    assert read(state, M50).upfreq_complete
    state.restart(RestartKind.BTMINER)  # btminer back: the tuning starts again
    assert read(state, M50).hashrate.average == 0.0


def test_ramp_scale_zero_hashes_at_once_and_is_kept_by_a_factory_reset(
    state: MinerState,
) -> None:
    state.ramp_scale = 0
    state.mining = False
    state.mining = True
    settled = read(state, M50)
    assert settled.upfreq_complete
    assert (settled.hashrate.average, settled.power_w) == (M50.hashrate_ths, M50.power_w)
    state.factory_reset()
    assert state.ramp_scale == 0


def test_a_restart_keeps_a_stopped_miner_stopped(state: MinerState) -> None:
    state.mining = False
    state.restart(RestartKind.SYSTEM)
    assert not state.mining
    state.mining = False  # no change
    assert not state.mining


def test_stopped_miner_idles(state: MinerState) -> None:
    state.mining = False
    readings = read(state, M50)
    assert (readings.power_w, readings.power_limit_w) == (IDLE_POWER_W, 0)
    assert readings.hashrate.average == readings.hashrate.realtime == 0
    assert readings.fan_in_rpm == 0
    assert readings.power_rate == 0
    assert all(board.frequency == 0 for board in readings.boards)
    state.poweroff_cool = True
    assert read(state, M50).fan_in_rpm > 0


@pytest.mark.parametrize(
    ("settings", "hashrate", "power"),
    [
        ({}, 118.0, 3306),
        ({"power_mode": "low"}, 118 * 0.85, round(3306 * 0.75)),
        ({"power_mode": "high"}, 118 * 1.12, round(3306 * 1.22)),
        ({"power_limit": 3306 // 2}, 118 / 2, 3306 // 2),
        ({"power_limit": 99999}, 118.0, 3306),
        ({"power_limit": 0}, 0.0, 0),
        ({"power_percent": 50}, 59.0, 1653),
        ({"target_freq": -10}, 118 * 0.9, round(3306 * 0.9)),
        ({"power_mode": "high", "power_limit": 3306}, 118 * 1.12 / 1.22, 3306),
    ],
)
def test_settings_scale_hashrate_and_power(
    state: MinerState, settings: dict[str, object], hashrate: float, power: int
) -> None:
    for name, value in settings.items():
        setattr(state, name, value)
    readings = read(state, M50)
    assert readings.hashrate.average == pytest.approx(hashrate)
    assert readings.power_w == power


def test_boards_add_up_to_the_totals(state: MinerState) -> None:
    readings = read(state, M50)
    assert len(readings.boards) == 3
    for window in range(5):
        total = sum(board.hashrate[window] for board in readings.boards)
        assert total == pytest.approx(readings.hashrate[window])
    assert readings.temperature == max(board.temperature for board in readings.boards)
    for board in readings.boards:
        assert board.chip_temp_min <= board.chip_temp_avg <= board.chip_temp_max
    assert sum(board.accepted for board in readings.boards) == pytest.approx(
        readings.accepted, abs=3
    )
    assert len({board.serial for board in readings.boards}) == 3


def test_temp_offset_cools_the_boards_and_spins_the_fans(state: MinerState) -> None:
    normal = read(state, M50)
    state.temp_offset = -20
    cooler = read(state, M50)
    assert cooler.temperature < normal.temperature
    assert cooler.fan_in_rpm > normal.fan_in_rpm


def test_factory_reset_keeps_identity_and_history(state: MinerState) -> None:
    state.error_codes = [(110, "2024-01-01 00:00:00")]
    state.hostname = "x"
    state.api_switch = True
    state.network.proto = "static"
    state.factory_reset()
    assert (state.hostname, state.api_switch, state.password, state.pools) == (
        "WhatsMiner",
        False,
        "admin",
        [],
    )
    assert state.network.proto == "dhcp"
    assert state.network.ip == "127.0.0.9"
    assert state.error_codes == [(110, "2024-01-01 00:00:00")]
    assert state.mac == "C6:07:20:00:00:09"


def test_state_needs_a_clock() -> None:
    with pytest.raises(RuntimeError, match="clock"):
        _ = MinerState().uptime


def test_identity_is_derived_from_the_address() -> None:
    assert mac_for_host("127.0.0.2") == "C6:07:20:00:00:02"
    assert mac_for_host("127.1.2.3") == "C6:07:20:01:02:03"
    weights = board_weights("C6:07:20:00:00:02", 4)
    assert sum(weights) == pytest.approx(1)
    assert weights == board_weights("C6:07:20:00:00:02", 4)


@pytest.mark.parametrize("host", ["192.168.1.5", "0.0.0.0", "::1", "localhost"])
def test_miners_only_live_on_ipv4_loopback(host: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - ipaddress and the simulator both say why
        SimulatedMiner(host)


def test_miner_properties(clock: FakeClock) -> None:
    miner = SimulatedMiner("127.0.0.77", "pw", "m60_v3", mac="AA:BB:CC:DD:EE:FF", clock=clock)
    assert repr(miner) == "<SimulatedMiner 127.0.0.77 m60_v3 mac=AA:BB:CC:DD:EE:FF>"
    assert (miner.password, miner.clock, miner.running) == ("pw", clock, False)
    other = FakeClock(5.0)
    miner.clock = other
    assert miner.state.clock is other


def test_power_limit_shown_is_the_one_set_else_the_machines_own(state: MinerState) -> None:
    assert read(state, M50).power_limit_w == 4100  # 3306 W * 1.22, rounded up to 100 W
    state.power_limit = 0
    assert read(state, M50).power_limit_w == 0
