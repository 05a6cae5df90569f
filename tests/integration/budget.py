"""Helpers of the power budget tests: budget entries, their entity ids, a meter sensor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.budget_entry import (
    CONF_KIND,
    CONF_MINERS,
    DEFAULT_TITLE,
    KIND_BUDGET,
)
from custom_components.whatsminer.const import DOMAIN

from .conftest import advance, frozen_clock, set_up_entry

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

METER = "sensor.grid_power"
# Long enough for every hold time of the allocator (minimum on and off times, the room a
# start waits for), short enough to fail soon when the budget never gets there.
PATIENCE = 3600


def budget_entry(miners: list[str], **options: Any) -> MockConfigEntry:
    """Return a budget entry as the flow creates it (fixed source unless options say)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=DEFAULT_TITLE,
        data={CONF_KIND: KIND_BUDGET},
        options={CONF_MINERS: miners, "source": "fixed", **options},
    )


async def set_up_budget(hass: HomeAssistant, miners: list[str], **options: Any) -> MockConfigEntry:
    """Add a budget entry over these miner entries and set it up."""
    entry = budget_entry(miners, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def budget_entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """Return the entity id of the budget's entity with this key."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}_{key}")
    assert found is not None, key
    return found


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state, which must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def set_meter(hass: HomeAssistant, watts: float | str, unit: str = "W") -> None:
    """Write the grid meter's state (a power sensor)."""
    hass.states.async_set(
        METER,
        str(watts),
        {"unit_of_measurement": unit, "device_class": "power", "state_class": "measurement"},
        force_update=True,
    )


async def set_up_members(
    hass: HomeAssistant, miner_factory: MinerFactory, *profiles: str, **options: Any
) -> tuple[list[SimulatedMiner], list[MockConfigEntry]]:
    """Start simulated miners on the test's clock and set up an entry for each."""
    miners = [
        await miner_factory(
            profile=profile, password="admin", api_switch=True, clock=frozen_clock, **options
        )
        for profile in profiles
    ]
    return miners, [await set_up_entry(hass, miner) for miner in miners]


async def set_up_farm(
    hass: HomeAssistant, miner_factory: MinerFactory, *profiles: str, **options: Any
) -> tuple[list[SimulatedMiner], list[MockConfigEntry], MockConfigEntry]:
    """Set up miners of these profiles and a budget (with ``options``) over all of them."""
    miners, entries = await set_up_members(hass, miner_factory, *profiles)
    budget = await set_up_budget(hass, [entry.entry_id for entry in entries], **options)
    return miners, entries, budget


def attributes_of(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    """Return an entity's attributes, which must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return dict(state.attributes)


async def advance_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, done: Callable[[], bool]
) -> None:
    """Move the clock on in steps of a poll until ``done()`` holds (at most PATIENCE s).

    The allocator's timings are its own (tested where it lives); these tests only need
    its decisions to arrive.
    """
    for _ in range(PATIENCE // 30):
        if done():
            return
        await advance(hass, freezer, 30)
    assert done()
