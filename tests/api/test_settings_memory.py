"""What a v2 poll works out that no v2 read reports (api/v2/settings_memory.py).

The power percentage since btminer's start, and the power limit of a stopped miner.

Miner and client share one clock, moved by the tests, so btminer's start time as the
client works it out (now minus ``Elapsed``) is exact.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from custom_components.whatsminer.api import SetPowerLimit, SetPowerPercent, V2Client
from custom_components.whatsminer.api.v2.settings_memory import SettingsMemory

from .conftest import quick_client

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


class Clock:
    """A clock the test moves; miner and client read the same one."""

    def __init__(self) -> None:
        """Start at some Unix time."""
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        """Return the time the test set."""
        return self.now


async def start(miner_factory: MinerFactory) -> tuple[SimulatedMiner, V2Client, Clock]:
    """Start an M50 and a client for it on one clock."""
    clock = Clock()
    miner = await miner_factory(profile="m50", password="admin", api_switch=True, clock=clock)
    return miner, quick_client(miner.host, "admin", port=miner.v2_port, clock=clock), clock


async def test_percentage_is_100_until_written_and_after_a_restart(
    miner_factory: MinerFactory,
) -> None:
    miner, client, clock = await start(miner_factory)
    async with client:
        assert (await client.fetch()).power_percent == 100  # btminer's start value

        await client.run(SetPowerPercent(40))
        clock.now += 60
        assert (await client.fetch()).power_percent == 40
        clock.now += 600
        assert (await client.fetch()).power_percent == 40  # btminer has not started since

        miner.restart()  # a power limit or mode write elsewhere, a reboot, a crash
        clock.now += 30
        assert (await client.fetch()).power_percent == 100
        clock.now += 30
        assert (await client.fetch()).power_percent == 100  # the write is forgotten


async def test_a_write_after_the_restart_counts(miner_factory: MinerFactory) -> None:
    miner, client, clock = await start(miner_factory)
    async with client:
        await client.run(SetPowerPercent(40))
        clock.now += 60
        miner.restart()
        clock.now += 30
        await client.run(SetPowerPercent(70))

        assert (await client.fetch()).power_percent == 70


async def test_without_elapsed_a_written_percentage_stays(miner_factory: MinerFactory) -> None:
    """No start can be seen without the summary's Elapsed: what was written stands."""
    _miner, client, clock = await start(miner_factory)
    async with client:
        data = await client.fetch()
    memory = SettingsMemory()
    memory.note_written(SetPowerPercent(40), clock.now)
    unread = replace(data, elapsed=None, power_percent=None)

    assert memory.complete(unread, clock.now + 3600).power_percent == 40


async def test_a_stopped_miner_keeps_its_last_limit(miner_factory: MinerFactory) -> None:
    """With no limit set the summary's limit stands; it reads 0 while mining is stopped."""
    miner, client, clock = await start(miner_factory)
    async with client:
        limit = (await client.fetch()).power_limit
        assert limit is not None

        miner.state.mining = False
        clock.now += 30
        stopped = await client.fetch()
        assert (stopped.mining, stopped.power_limit) == (False, limit)


async def test_a_limit_write_forgets_the_kept_limit(miner_factory: MinerFactory) -> None:
    miner, client, clock = await start(miner_factory)
    async with client:
        assert (await client.fetch()).power_limit is not None
        await client.run(SetPowerLimit(99999))  # no limit set: nothing to show while stopped
        miner.state.mining = False  # stopped since
        clock.now += 30

        stopped = await client.fetch()
        assert (stopped.mining, stopped.power_limit) == (False, None)


async def test_what_the_poll_reports_stands(miner_factory: MinerFactory) -> None:
    """A reported percentage is kept; a mining miner without a limit shows none."""
    _miner, client, clock = await start(miner_factory)
    async with client:
        data = await client.fetch()
    memory = SettingsMemory()
    memory.complete(data, clock.now)  # a limit seen
    mining_without_limit = replace(data, mining=True, power_limit=None, power_percent=80)

    completed = memory.complete(mining_without_limit, clock.now)

    assert (completed.power_limit, completed.power_percent) == (None, 80)
