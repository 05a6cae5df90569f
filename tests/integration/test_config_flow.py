"""Config flow: one miner by address, DHCP, re-authentication, reconfiguration and options.

Adding the miners of an address range is tested in test_range_flow.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest

from custom_components.whatsminer.const import CONF_IDENTITY, CONF_WARM_UP, DOMAIN
from custom_components.whatsminer.naming import readable_model

from .budget import budget_entry
from .conftest import entry_for

COMPONENT = Path(__file__).parents[2] / "custom_components" / DOMAIN
TEXTS = {
    language: json.loads((COMPONENT / "translations" / f"{language}.json").read_text())
    for language in ("en", "de")
}

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.config_entries import ConfigFlowResult
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

ELSEWHERE = "127.0.0.254"  # an address the flow never has to reach


def dhcp_info(miner: SimulatedMiner) -> DhcpServiceInfo:
    """Return what the DHCP watcher reports for the miner."""
    return DhcpServiceInfo(
        ip=miner.host, hostname="whatsminer", macaddress=miner.mac.replace(":", "").lower()
    )


async def single_miner_form(hass: HomeAssistant) -> ConfigFlowResult:
    """Open "Add integration" and pick adding one miner: the form for its address."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "single"}
    )


async def submit_miner(
    hass: HomeAssistant,
    result: ConfigFlowResult,
    miner: SimulatedMiner,
    password: str | None = None,
) -> ConfigFlowResult:
    """Submit the flow's form with the miner's address and its password (or ``password``)."""
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: miner.host, CONF_PASSWORD: miner.password if password is None else password},
    )


async def test_user_flow_offers_one_miner_or_a_range(hass: HomeAssistant) -> None:
    """Adding the integration starts with a menu: one miner, a range, or a power budget."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["single", "range", "budget"]


async def test_user_flow_creates_entry(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Address and password of a reachable miner create an entry keyed by its MAC."""
    result = await single_miner_form(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "single"
    assert result["errors"] == {}

    result = await submit_miner(hass, result, miner)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] is None  # the plain success message: writes work
    # The factory host name would name every miner of a farm alike.
    suffix = miner.mac.replace(":", "")[-4:]
    assert result["title"] == f"{readable_model(miner.profile.model)} {suffix}"
    assert result["result"].unique_id == format_mac(miner.mac)
    data = result["data"]
    assert data[CONF_HOST] == miner.host
    assert data[CONF_PASSWORD] == miner.password
    assert data[CONF_IDENTITY]["mac"] == miner.mac
    assert data[CONF_IDENTITY]["model"] == miner.profile.model
    assert data[CONF_IDENTITY]["firmware"] == miner.profile.firmware
    assert "status" in miner.commands  # the password was checked with a privileged read


def refuse_connections(miner: SimulatedMiner) -> None:
    """Make the miner unreachable."""
    miner.faults.refuse = True


def change_password(miner: SimulatedMiner) -> None:
    """Change the miner's password behind the user's back."""
    miner.state.password = "other"


@pytest.mark.parametrize(
    ("break_miner", "error"),
    [(refuse_connections, "cannot_connect"), (change_password, "invalid_auth")],
    ids=["cannot_connect", "invalid_auth"],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    break_miner: Callable[[SimulatedMiner], None],
    error: str,
) -> None:
    """Connection and password errors show in the form; fixing them creates the entry."""
    password = miner.password
    break_miner(miner)
    result = await single_miner_form(hass)
    result = await submit_miner(hass, result, miner, password)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    miner.faults.refuse = False
    miner.state.password = password
    result = await submit_miner(hass, result, miner, password)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unexpected_error(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """An unexpected failure shows "unknown" and the form stays usable."""
    result = await single_miner_form(hass)
    with patch(
        "custom_components.whatsminer.scan.connect",
        side_effect=RuntimeError("boom"),
    ):
        result = await submit_miner(hass, result, miner)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}

    result = await submit_miner(hass, result, miner)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("password", ["admin", "wrong"])
