"""Every form, opened through Home Assistant's HTTP API as the frontend opens it.

The API serializes each form's schema (``probatio.to_field_list`` on Home Assistant
2026.x, voluptuous-serialize before), which flow tests calling the flow managers never
do: a schema the running release cannot serialize only fails here.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_REAUTH
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.setup import async_setup_component
import pytest

from custom_components.whatsminer.const import CONF_WARM_UP, DOMAIN

from .conftest import entry_for
from .test_config_flow import dhcp_info

if TYPE_CHECKING:
    from aiohttp.test_utils import TestClient
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

FLOWS = "/api/config/config_entries/flow"
OPTIONS_FLOWS = "/api/config/config_entries/options/flow"
FIX_FLOWS = "/api/repairs/issues/fix"


@pytest.fixture
async def api(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> TestClient:
    """Return an HTTP client of the config and repairs APIs, as the frontend uses them."""
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, "repairs", {})
    return await hass_client()


async def form(api: TestClient, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """Open or submit a form over HTTP and return the JSON result."""
    response = await api.request(method, url, json=body)
    assert response.status == HTTPStatus.OK, await response.text()
    return await response.json()


def field_names(result: dict[str, Any]) -> list[str]:
    """Return the names of a serialized form's fields."""
    assert result["type"] == "form", result
    return [field["name"] for field in result["data_schema"]]


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up an entry (the clock is not frozen: the HTTP API needs it running)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_config_flow_forms(
    hass: HomeAssistant, api: TestClient, miner: SimulatedMiner, miner_factory: MinerFactory
) -> None:
    """Single-miner, DHCP, reauth, reconfigure and options forms serialize and accept input.

    The range flow's forms go through the HTTP API in test_range_flow.py.
    """
    result = await form(api, "POST", FLOWS, {"handler": DOMAIN})
    assert result["type"] == "menu"
    result = await form(api, "POST", f"{FLOWS}/{result['flow_id']}", {"next_step_id": "single"})
    assert field_names(result) == [CONF_HOST, CONF_PASSWORD]
    result = await form(
        api,
        "POST",
        f"{FLOWS}/{result['flow_id']}",
        {CONF_HOST: miner.host, CONF_PASSWORD: miner.password},
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]

    result = await form(api, "POST", OPTIONS_FLOWS, {"handler": entry.entry_id})
    assert field_names(result) == [CONF_SCAN_INTERVAL, "power_switch", "boot_timeout", CONF_WARM_UP]
    result = await form(api, "POST", f"{OPTIONS_FLOWS}/{result['flow_id']}", {"scan_interval": 60})
    assert result["type"] == "create_entry"
    assert entry.options == {CONF_SCAN_INTERVAL: 60, CONF_WARM_UP: False, "boot_timeout": 600}

    result = await form(api, "POST", FLOWS, {"handler": DOMAIN, "entry_id": entry.entry_id})
    assert result["step_id"] == "reconfigure"
    assert field_names(result) == [CONF_HOST, CONF_PASSWORD]
    # Re-authentication does not start while the entry is being reconfigured.
    assert (await api.delete(f"{FLOWS}/{result['flow_id']}")).status == HTTPStatus.OK

    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    other = await miner_factory()
    await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(other)
    )
    steps = {SOURCE_REAUTH: "reauth_confirm", SOURCE_DHCP: "dhcp_confirm"}
    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] in steps
    ]
    assert len(flows) == 2
    for flow in flows:
        result = await form(api, "GET", f"{FLOWS}/{flow['flow_id']}")
        assert result["step_id"] == steps[flow["context"]["source"]]
        assert field_names(result) == [CONF_PASSWORD]


async def test_repair_form(
    hass: HomeAssistant, api: TestClient, miner_factory: MinerFactory
) -> None:
    """The write-API fix flow's form serializes and its check runs."""
    locked = await miner_factory(api_switch=False)
    entry = await entry_for(locked)
    await set_up(hass, entry)

    result = await form(
        api,
        "POST",
        FIX_FLOWS,
        {"handler": DOMAIN, "issue_id": f"write_api_disabled_{entry.entry_id}"},
    )
    assert field_names(result) == []
    locked.state.api_switch = True
    result = await form(api, "POST", f"{FIX_FLOWS}/{result['flow_id']}", {})
    assert result["type"] == "create_entry"


def test_schemas_come_from_the_schema_module() -> None:
    """No module but schema.py imports voluptuous itself.

    Under pytest, and whenever homeassistant is imported first, 2026.x aliases
    ``voluptuous`` to probatio, so the tests above pass even for a module that
    imports voluptuous; a process that imported the real voluptuous first would
    then fail to serialize that module's forms.
    """
    package = Path(__file__).parents[2] / "custom_components" / "whatsminer"
    importers = {
        module.name
        for module in package.glob("*.py")
        if re.search(r"^\s*(import|from) voluptuous\b", module.read_text(), re.MULTILINE)
    }
    assert importers == {"schema.py"}
