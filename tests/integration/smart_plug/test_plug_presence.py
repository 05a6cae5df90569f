"""A power switch that disappears raises a repair issue; the entry goes on without it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL, STATE_ON
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest

from custom_components.whatsminer.const import CONF_POWER_SWITCH, DOMAIN, PLUG_MISSING_GRACE
from custom_components.whatsminer.issues import power_switch_issue_id
from tests.integration.conftest import advance, entry_for

from .plug import PLUG, POLL_S, set_up_plug, set_up_plugged_entry, state

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

GRACE_S = PLUG_MISSING_GRACE.total_seconds()


@pytest.fixture
async def entry(hass: HomeAssistant, miner: SimulatedMiner) -> MockConfigEntry:
    """Return the miner's entry behind a plug that is in the entity registry."""
    plug = await set_up_plug(hass, unique_id="plug-1")
    return await set_up_plugged_entry(hass, miner, plug)


def issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    """Return the entry's missing power switch issue, if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, power_switch_issue_id(entry))


async def test_state_gone_for_good(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A state missing past the grace raises the issue; the miner is polled meanwhile."""
    hass.states.async_remove(PLUG)
    await hass.async_block_till_done()
    await advance(hass, freezer, GRACE_S - POLL_S)
    assert issue(hass, entry) is None
    await advance(hass, freezer, POLL_S)

    raised = issue(hass, entry)
    assert raised is not None
    assert raised.translation_key == "power_switch_missing"
    assert raised.translation_placeholders == {"name": "WhatsMiner", "entity_id": PLUG}
    assert not raised.is_fixable
    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "mining"

    hass.states.async_set(PLUG, STATE_ON)  # back
    await hass.async_block_till_done()
    assert issue(hass, entry) is None


async def test_state_back_within_the_grace(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A switch reloading (state gone for a moment) raises nothing."""
    hass.states.async_remove(PLUG)
    await hass.async_block_till_done()
    await advance(hass, freezer, POLL_S)
    hass.states.async_set(PLUG, STATE_ON)
    await advance(hass, freezer, GRACE_S)
    assert issue(hass, entry) is None


async def test_removed_from_the_registry(
    hass: HomeAssistant, miner: SimulatedMiner, entry: MockConfigEntry
) -> None:
    """Removed: the issue at once; options without a plug clear it."""
    er.async_get(hass).async_remove(PLUG)
    await hass.async_block_till_done()
    assert issue(hass, entry) is not None

    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: POLL_S}
    )
    await hass.async_block_till_done()
    assert issue(hass, entry) is None
    assert entry.runtime_data.link.plug is None


async def test_renamed_in_the_registry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A new name changes nothing; a new entity id leaves the options' one gone."""
    registry = er.async_get(hass)
    registry.async_update_entity(PLUG, name="Miner plug")
    await hass.async_block_till_done()
    assert issue(hass, entry) is None

    registry.async_update_entity(PLUG, new_entity_id="switch.miner_plug")
    await hass.async_block_till_done()
    assert issue(hass, entry) is not None


async def test_missing_since_setup(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A plug removed while Home Assistant was down: the issue after the grace, until unload."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_SCAN_INTERVAL: POLL_S, CONF_POWER_SWITCH: "switch.gone"}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, entry) is None
    await advance(hass, freezer, GRACE_S)
    assert issue(hass, entry) is not None

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert issue(hass, entry) is None
