"""A farm set up with Home Assistant's start spreads its polls over the interval."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import CoreState

from custom_components.whatsminer.coordinator import poll_phase

from .conftest import advance, entry_for, set_up_entry

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

INTERVAL = timedelta(seconds=30)
POLL = "summary+edevs+pools"


def polls(miner: SimulatedMiner) -> int:
    return miner.commands.count(POLL)


async def test_miners_set_up_at_start_poll_at_their_phase_then_every_interval(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    miners = [await miner_factory() for _ in range(3)]
    entries = [await entry_for(miner) for miner in miners]
    hass.set_state(CoreState.not_running)
    for entry in entries:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    hass.set_state(CoreState.running)

    delays = [entry.runtime_data.update_interval - INTERVAL for entry in entries]
    assert delays == [INTERVAL * poll_phase(entry) for entry in entries]
    assert len(set(delays)) == len(entries)
    assert [polls(miner) for miner in miners] == [1, 1, 1]

    await advance(hass, freezer, (INTERVAL + max(delays)).total_seconds() + 1)

    assert [polls(miner) for miner in miners] == [2, 2, 2]
    assert all(entry.runtime_data.update_interval == INTERVAL for entry in entries)


async def test_miner_added_while_running_polls_every_interval(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    entry = await set_up_entry(hass, miner)

    assert entry.runtime_data.update_interval == INTERVAL
    await advance(hass, freezer, INTERVAL.total_seconds())
    assert polls(miner) == 2
