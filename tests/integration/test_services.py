"""Actions: set_pools, set_led and set_hostname, addressed by config entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import DOMAIN
from custom_components.whatsminer.schema import vol

from .conftest import advance, run_action

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner

POOLS = {
    "pool_1_url": "stratum+tcp://main.example:3333",
    "pool_1_worker": "me.rig1",
    "pool_1_password": "secret",
    "pool_2_url": "stratum+tcp://backup.example:3333",
    "pool_2_worker": "me.rig1",
}


async def test_set_pools(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The pools replace the miner's, unused slots cleared, and the poll shows them."""
    await run_action(hass, "set_pools", init_integration.entry_id, **POOLS)

    assert [pool["url"] for pool in miner.state.pools if pool["url"]] == [
        "stratum+tcp://main.example:3333",
        "stratum+tcp://backup.example:3333",
    ]
    assert miner.state.pools[0]["passwd"] == "secret"
    await advance(hass, freezer, 30)
    # The sensor shows the pool's host and port.
    assert hass.states.get("sensor.whatsminer_active_pool").state == "main.example:3333"


async def test_set_led_by_config_entry(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A pattern reaches the miner, and auto hands the LED back."""
    await run_action(hass, "set_led", init_integration.entry_id, color="green", period=800)
    assert miner.state.led == {"color": "green", "period": 800, "duration": 500, "start": 0}

    await run_action(hass, "set_led", init_integration.entry_id, color="auto")
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
    await run_action(hass, "set_led", init_integration.entry_id, color="green")

    await advance(hass, freezer, 60)

    assert miner.state.led["color"] == "green"


@pytest.mark.usefixtures("init_integration")
async def test_unknown_entry(hass: HomeAssistant) -> None:
    """An id that is no Whatsminer entry is refused before anything is sent."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    for entry_id in ("not-an-entry", other.entry_id):
        with pytest.raises(ServiceValidationError) as err:
            await run_action(hass, "set_led", entry_id, color="red")
        assert err.value.translation_key == "entry_not_found"


async def test_unloaded_entry(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A miner whose entry is not loaded cannot be addressed."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    with pytest.raises(ServiceValidationError) as err:
        await run_action(hass, "set_led", init_integration.entry_id, color="red")
    assert err.value.translation_key == "entry_not_loaded"
    assert "set_led" not in miner.commands


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("set_led", {"color": "red"}),
        ("set_led", {"config_entry_id": "{entry}", "color": "red", "period": 60001}),
        ("set_pools", {"pool_1_url": "stratum+tcp://a:1", "pool_1_worker": "me"}),
        (
            "set_pools",
            {
                "config_entry_id": "{entry}",
                "pool_1_url": "stratum+tcp://a:1",
                "pool_1_worker": "me",
                "pool_2_password": "orphan",
            },
        ),
    ],
    ids=["no_entry", "period_too_long", "pools_without_entry", "password_without_pool"],
)
async def test_schema_refuses(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    service: str,
    data: dict[str, object],
) -> None:
    """Calls the schema refuses: no miner, a bound beyond the selector, a lone password."""
    data = {
        key: init_integration.entry_id if value == "{entry}" else value
        for key, value in data.items()
    }
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(DOMAIN, service, data, blocking=True)
    assert not {"set_led", "update_pools"} & set(miner.commands)


async def test_invalid_pool_is_a_validation_error(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A pool URL the miner cannot take is refused with a translated validation error."""
    with pytest.raises(ServiceValidationError) as err:
        await run_action(
            hass,
            "set_pools",
            init_integration.entry_id,
            pool_1_url="stratum+tcp://has space:3333",
            pool_1_worker="me",
        )
    assert err.value.translation_key == "invalid_argument"
    assert "update_pools" not in miner.commands


async def test_set_hostname(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A valid host name reaches the miner."""
    await run_action(hass, "set_hostname", init_integration.entry_id, hostname="rack-3-miner-07")

    assert miner.state.hostname == "rack-3-miner-07"


@pytest.mark.parametrize("hostname", ["-edge", "has space", "under_score", "a" * 64, ""])
async def test_invalid_hostname_is_refused_before_sending(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry, hostname: str
) -> None:
    """A name the miner would not take never leaves Home Assistant; the reason is translated."""
    with pytest.raises(ServiceValidationError) as err:
        await run_action(hass, "set_hostname", init_integration.entry_id, hostname=hostname)
    assert err.value.translation_key == "invalid_hostname"
    assert err.value.translation_placeholders == {"hostname": hostname}
    assert "set_hostname" not in miner.commands