async def test_user_flow_with_write_api_disabled(
    hass: HomeAssistant, miner_factory: MinerFactory, password: str
) -> None:
    """A disabled write API hides whether the password is right: the entry is created.

    The miner refuses privileged requests before it looks at the password, so a wrong
    one cannot be told from the right one here; the repair issue's check finds it later
    (test_repairs.py).
    """
    miner = await miner_factory(api_switch=False, password="admin")
    result = await single_miner_form(hass)
    result = await submit_miner(hass, result, miner, password)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == password
    # The success message says the miner cannot be controlled yet.
    assert result["description"] == "write_api_off"
    assert result["description_placeholders"] == {"name": result["title"]}
    for texts in TEXTS.values():
        assert result["title"] in texts["config"]["create_entry"]["write_api_off"].format(
            **result["description_placeholders"]
        )


async def test_user_set_hostname_is_the_title(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A host name the user gave the miner names its entry."""
    miner.state.hostname = "rig-07"
    result = await single_miner_form(hass)
    result = await submit_miner(hass, result, miner)
    assert result["title"] == "rig-07"


async def test_user_flow_known_miner_at_new_address(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Adding a configured miner aborts, and moves its entry to the address given."""
    entry = await entry_for(miner, host=ELSEWHERE)
    entry.add_to_hass(hass)

    result = await single_miner_form(hass)
    result = await submit_miner(hass, result, miner)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == miner.host


async def test_dhcp_discovery_creates_entry(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A discovered miner asks only for the password, and retries on a wrong one."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dhcp_confirm"
    assert result["description_placeholders"] == {"name": "whatsminer", "host": miner.host}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: miner.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == miner.host
    assert result["result"].unique_id == format_mac(miner.mac)


async def test_dhcp_discovery_of_a_known_miner_updates_its_address(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """A known miner seen at a new address is moved there without asking anything."""
    entry = await entry_for(miner, host=ELSEWHERE)
    entry.add_to_hass(hass)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == miner.host


async def test_dhcp_discovery_keeps_a_host_name(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A host name the user entered follows the miner by itself and is kept."""
    entry = await entry_for(miner, host="miner.lan")
    entry.add_to_hass(hass)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "miner.lan"


async def test_reauth(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Re-authentication stores the new password once the miner accepts it."""
    entry = await entry_for(miner, password="old")
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: miner.password}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == miner.password
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_write_api_disabled(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """With writes off the new password cannot be checked, and the flow says so."""
    miner = await miner_factory(api_switch=False)
    entry = await entry_for(miner, password="old")
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "password_unverified"
    assert entry.data[CONF_PASSWORD] == "wrong"


async def test_reauth_with_a_different_miner(
    hass: HomeAssistant, miner: SimulatedMiner, miner_factory: MinerFactory
) -> None:
    """Re-authentication refuses a different miner answering at the entry's address."""
    other = await miner_factory()
    entry = await entry_for(miner, host=other.host)
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: other.password}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


async def test_reconfigure(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Reconfiguration moves the entry to a new address after checking it."""
    entry = await entry_for(miner, host=ELSEWHERE)
    entry.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    miner.faults.refuse = True
    result = await submit_miner(hass, result, miner)
    assert result["errors"] == {"base": "cannot_connect"}

    miner.faults.refuse = False
    result = await submit_miner(hass, result, miner)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == miner.host
    assert entry.state is ConfigEntryState.LOADED


async def test_a_budget_is_not_reconfigured(hass: HomeAssistant) -> None:
    """A power budget has no address or password: reconfigure says where to go instead."""
    entry = budget_entry([])
    entry.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "budget_not_reconfigurable"


async def test_reconfigure_to_a_different_miner(
    hass: HomeAssistant, miner: SimulatedMiner, miner_factory: MinerFactory
) -> None:
    """Reconfiguration refuses an address where a different miner answers."""
    other = await miner_factory()
    entry = await entry_for(miner)
    entry.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    result = await submit_miner(hass, result, other)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data[CONF_HOST] == miner.host


async def test_options_flow(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The scan interval is stored and used from the next poll on, without a reload."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    # The dialog names the miner and the range the interval may take.
    placeholders = result["description_placeholders"]
    assert placeholders == {"name": "WhatsMiner", "min_seconds": "10", "max_seconds": "600"}
    for texts in TEXTS.values():
        step = texts["options"]["step"]["init"]
        for text in (step["title"], step["description"], *step["data_description"].values()):
            text.format(**placeholders)  # every placeholder is given

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120.0, CONF_WARM_UP: True}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SCAN_INTERVAL: 120,
        CONF_WARM_UP: True,
        "boot_timeout": 600,
    }
    assert init_integration.runtime_data.update_interval.total_seconds() == 120
    assert init_integration.state is ConfigEntryState.LOADED
