"""Adding a power budget through the menu, its form's errors and its options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.whatsminer.budget_entry import budget_entries
from custom_components.whatsminer.budget_runtime import is_budget_entry
from custom_components.whatsminer.const import DOMAIN

from .budget import METER, budget_entry, set_meter, set_up_budget
from .conftest import advance, set_up_entry

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

FORM = {
    "source": "fixed",
    "meter_sign": "import_positive",
    "allowance": 100,
    "max_power": 10000,
}


@pytest.fixture
async def miners(hass: HomeAssistant, miner_factory: MinerFactory) -> list[MockConfigEntry]:
    """Return two miner entries, set up."""
    return [
        await set_up_entry(hass, await miner_factory(profile=profile, password="admin"))
        for profile in ("m50", "m60_v3")
    ]


async def _open_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert "budget" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "budget"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "budget"
    return result


async def test_menu_adds_a_fixed_budget(hass: HomeAssistant, miners: list[MockConfigEntry]) -> None:
    """The third menu option creates a budget entry over the picked miners, control off."""
    form = await _open_form(hass)
    assert form["description_placeholders"] == {"taken": "—"}

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {**FORM, "miners": [miners[0].entry_id]}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert is_budget_entry(entry)
    assert entry.title == "Power budget"
    assert entry.options == {
        "miners": [miners[0].entry_id],
        "first": [],
        "source": "fixed",
        "meter": None,
        "meter_sign": "import_positive",
        "allowance": 100.0,
        "max_power": 10000.0,
        "cut_plug_after": 0,
    }
    assert entry.runtime_data.config.cut_plug_after == 0  # never, unless asked
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.power_budget_budget_control").state == "off"  # type: ignore[union-attr]


async def test_menu_adds_a_grid_meter_budget_in_kw(
    hass: HomeAssistant, miners: list[MockConfigEntry]
) -> None:
    """A grid meter in kW is a power sensor too."""
    set_meter(hass, 0.4, unit="kW")
    form = await _open_form(hass)

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"],
        {
            **FORM,
            "source": "grid",
            "meter": METER,
            "meter_sign": "export_positive",
            "miners": [entry.entry_id for entry in miners],
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].options["meter"] == METER
    assert result["result"].options["meter_sign"] == "export_positive"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"miners": []}, "miners", "budget_no_miners"),
        ({"source": "grid"}, "meter", "budget_meter_not_power"),
        ({"source": "surplus", "meter": "sensor.humidity"}, "meter", "budget_meter_not_power"),
        ({"source": "grid", "meter": "sensor.missing"}, "meter", "budget_meter_not_power"),
        ({"max_power": -1}, "max_power", "budget_max_power_invalid"),
        ({"max_power": 1_000_001}, "max_power", "budget_max_power_invalid"),
    ],
)
async def test_bad_input_is_a_form_error_and_saves_nothing(
    hass: HomeAssistant,
    miners: list[MockConfigEntry],
    changes: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """No miners, a sensor that is not power in W/kW, a negative or absurd max power."""
    hass.states.async_set("sensor.humidity", "40", {"unit_of_measurement": "%"})
    form = await _open_form(hass)

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {**FORM, "miners": [miners[0].entry_id], **changes}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert not budget_entries(hass)


async def test_a_miner_in_another_budget_is_named_and_refused(
    hass: HomeAssistant, miners: list[MockConfigEntry]
) -> None:
    """A miner belongs to at most one budget; the form says which are taken."""
    await set_up_budget(hass, [miners[0].entry_id])
    form = await _open_form(hass)
    assert form["description_placeholders"] == {"taken": "WhatsMiner (Power budget)"}

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {**FORM, "miners": [entry.entry_id for entry in miners]}
    )

    assert result["errors"] == {"miners": "budget_miner_taken"}
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {**FORM, "miners": [miners[1].entry_id]}
    )
    assert result["title"] == "Power budget 2"  # the second one


async def test_options_change_everything_without_a_reload(
    hass: HomeAssistant, miners: list[MockConfigEntry], freezer: FrozenDateTimeFactory
) -> None:
    """The options take new miners and a meter; the running budget uses them at once."""
    entry = await set_up_budget(hass, [miners[0].entry_id], budget=500, control=True)
    runtime = entry.runtime_data
    set_meter(hass, 200)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "budget"
    assert result["description_placeholders"] == {"taken": "—"}  # its own miners are not taken
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **FORM,
            "source": "surplus",
            "meter": METER,
            "miners": [entry.entry_id for entry in miners],
            "first": [miners[1].entry_id],
            "cut_plug_after": 90,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.runtime_data is runtime  # not reloaded
    assert runtime.config.cut_plug_after == 90
    assert runtime.config.miners == tuple(miner.entry_id for miner in miners)
    assert runtime.config.meter == METER
    assert runtime.config.first == {miners[1].entry_id}
    assert runtime.config.budget == 500  # kept: the Budget number's value
    assert runtime.config.control is True
    await advance(hass, freezer, 10)  # the next control step
    assert runtime.data.budget == 200  # the surplus sensor


async def test_options_form_errors(hass: HomeAssistant, miners: list[MockConfigEntry]) -> None:
    """The options refuse what the first form refuses."""
    other = await set_up_budget(hass, [miners[1].entry_id])
    entry = await set_up_budget(hass, [miners[0].entry_id])

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**FORM, "miners": [miners[1].entry_id]}
    )

    assert result["errors"] == {"miners": "budget_miner_taken"}
    assert entry.options["miners"] == [miners[0].entry_id]
    assert other.options["miners"] == [miners[1].entry_id]


async def test_miner_options_are_still_the_miners(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """A miner entry still gets its own options flow."""
    entry = await set_up_entry(hass, miner)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"


async def test_budget_entry_loads_without_the_flow(hass: HomeAssistant) -> None:
    """A budget entry whose miners were all removed while it was not loaded still loads."""
    entry = budget_entry(["gone"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.options["miners"] == []


async def test_a_sensor_of_this_integration_is_refused_as_meter(
    hass: HomeAssistant, miners: list[MockConfigEntry]
) -> None:
    """A miner's own Power (or a budget's Farm power) would feed the budget back its doing."""
    registry = er.async_get(hass)
    own_power = next(
        registered.entity_id
        for registered in er.async_entries_for_config_entry(registry, miners[1].entry_id)
        if registered.domain == "sensor"
        and (state := hass.states.get(registered.entity_id)) is not None
        and state.attributes.get("unit_of_measurement") == "W"
    )
    form = await _open_form(hass)

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"],
        {**FORM, "miners": [miners[0].entry_id], "source": "surplus", "meter": own_power},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"meter": "budget_meter_own"}
    assert not budget_entries(hass)
