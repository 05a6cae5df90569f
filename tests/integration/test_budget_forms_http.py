"""The power budget's forms, opened and submitted through the HTTP API as the frontend does.

The API serializes each form's schema (probatio on Home Assistant 2026.x, voluptuous
before), which the flow managers in test_budget_flow.py never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.setup import async_setup_component

from custom_components.whatsminer.budget_entry import budget_entries
from custom_components.whatsminer.const import DOMAIN

from .conftest import set_up_entry
from .test_forms_http import FLOWS, OPTIONS_FLOWS, field_names, form

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.simulator import SimulatedMiner

FIELDS = [
    "miners",
    "first",
    "source",
    "meter",
    "meter_sign",
    "allowance",
    "max_power",
    "cut_plug_after",
]


async def test_budget_forms_serialize_and_accept_input(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, miner: SimulatedMiner
) -> None:
    """The budget form from the menu and its options form, both over HTTP."""
    assert await async_setup_component(hass, "config", {})
    api = await hass_client()
    miner_entry = await set_up_entry(hass, miner)
    answers = {
        "miners": [miner_entry.entry_id],
        "source": "fixed",
        "meter_sign": "import_positive",
        "allowance": 100,
        "max_power": 5000,
    }

    result = await form(api, "POST", FLOWS, {"handler": DOMAIN})
    result = await form(api, "POST", f"{FLOWS}/{result['flow_id']}", {"next_step_id": "budget"})
    assert field_names(result) == FIELDS
    result = await form(api, "POST", f"{FLOWS}/{result['flow_id']}", answers)
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    (budget,) = budget_entries(hass)

    result = await form(api, "POST", OPTIONS_FLOWS, {"handler": budget.entry_id})
    assert field_names(result) == FIELDS
    result = await form(
        api,
        "POST",
        f"{OPTIONS_FLOWS}/{result['flow_id']}",
        {**answers, "max_power": 4000, "cut_plug_after": 60},
    )
    assert result["type"] == "create_entry"
    assert budget.options["max_power"] == 4000
    assert budget.options["cut_plug_after"] == 60
