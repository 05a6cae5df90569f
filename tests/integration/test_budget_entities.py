"""The "Power budget" device: its sensors, numbers and switch, diagnostics and unload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.whatsminer.const import DOMAIN

from .budget import (
    METER,
    attributes_of,
    budget_entity,
    set_meter,
    set_up_budget,
    set_up_farm,
    set_up_members,
    state_of,
)
from .conftest import advance
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.simulator.fixtures import MinerFactory

SENSORS = (
    "farm_power",
    "farm_hashrate",
    "farm_energy",
    "farm_efficiency",
    "miners_mining",
    "budget_in_use",
    "control_state",
)


async def test_the_device_and_its_sensors(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """The farm sensors add up the members; all belong to one "Power budget" device."""
    miners, _entries, budget = await set_up_farm(hass, miner_factory, "m50", "m60_v3", budget=2000)
    await advance(hass, freezer, 30)

    registry = er.async_get(hass)
    ids = {key: budget_entity(hass, budget, SENSOR_DOMAIN, key) for key in SENSORS}
    control_entry = registry.async_get(ids["control_state"])
    assert control_entry is not None
    device = dr.async_get(hass).async_get(control_entry.device_id or "")
    assert device is not None
    assert device.identifiers == {(DOMAIN, f"budget_{budget.entry_id}")}
    assert device.name == "Power budget"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.manufacturer is None  # a budget is no MicroBT product
    for key, entity in ids.items():
        entry = registry.async_get(entity)
        assert entry is not None
        assert entry.device_id == device.id
        assert entry.translation_key == key

    powers = [
        float(state_of(hass, entity_id(hass, miner, SENSOR_DOMAIN, "power"))) for miner in miners
    ]
    assert float(state_of(hass, ids["farm_power"])) == pytest.approx(sum(powers))
    farm_hashrate = float(state_of(hass, ids["farm_hashrate"]))
    assert farm_hashrate > 0
    assert float(state_of(hass, ids["farm_efficiency"])) == pytest.approx(
        sum(powers) / farm_hashrate, rel=1e-3
    )
    assert state_of(hass, ids["miners_mining"]) == "2"
    # Nothing is allocated while control is off, although the miners draw power.
    assert budget.runtime_data.data.allocated > 0
    assert float(state_of(hass, ids["budget_in_use"])) == 0
    assert state_of(hass, ids["control_state"]) == "off"
    attributes = attributes_of(hass, ids["control_state"])
    assert attributes["options"] == ["off", "following", "holding", "limited", "idle"]
    assert attributes["budget"] == 0  # none in force while control is off
    assert [member["reason"] for member in attributes["members"]] == ["found", "found"]
    energy = attributes_of(hass, ids["farm_energy"])
    assert energy["state_class"] == "total_increasing"
    assert energy["unit_of_measurement"] == "kWh"
    assert float(state_of(hass, ids["farm_energy"])) > 0


async def test_efficiency_is_unknown_while_nothing_hashes(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A farm that does not hash has no efficiency."""
    miners, _entries, budget = await set_up_farm(hass, miner_factory, "m60_v3")
    miners[0].state.mining = False
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 10)
    assert state_of(hass, budget_entity(hass, budget, SENSOR_DOMAIN, "farm_efficiency")) == (
        STATE_UNKNOWN
    )


async def test_numbers_are_settings_kept_in_the_options(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Budget and Max power write the options; the Budget is unused with a meter."""
    _miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", budget=1000, max_power=5000, control=True
    )
    number = budget_entity(hass, budget, NUMBER_DOMAIN, "budget")
    max_power = budget_entity(hass, budget, NUMBER_DOMAIN, "max_power")
    assert state_of(hass, number) == "1000.0"
    assert state_of(hass, max_power) == "5000.0"

    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: max_power, "value": 800}, blocking=True
    )
    await advance(hass, freezer, 10)
    assert budget.options["max_power"] == 800
    assert state_of(hass, max_power) == "800.0"
    assert budget.runtime_data.data.budget == 800  # the cap applies to the fixed budget

    set_meter(hass, 0)
    hass.config_entries.async_update_entry(
        budget, options={**budget.options, "source": "grid", "meter": METER}
    )
    await hass.async_block_till_done()
    assert state_of(hass, number) == STATE_UNAVAILABLE


async def test_diagnostics_explain_the_decisions(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, miner_factory: MinerFactory
) -> None:
    """The download holds the settings and per member its share and reason, titles redacted."""
    _miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", budget=1500, control=True
    )

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, budget)

    assert diagnostics["entry"]["options"]["budget"] == 1500
    state = diagnostics["state"]
    assert state["control_state"] == "following"
    assert state["budget"] == 1500
    (member,) = state["members"]
    assert member["name"] == "**REDACTED**"  # an entry title: often a host name or address
    assert diagnostics["entry"]["title"] == "**REDACTED**"
    assert member["reason"] == "over_budget"
    assert 0 < member["share"] <= 1500
    assert "next_switch" in member  # None: it may be stopped now


async def test_actions_refuse_a_budget_entry(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """A miner's actions cannot be aimed at a budget."""
    _miners, _entries, budget = await set_up_farm(hass, miner_factory, "m60_v3")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_led", {"config_entry_id": budget.entry_id, "color": "red"}, blocking=True
        )
    assert err.value.translation_key == "entry_not_found"


async def test_unload_lets_go_of_members_and_meter(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Unloading a budget removes its listeners from the members and the meter."""
    _miners, entries = await set_up_members(hass, miner_factory, "m60_v3")
    coordinator = entries[0].runtime_data
    listeners = len(coordinator._listeners)
    set_meter(hass, 1000)
    budget = await set_up_budget(
        hass, [entries[0].entry_id], source="surplus", meter=METER, control=True
    )
    await advance(hass, freezer, 10)
    assert len(coordinator._listeners) == listeners + 1
    runtime = budget.runtime_data

    assert await hass.config_entries.async_unload(budget.entry_id)
    await hass.async_block_till_done()

    assert len(coordinator._listeners) == listeners
    set_meter(hass, 500)  # nothing follows it any more
    await advance(hass, freezer, 30)
    assert runtime.data.budget == 1000
