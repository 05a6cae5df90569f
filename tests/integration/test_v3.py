"""A miner on API v3: detection, every control, write access, and changing generation.

The entities and actions are the same for both generations; these tests drive each of
them on a simulated v3 miner (firmware from 2024 on) and check what reached it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.whatsminer.api import ApiGeneration, V2Client, V3Client
from custom_components.whatsminer.const import CONF_IDENTITY, CONF_WARM_UP, DOMAIN
from custom_components.whatsminer.issues import write_api_issue_id

from .conftest import advance, device_of, entry_for, frozen_clock, run_action
from .entity_ids import entity_id
from .test_config_flow import single_miner_form

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

PASSWORD = "s3cret"


@pytest.fixture
async def v3_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Return a started v3 miner (API switch on, a changed password) on the test's clock."""
    return await miner_factory(
        profile="m60_v3", password=PASSWORD, api_switch=True, clock=frozen_clock
    )


@pytest.fixture
async def v3_entry(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Return the v3 miner's entry, set up."""
    entry = await entry_for(v3_miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def state(hass: HomeAssistant, miner: SimulatedMiner, platform: str, key: str) -> str:
    """Return the state of the miner's entity with this key."""
    found = hass.states.get(entity_id(hass, miner, platform, key))
    assert found is not None
    return found.state


async def test_user_flow_detects_api_v3(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """The user gives address and password; the entry remembers that the miner speaks v3."""
    result = await single_miner_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: v3_miner.host, CONF_PASSWORD: PASSWORD}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_IDENTITY]["api_generation"] == ApiGeneration.V3.value
    assert result["data"][CONF_IDENTITY]["api_version"] == v3_miner.profile.v3_api_version


async def test_user_flow_wrong_v3_password(hass: HomeAssistant, v3_miner: SimulatedMiner) -> None:
    """With the API switch on, "no permission" means the password of super is wrong."""
    result = await single_miner_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: v3_miner.host, CONF_PASSWORD: "wrong"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}


@pytest.mark.usefixtures("v3_entry")
async def test_one_connection_for_all_polls(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Twenty polls and a command share the one persistent connection."""
    opened = v3_miner.v3_connections_accepted
    for _ in range(20):
        await advance(hass, freezer, 30)
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: entity_id(hass, v3_miner, SWITCH_DOMAIN, "fast_boot")},
        blocking=True,
    )

    assert v3_miner.v3_connections_accepted == opened
    assert v3_miner.v2_connections_accepted == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "v3_entry")
async def test_switches(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Every switch reaches the miner and shows what the miner reports back (not assumed)."""
    for key, attribute in (
        ("fast_boot", "fast_boot"),
        ("poweroff_cool", "poweroff_cool"),
        ("fan_zero_speed", "fan_zero_speed"),
        ("web_pools", "web_pools"),
    ):
        setattr(v3_miner.state, attribute, False)
        entity = entity_id(hass, v3_miner, SWITCH_DOMAIN, key)
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity}, blocking=True
        )
        assert getattr(v3_miner.state, attribute) is True, key
        await advance(hass, freezer, 11)  # past the refresh debounce of the previous write
        assert hass.states.get(entity).state == STATE_ON  # type: ignore[union-attr]
        assert not hass.states.get(entity).attributes.get("assumed_state")  # type: ignore[union-attr]


async def test_mining_switch(
    hass: HomeAssistant,
    v3_miner: SimulatedMiner,
    v3_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Mining stops and starts through set.miner.service."""
    entity = entity_id(hass, v3_miner, SWITCH_DOMAIN, "mining")
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: entity}, blocking=True
    )
    await advance(hass, freezer, 15)
    assert v3_miner.state.mining is False
    assert hass.states.get(entity).state == STATE_OFF  # type: ignore[union-attr]

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity}, blocking=True
    )
    await advance(hass, freezer, 15)
    assert v3_miner.state.mining is True


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "v3_entry")
async def test_numbers(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Ramp-up speed (up to 10 on v3), temperature offset and power limit reach the miner."""
    upfreq = entity_id(hass, v3_miner, NUMBER_DOMAIN, "upfreq_speed")
    assert hass.states.get(upfreq).attributes["max"] == 10  # type: ignore[union-attr]
    for key, value, attribute in (
        ("upfreq_speed", 10, "upfreq_speed"),
        ("temperature_offset", -5, "temp_offset"),
        ("power_limit", 3000, "power_limit"),
        ("target_frequency", -20, "target_freq"),
    ):
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity_id(hass, v3_miner, NUMBER_DOMAIN, key), ATTR_VALUE: value},
            blocking=True,
        )
        await advance(hass, freezer, 15)  # past the power limit's debounce and restart
        assert getattr(v3_miner.state, attribute) == value, key
        assert float(state(hass, v3_miner, NUMBER_DOMAIN, key)) == value, key


