"""The client against the team's simulated miners (tests/simulator), every profile."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from custom_components.whatsminer.api import (
    ApiGeneration,
    CommandOutcome,
    PoolConfig,
    PowerMode,
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
    WhatsminerWriteDisabledError,
    operations as ops,
)
from tests.simulator import PROFILES, SimulatedMiner

from .conftest import simulated_client

if TYPE_CHECKING:
    from tests.simulator.fixtures import MinerFactory


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_identity_and_poll_on_every_profile(
    miner_factory: MinerFactory, profile: str
) -> None:
    miner = await miner_factory(profile=profile)
    facts = PROFILES[profile]
    client = simulated_client(miner)

    identity = await client.identity()
    before = client.connections_opened
    snapshot = await client.fetch()

    assert identity.mac == miner.mac
    assert identity.model == facts.model
    assert identity.firmware == facts.firmware
    assert identity.api_version == facts.api_version
    assert identity.api_generation is ApiGeneration.V2
    assert before == 3
    assert client.connections_opened - before == 4  # three-way join, status, errors, PSU
    assert snapshot.hashrate == pytest.approx(facts.hashrate_ths, rel=0.1)
    assert snapshot.power == pytest.approx(facts.power_w, rel=0.1)
    assert len(snapshot.boards) == facts.boards
    assert all(board.alive for board in snapshot.boards)
    assert snapshot.mining is True
    assert snapshot.power_mode is PowerMode.NORMAL
    assert (snapshot.led_auto, snapshot.upfreq_speed) == (None, None)
    assert snapshot.power_percent == 100  # btminer's start value; nothing written since
    assert snapshot.firmware == facts.firmware
    assert snapshot.active_pool is not None


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_errors_reach_a_poll_without_identity_on_every_profile(
    miner_factory: MinerFactory, profile: str
) -> None:
    miner = await miner_factory(profile=profile)
    miner.state.error_codes = [(110, "2024-06-15 09:15:00"), (531, "2024-06-15 10:30:00")]

    async with simulated_client(miner) as client:
        snapshot = await client.fetch()  # the API version is unknown: get_error_code is read

    assert "get_error_code" in miner.commands
    assert [error.code for error in snapshot.errors] == ["110", "531"]
    assert snapshot.hashrate == pytest.approx(PROFILES[profile].hashrate_ths, rel=0.1)


async def test_writes_show_up_in_the_next_poll(v2_miner: SimulatedMiner) -> None:
    client = simulated_client(v2_miner)

    assert await client.run(ops.StopMining()) is CommandOutcome.CONFIRMED
    assert (await client.fetch()).mining is False
    await client.run(ops.StartMining())
    await client.run(ops.SetPowerMode(PowerMode.HIGH))
    await client.run(ops.SetPowerLimit(3000))
    await client.run(ops.SetFastBoot(enabled=True))
    await client.run(
        ops.SetPools([PoolConfig(url="stratum+tcp://new.pool:3333", worker="me.rig", password="x")])
    )
    snapshot = await client.fetch()

    assert snapshot.mining is True
    assert snapshot.power_mode is PowerMode.HIGH
    assert snapshot.power_limit == 3000
    assert snapshot.fast_boot is True
    assert [(pool.url, pool.user) for pool in snapshot.pools] == [
        ("stratum+tcp://new.pool:3333", "me.rig")
    ]


async def test_settings_without_a_v2_read_reach_the_miner(v2_miner: SimulatedMiner) -> None:
    client = simulated_client(v2_miner)

    await client.run(ops.SetUpfreqSpeed(9))
    await client.run(ops.SetTempOffset(-30))
    await client.run(ops.SetPoweroffCool(enabled=True))
    await client.run(ops.SetFanZeroSpeed(enabled=True))
    await client.run(ops.SetTargetFreq(-100))
    await client.run(ops.SetTimeZone("CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin"))
    await client.run(ops.SetWebPools(enabled=False))
    await client.run(ops.SetHostname("rig-7"))
    await client.run(ops.SetLed(color="red", period=200, duration=100, start=0))
    state = v2_miner.state

    assert (state.upfreq_speed, state.temp_offset, state.target_freq) == (9, -30, -100)
    assert (state.poweroff_cool, state.fan_zero_speed, state.web_pools) == (True, True, False)
    assert (state.timezone, state.zonename) == ("CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin")
    assert state.hostname == "rig-7"
    assert state.led != "auto"
    assert (await client.fetch()).upfreq_speed is None  # no v2 read reports it

    await client.run(ops.SetLedAuto())
    assert v2_miner.state.led == "auto"


async def test_password_verification(v2_miner: SimulatedMiner) -> None:
    client = simulated_client(v2_miner)

    await client.verify_password()

    with pytest.raises(WhatsminerAuthError):
        await simulated_client(v2_miner, "wrong").verify_password()


async def test_disabled_write_api(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m50", api_switch=False)

    with pytest.raises(WhatsminerWriteDisabledError):
        await simulated_client(miner).run(ops.Reboot())


async def test_lost_reboot_reply_then_the_miner_comes_back(miner_factory: MinerFactory) -> None:
    # Long enough for the poll during it on a busy machine, whose event loop may stall for
    # most of a second (a full garbage collection); the sleep outlasts it.
    miner = await miner_factory(profile="m50", restart_seconds=1.0)
    client = simulated_client(miner)
    await client.verify_password()  # the token is cached: only the reboot reply is lost
    miner.faults.drop = True
    miner.faults.count = 1

    assert await client.run(ops.Reboot()) is CommandOutcome.SENT
    with pytest.raises(WhatsminerConnectionError):
        await client.fetch()
    await asyncio.sleep(1.15)
    assert (await client.fetch()).mining is True
    assert "reboot" in miner.commands


async def test_cut_reboot_reply_counts_as_sent(v2_miner: SimulatedMiner) -> None:
    client = simulated_client(v2_miner)
    await client.verify_password()  # the token is cached: only the reboot reply is cut
    v2_miner.faults.truncate = True
    v2_miner.faults.count = 1

    assert await client.run(ops.Reboot()) is CommandOutcome.SENT
    assert "reboot" in v2_miner.commands


async def test_miner_without_pools_polls_with_no_pools(v2_miner: SimulatedMiner) -> None:
    v2_miner.state.pools = []

    snapshot = await simulated_client(v2_miner).fetch()

    assert snapshot.pools == ()
    assert snapshot.active_pool is None
    assert snapshot.mining is True


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("drop", WhatsminerConnectionError),
        ("reset", WhatsminerConnectionError),
        ("truncate", WhatsminerInvalidReplyError),
        ("garbage", WhatsminerInvalidReplyError),
        ("refuse", WhatsminerConnectionError),
    ],
)
async def test_faults_fail_the_poll_with_typed_errors(
    v2_miner: SimulatedMiner, fault: str, error: type[Exception]
) -> None:
    setattr(v2_miner.faults, fault, True)

    with pytest.raises(error):
        await simulated_client(v2_miner).fetch()


async def test_a_reply_above_1_mib_is_refused(v2_miner: SimulatedMiner) -> None:
    v2_miner.faults.oversize = True  # the reply only completes after 1 MiB of spaces

    with pytest.raises(WhatsminerReplyTooLargeError):  # 5 MiB in all: time enough when busy
        await simulated_client(v2_miner, timeout=5.0).fetch()

    v2_miner.faults.oversize = False
    assert (await simulated_client(v2_miner).fetch()).mining is True


async def test_slow_miner_times_out(v2_miner: SimulatedMiner) -> None:
    v2_miner.faults.delay = 2.0

    with pytest.raises(WhatsminerTimeoutError):
        await simulated_client(v2_miner).fetch()


async def test_warm_up_asks_until_the_miner_is_warm(v2_miner: SimulatedMiner) -> None:
    v2_miner.state.warm_up_polls = 2
    client = simulated_client(v2_miner)

    assert await client.warm_up(time_limit=60, poll_every=0) is True

    assert v2_miner.commands.count("pre_power_on") == 3
    assert v2_miner.requests[-1]["complete"] == "false"  # asks; does not claim it is done


async def test_warm_up_gives_up_after_its_time_limit(v2_miner: SimulatedMiner) -> None:
    v2_miner.state.warm_up_polls = 5

    assert await simulated_client(v2_miner).warm_up(time_limit=0, poll_every=0) is False

    assert v2_miner.commands.count("pre_power_on") == 1


async def test_warm_up_waits_between_questions(v2_miner: SimulatedMiner) -> None:
    v2_miner.state.warm_up_polls = 1

    # The limit only has to outlast two questions, however slowly a busy machine asks them.
    assert await simulated_client(v2_miner).warm_up(time_limit=60, poll_every=0.01) is True
    assert v2_miner.commands.count("pre_power_on") == 2
