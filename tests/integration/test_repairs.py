"""The write-API repair issue: raised, explained, checked again and cleared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.whatsminer.const import DOMAIN

from .conftest import entry_for, frozen_clock, set_up_entry

STRINGS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "strings.json"

if TYPE_CHECKING:
    from homeassistant.components.repairs import RepairsFlowManager
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


@pytest.fixture
async def locked_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Return a miner whose write API is switched off."""
    return await miner_factory(api_switch=False, clock=frozen_clock)


@pytest.fixture
async def locked_entry(hass: HomeAssistant, locked_miner: SimulatedMiner) -> MockConfigEntry:
    """Return the set-up entry of the locked miner."""
    return await set_up_entry(hass, locked_miner)


def issue_id(entry: MockConfigEntry) -> str:
    """Return the write-API issue id of an entry."""
    return f"write_api_disabled_{entry.entry_id}"


def has_issue(hass: HomeAssistant, entry: MockConfigEntry) -> bool:
    """Return whether the entry's write-API issue is open."""
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry)) is not None


async def press_identify(hass: HomeAssistant) -> None:
    """Press the identify button (any write would do)."""
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.whatsminer_identify"}, blocking=True
    )


async def test_issue_raised_and_fixed(
    hass: HomeAssistant,
    locked_miner: SimulatedMiner,
    locked_entry: MockConfigEntry,
    fix_flows: RepairsFlowManager,
) -> None:
    """Writes point at the issue; its fix flow checks the miner until writes work."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(locked_entry))
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"name": "WhatsMiner"}
    assert hass.states.get("sensor.whatsminer_hashrate").state != "unavailable"

    with pytest.raises(HomeAssistantError) as err:
        await press_identify(hass)
    assert err.value.translation_key == "write_api_disabled"

    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue_id(locked_entry)})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"

    result = await fix_flows.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "write_api_disabled"}

    locked_miner.state.api_switch = True
    result = await fix_flows.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not has_issue(hass, locked_entry)


def refuse_connections(miner: SimulatedMiner) -> None:
    """Make the miner unreachable."""
    miner.faults.refuse = True


async def test_fix_flow_error_for_an_unreachable_miner(
    hass: HomeAssistant,
    locked_miner: SimulatedMiner,
    locked_entry: MockConfigEntry,
    fix_flows: RepairsFlowManager,
) -> None:
    """The check reports an unreachable miner and can be tried again."""
    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue_id(locked_entry)})
    locked_miner.faults.refuse = True

    result = await fix_flows.async_configure(result["flow_id"], {})

    assert result["errors"] == {"base": "cannot_connect"}
    assert has_issue(hass, locked_entry)


async def test_wrong_password_found_once_writes_are_enabled(
    hass: HomeAssistant, miner_factory: MinerFactory, fix_flows: RepairsFlowManager
) -> None:
    """A wrong password, unverifiable while writes were off, starts re-authentication.

    The miner refuses privileged requests before it looks at the password, so setup
    could not tell; the issue says so, and its check is the first that can.
    """
    miner = await miner_factory(api_switch=False, clock=frozen_clock)
    entry = await entry_for(miner, password="wrong")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert has_issue(hass, entry)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue_id(entry)})
    miner.state.api_switch = True
    result = await fix_flows.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_auth"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_fix_flow_for_an_unloaded_entry(
    hass: HomeAssistant, locked_entry: MockConfigEntry, fix_flows: RepairsFlowManager
) -> None:
    """A fix flow left open while its entry unloads cannot check anything."""
    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue_id(locked_entry)})
    assert await hass.config_entries.async_unload(locked_entry.entry_id)

    result = await fix_flows.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_successful_write_clears_the_issue(
    hass: HomeAssistant, locked_miner: SimulatedMiner, locked_entry: MockConfigEntry
) -> None:
    """Once the user enabled the API, the first write that works clears the issue."""
    locked_miner.state.api_switch = True

    await press_identify(hass)

    assert not has_issue(hass, locked_entry)


async def test_issue_removed_on_unload_and_raised_again(
    hass: HomeAssistant, locked_entry: MockConfigEntry
) -> None:
    """Unloading removes the issue; the next setup's check raises it again."""
    assert has_issue(hass, locked_entry)

    assert await hass.config_entries.async_unload(locked_entry.entry_id)
    assert not has_issue(hass, locked_entry)

    assert await hass.config_entries.async_setup(locked_entry.entry_id)
    await hass.async_block_till_done()
    assert has_issue(hass, locked_entry)


async def test_issue_removed_with_the_entry(
    hass: HomeAssistant, locked_entry: MockConfigEntry
) -> None:
    """Deleting the entry deletes its issue."""
    assert await hass.config_entries.async_remove(locked_entry.entry_id)
    await hass.async_block_till_done()

    assert not has_issue(hass, locked_entry)


async def test_issue_not_raised_for_an_enabled_api(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A miner with writes enabled has no issue."""
    assert not has_issue(hass, init_integration)


WRITE_API = "binary_sensor.whatsminer_write_api"


def write_api_state(hass: HomeAssistant) -> str:
    """Return the state of the miner's Write API sensor."""
    state = hass.states.get(WRITE_API)
    assert state is not None
    return state.state


async def test_write_api_sensor_follows_the_issue(
    hass: HomeAssistant,
    locked_miner: SimulatedMiner,
    locked_entry: MockConfigEntry,
    fix_flows: RepairsFlowManager,
) -> None:
    """The device page says that writes are off, and says it at once when that changes."""
    assert write_api_state(hass) == STATE_OFF

    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue_id(locked_entry)})
    locked_miner.state.api_switch = True
    await fix_flows.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert write_api_state(hass) == STATE_ON

    locked_miner.state.api_switch = False  # a factory reset, say
    with pytest.raises(HomeAssistantError):
        await press_identify(hass)
    await hass.async_block_till_done()
    assert write_api_state(hass) == STATE_OFF


async def test_write_api_sensor_is_diagnostic_and_on_for_an_enabled_api(
    hass: HomeAssistant, init_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A miner that takes commands shows its write API on, among the diagnostics."""
    assert write_api_state(hass) == STATE_ON
    entry = entity_registry.async_get(WRITE_API)
    assert entry is not None
    assert entry.entity_category is EntityCategory.DIAGNOSTIC


def test_v2_repair_text_needs_no_step_the_user_cannot_take() -> None:
    """Re-authentication cannot be started by hand: the fix flow's check asks instead."""
    texts = json.loads(STRINGS.read_text())
    description = texts["issues"]["write_api_disabled"]["fix_flow"]["step"]["confirm"][
        "description"
    ]
    assert "re-authenticate" not in description.lower()
    assert "asks you for the new one" in description
