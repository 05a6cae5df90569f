"""Fixtures of the integration tests: Home Assistant with the integration loaded.

The integration talks to simulated miners (tests/simulator) over real TCP on loopback;
our own client is never mocked.
"""

from __future__ import annotations

from datetime import timedelta
import time
from typing import TYPE_CHECKING, Any
from unittest.mock import PropertyMock, patch

from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PASSWORD
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

from custom_components.whatsminer.api import connect
from custom_components.whatsminer.const import CONF_IDENTITY, DOMAIN
from custom_components.whatsminer.stored_identity import identity_as_data
from tests.simulator import fixtures as simulator_fixtures

from .entity_snapshot import FROZEN_AT, MAC, PROFILES, describe_entities

if TYPE_CHECKING:
    from .entity_snapshot import PlatformEntities

if TYPE_CHECKING:
    from collections.abc import Iterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.repairs import RepairsFlowManager
    from homeassistant.const import Platform
    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


# The simulator's factory fixture, for tests here (the top-level conftest may register it too).
miner_factory = simulator_fixtures.miner_factory


def frozen_clock() -> float:
    """Return the current time as the test sees it (frozen and moved by ``freezer``).

    The simulator's default clock is bound to the real ``time.time`` before freezegun
    patches it; looking it up at each call follows the frozen clock.
    """
    return time.time()


@pytest.fixture
async def miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Return one started m50 miner (password admin, write API on) on the test's clock."""
    return await miner_factory(profile="m50", password="admin", api_switch=True, clock=frozen_clock)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/whatsminer in every test."""


async def read_identity_data(miner: SimulatedMiner) -> dict[str, object]:
    """Read the miner's identity the way the config flow stores it."""
    client, identity = await connect(miner.host, miner.password)
    await client.close()
    return identity_as_data(identity)


async def entry_for(
    miner: SimulatedMiner,
    *,
    seen: bool = True,
    host: str | None = None,
    password: str | None = None,
) -> MockConfigEntry:
    """Return a config entry for the miner, as the config flow would create it.

    Its title (which names the device and so the entity ids) is the miner's factory host
    name, as entries got it before naming.py: short entity ids such as
    ``sensor.whatsminer_hashrate`` for every test.

    ``seen=False`` leaves out the stored identity: a miner that never answered.
    ``host`` and ``password`` replace the miner's own (a moved miner, a wrong password).
    """
    data: dict[str, object] = {
        CONF_HOST: host or miner.host,
        CONF_PASSWORD: password or miner.password,
    }
    if seen:
        data[CONF_IDENTITY] = await read_identity_data(miner)
    return MockConfigEntry(
        domain=DOMAIN,
        title="WhatsMiner",
        unique_id=format_mac(miner.mac),
        data=data,
    )


@pytest.fixture
async def config_entry(hass: HomeAssistant, miner: SimulatedMiner) -> MockConfigEntry:
    """Return a config entry of the default miner, added to Home Assistant, not set up."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Return the default miner's entry, set up, with the clock frozen from the start."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


async def set_up_entry(hass: HomeAssistant, miner: SimulatedMiner) -> MockConfigEntry:
    """Add an entry for ``miner`` and set it up."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def fix_flows(hass: HomeAssistant) -> RepairsFlowManager:
    """Return the repairs flow manager (the repairs integration set up)."""
    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return manager


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock on and run whatever became due (polls, delayed refreshes, timers)."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return syrupy's snapshot with Home Assistant's serializer and snapshots/ folder."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


async def run_action(hass: HomeAssistant, service: str, entry_id: str, **data: Any) -> None:
    """Call one of the integration's actions for the miner of ``entry_id``; wait for it."""
    await hass.services.async_call(
        DOMAIN, service, {"config_entry_id": entry_id, **data}, blocking=True
    )


async def set_number(hass: HomeAssistant, entity: str, value: float) -> None:
    """Set a number entity and wait for the action to return."""
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: entity, ATTR_VALUE: value}, blocking=True
    )


def device_of(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    """Return the one device of a miner's config entry."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1
    return devices[0]


@pytest.fixture(params=PROFILES)
def platform_entities(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    request: pytest.FixtureRequest,
) -> PlatformEntities:
    """Return what the snapshot records of one platform's entities, for each profile.

    A miner of the profile is set up with only that platform, on a fixed clock and MAC
    (repeatable readings and unique ids). Entities disabled by default are recorded as
    such, then enabled to record their states too.
    """
    freezer.move_to(FROZEN_AT)

    async def describe_platform(platform: Platform) -> dict[str, dict[str, Any]]:
        miner = await miner_factory(profile=request.param, mac=MAC, clock=frozen_clock)
        entry = await entry_for(miner)
        entry.add_to_hass(hass)
        registry = er.async_get(hass)
        with patch("custom_components.whatsminer.PLATFORMS", [platform]):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            disabled = {
                registry_entry.entity_id
                for registry_entry in er.async_entries_for_config_entry(registry, entry.entry_id)
                if registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
            }
            for entity_id in disabled:
                registry.async_update_entity(entity_id, disabled_by=None)
            assert await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done()
        return describe_entities(hass, entry.entry_id, disabled)

    return describe_platform
