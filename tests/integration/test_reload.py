"""How often a loaded miner reloads: once per changed address or password, never for options.

Users change these while the miner is loaded, so every test starts from a loaded entry and
counts the setups that follow the change. Home Assistant 2026.12 stops accepting an update
listener next to the flow helpers that reload an entry; the deprecation tripwire
(tests/tripwire.py) fails any of these tests that triggers its warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.data_entry_flow import FlowResultType
import pytest

import custom_components.whatsminer as integration
from custom_components.whatsminer.const import DOMAIN

from .conftest import entry_for
from .test_config_flow import ELSEWHERE, dhcp_info, submit_miner

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator
    from unittest.mock import MagicMock

    from homeassistant.config_entries import ConfigFlowResult
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner


@pytest.fixture
def setups() -> Iterator[MagicMock]:
    """Count the entry setups (the first one and every reload) while the test runs."""
    with patch.object(
        integration, "async_setup_entry", wraps=integration.async_setup_entry
    ) as counted:
        yield counted


async def loaded(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up an entry, as Home Assistant does at start."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_options_change_does_not_reload(
    hass: HomeAssistant, miner: SimulatedMiner, setups: MagicMock
) -> None:
    """A new scan interval reaches the running coordinator without a reload."""
    entry = await entry_for(miner)
    await loaded(hass, entry)
    coordinator = entry.runtime_data

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 90}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setups.call_count == 1
    assert entry.runtime_data is coordinator
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 90


async def test_options_of_an_unloaded_entry_wait_for_its_setup(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Options saved while the entry is not loaded are read when it is set up."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], {CONF_SCAN_INTERVAL: 45})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.runtime_data.update_interval is not None
    assert entry.runtime_data.update_interval.total_seconds() == 45


async def test_reauth_reloads_once(
    hass: HomeAssistant, miner: SimulatedMiner, setups: MagicMock
) -> None:
    """A new password reloads the loaded entry exactly once."""
    entry = await entry_for(miner, password="old")
    await loaded(hass, entry)

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: miner.password}
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == miner.password
    assert setups.call_count == 2
    assert entry.state is ConfigEntryState.LOADED


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, miner: SimulatedMiner
) -> ConfigFlowResult:
    """Give the entry the miner's address in the reconfigure flow."""
    result = await entry.start_reconfigure_flow(hass)
    return await submit_miner(hass, result, miner)


async def _dhcp(
    hass: HomeAssistant, _entry: MockConfigEntry, miner: SimulatedMiner
) -> ConfigFlowResult:
    """Let DHCP see the miner at its address."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )


@pytest.mark.parametrize(
    ("move", "reason"),
    [(_reconfigure, "reconfigure_successful"), (_dhcp, "already_configured")],
    ids=["reconfigure", "dhcp"],
)
async def test_a_new_address_reloads_once(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    setups: MagicMock,
    move: Callable[[HomeAssistant, MockConfigEntry, SimulatedMiner], Awaitable[ConfigFlowResult]],
    reason: str,
) -> None:
    """A new address, typed or seen by DHCP, reloads the loaded entry exactly once.

    The entry loads offline from the stored identity, and after the reload polls the
    miner at its new address.
    """
    entry = await entry_for(miner, host=ELSEWHERE)
    await loaded(hass, entry)

    result = await move(hass, entry, miner)
    await hass.async_block_till_done()

    assert result["reason"] == reason
    assert setups.call_count == 2
    assert entry.runtime_data.link.client.host == miner.host
    assert entry.runtime_data.last_update_success


async def test_dhcp_at_the_same_address_does_not_reload(
    hass: HomeAssistant, miner: SimulatedMiner, setups: MagicMock
) -> None:
    """DHCP seeing a loaded miner where it already is changes nothing."""
    entry = await entry_for(miner)
    await loaded(hass, entry)

    await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )
    await hass.async_block_till_done()

    assert setups.call_count == 1


async def test_a_new_identity_does_not_reload(
    hass: HomeAssistant, miner: SimulatedMiner, setups: MagicMock
) -> None:
    """Storing what a poll learned about the miner (its identity) is no reason to reload."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, "identity": None})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.data["identity"] is not None
    assert setups.call_count == 1