@pytest.mark.usefixtures("v3_entry")
async def test_power_mode_select(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """The power mode goes through set.miner.power_mode."""
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {
            ATTR_ENTITY_ID: entity_id(hass, v3_miner, SELECT_DOMAIN, "power_mode"),
            ATTR_OPTION: "low",
        },
        blocking=True,
    )
    await advance(hass, freezer, 15)

    assert v3_miner.state.power_mode == "low"
    assert state(hass, v3_miner, SELECT_DOMAIN, "power_mode") == "low"


@pytest.mark.usefixtures("v3_entry")
async def test_buttons_and_actions(
    hass: HomeAssistant,
    v3_miner: SimulatedMiner,
    v3_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Restart, identify, LED, pools and host name work on v3; reboot goes out last."""
    for key in ("restart_mining", "identify"):
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: entity_id(hass, v3_miner, BUTTON_DOMAIN, key)},
            blocking=True,
        )
    assert v3_miner.state.led != "auto"
    await advance(hass, freezer, 31)  # the identify flash ends
    assert v3_miner.state.led == "auto"

    await run_action(
        hass,
        "set_pools",
        v3_entry.entry_id,
        pool_1_url="stratum+tcp://pool.example:3333",
        pool_1_worker="me.1",
        pool_1_password="x",
    )
    assert v3_miner.state.pools[0]["url"] == "stratum+tcp://pool.example:3333"

    await run_action(hass, "set_hostname", v3_entry.entry_id, hostname="rack-3-miner-07")
    assert v3_miner.state.hostname == "rack-3-miner-07"

    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: entity_id(hass, v3_miner, BUTTON_DOMAIN, "reboot")},
        blocking=True,
    )
    assert "set.system.reboot" in v3_miner.commands


async def test_write_api_off_raises_the_v3_issue(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A v3 miner with its API switch off gets the repair issue in its v3 wording."""
    miner = await miner_factory(
        profile="m60_v3", password=PASSWORD, api_switch=False, clock=frozen_clock
    )
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    issue = ir.async_get(hass).async_get_issue(DOMAIN, write_api_issue_id(entry))
    assert issue is not None
    assert issue.translation_key == "write_api_disabled_v3"


async def test_wrong_v3_password_starts_reauth(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """The first poll's write check finds a wrong password and asks for the current one."""
    entry = await entry_for(v3_miner, password="wrong")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_upgrade_to_v3_keeps_entry_device_and_entities(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A miner last seen on v2 firmware that now speaks v3 keeps everything; v3 is used."""
    entry = await entry_for(v3_miner)
    identity = dict(entry.data[CONF_IDENTITY])
    identity.update(api_generation=ApiGeneration.V2.value, firmware="20240101.11.REL")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_IDENTITY: identity})

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert isinstance(entry.runtime_data.link.client, V3Client)
    assert entry.data[CONF_IDENTITY]["api_generation"] == ApiGeneration.V3.value
    assert device_of(hass, entry).sw_version == f"{v3_miner.profile.firmware} (API 3.0.2)"
    assert state(hass, v3_miner, SWITCH_DOMAIN, "mining") == STATE_ON


async def test_downgrade_to_v2_keeps_the_entry(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A miner last seen on v3 that answers only v2 now is polled over v2."""
    entry = await entry_for(miner)
    identity = dict(entry.data[CONF_IDENTITY])
    identity.update(api_generation=ApiGeneration.V3.value)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_IDENTITY: identity})

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data.link.client, V2Client)
    assert entry.data[CONF_IDENTITY]["api_generation"] == ApiGeneration.V2.value
    assert entry.runtime_data.last_update_success


async def test_options_offer_no_preheating(hass: HomeAssistant, v3_entry: MockConfigEntry) -> None:
    """A v3 miner's options ask for no preheating; a preheat choice made on v2 stays."""
    hass.config_entries.async_update_entry(v3_entry, options={CONF_WARM_UP: True})

    result = await hass.config_entries.options.async_init(v3_entry.entry_id)
    assert list(result["data_schema"].schema) == [
        CONF_SCAN_INTERVAL,
        "power_switch",
        "boot_timeout",
    ]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 90}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert v3_entry.options == {CONF_SCAN_INTERVAL: 90, CONF_WARM_UP: True, "boot_timeout": 600}


async def test_warm_up_option_starts_mining_at_once(
    hass: HomeAssistant, v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """API v3 has no preheating: with the option on, mining starts right away."""
    v3_miner.state.mining = False
    entry = await entry_for(v3_miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_WARM_UP: True})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: entity_id(hass, v3_miner, SWITCH_DOMAIN, "mining")},
        blocking=True,
    )

    assert v3_miner.state.mining is True
    assert "set.miner.service" in v3_miner.commands
