"""Actions: set_pools and set_led, addressed by device or by config entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.exceptions import ServiceValidationError
import pytest
import voluptuous as vol

from custom_components.whatsminer.const import DOMAIN

from .conftest import advance, device_of

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

POOLS = {
    "pool_1_url": "stratum+tcp://main.example:3333",
    "pool_1_worker": "me.rig1",
    "pool_1_password": "secret",
    "pool_2_url": "stratum+tcp://backup.example:3333",
    "pool_2_worker": "me.rig1",
}


async def test_set_pools_by_device(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The pools replace the miner's, unused slots cleared, and the poll shows them."""
    device = device_of(hass, init_integration)

    await hass.services.async_call(
        DOMAIN, "set_pools", {ATTR_DEVICE_ID: device.id, **POOLS}, blocking=True
    )

    assert [pool["url"] for pool in miner.state.pools if pool["url"]] == [
        "stratum+tcp://main.example:3333",
        "stratum+tcp://backup.example:3333",
    ]
    assert miner.state.pools[0]["passwd"] == "secret"
    await advance(hass, freezer, 30)
    assert hass.states.get("sensor.whatsminer_active_pool").state == (
        "stratum+tcp://main.example:3333"
    )


async def test_set_led_by_config_entry(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A pattern reaches the miner, and auto hands the LED back."""
    await hass.services.async_call(
        DOMAIN,
        "set_led",
        {"config_entry_id": init_integration.entry_id, "color": "green", "period": 800},
        blocking=True,
    )
    assert miner.state.led == {"color": "green", "period": 800, "duration": 500, "start": 0}

    await hass.services.async_call(
        DOMAIN,
        "set_led",
        {"config_entry_id": init_integration.entry_id, "color": "auto"},
        blocking=True,
    )
    assert miner.state.led == "auto"


async def test_set_led_ends_a_running_identify(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A pattern set during identify is not reset when identify would have ended."""
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.whatsminer_identify"}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN,
        "set_led",
        {"config_entry_id": init_integration.entry_id, "color": "green"},
        blocking=True,
    )

    await advance(hass, freezer, 60)

    assert miner.state.led["color"] == "green"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "target",
    [{"config_entry_id": "not-an-entry"}, {ATTR_DEVICE_ID: "not-a-device"}],
    ids=["entry", "device"],
)
async def test_unknown_target(hass: HomeAssistant, target: dict[str, str]) -> None:
    """A target that is not a loaded miner is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "set_led", {**target, "color": "red"}, blocking=True)
    assert err.value.translation_key == "target_not_loaded"


async def test_device_of_an_unloaded_miner(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A miner's device is no valid target while its entry is unloaded."""
    device = device_of(hass, init_integration)
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "set_led", {ATTR_DEVICE_ID: device.id, "color": "red"}, blocking=True
        )


@pytest.mark.usefixtures("init_integration")
async def test_target_required(hass: HomeAssistant) -> None:
    """An action without a miner is rejected by its schema."""
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(DOMAIN, "set_led", {"color": "red"}, blocking=True)


async def test_invalid_pool_is_a_validation_error(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A pool URL the miner cannot take is refused with a translated validation error."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_pools",
            {
                "config_entry_id": init_integration.entry_id,
                "pool_1_url": "stratum+tcp://has space:3333",
                "pool_1_worker": "me",
            },
            blocking=True,
        )
    assert err.value.translation_key == "invalid_argument"
    assert "update_pools" not in miner.commands


async def test_miner_named_twice_gets_one_command(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A miner addressed by both its entry and its device is sent the command once."""
    await hass.services.async_call(
        DOMAIN,
        "set_led",
        {
            "config_entry_id": init_integration.entry_id,
            ATTR_DEVICE_ID: [device_of(hass, init_integration).id],
            "color": "red",
        },
        blocking=True,
    )

    assert miner.commands.count("set_led") == 1
