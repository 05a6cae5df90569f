"""The Status sensor, transition by transition, on a v2 and a v3 miner over TCP.

The simulated miners start like real ones: after mining goes on they boot without hashrate
for the profile's boot_s, then ramp with the up-freq flag 0 until ramp_s (on the test's
frozen clock, which `advance` moves).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import State
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache

from .conftest import advance, entry_for, frozen_clock, set_up_entry
from .entity_ids import entity_id, register_entity

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

POLL_S = 30


def status(hass: HomeAssistant, miner: SimulatedMiner) -> tuple[str, datetime]:
    """Return the Status sensor's state and the time it entered it."""
    state = hass.states.get(entity_id(hass, miner, SENSOR_DOMAIN, "status"))
    assert state is not None
    return state.state, state.attributes["since"]


def since_start(miner: SimulatedMiner) -> float:
    """Return the seconds since the miner's hashboards started (mining on, or btminer back)."""
    assert miner.state.mining_since is not None
    return miner.clock() - miner.state.mining_since


def away(miner: SimulatedMiner) -> None:
    """Refuse new connections and end the open ones (v3 keeps one)."""
    miner.faults.refuse = True
    miner.close_v3_connections()


async def call(
    hass: HomeAssistant, miner: SimulatedMiner, domain: str, key: str, service: str
) -> None:
    """Call a service on the miner's entity with this key and wait for it."""
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id(hass, miner, domain, key)}, blocking=True
    )


@pytest.fixture(params=["m50", "m60_v3"])
async def miner(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    request: pytest.FixtureRequest,
) -> SimulatedMiner:
    """Return a set-up miner of each API generation, on the test's clock."""
    miner = await miner_factory(profile=request.param, api_switch=True, clock=frozen_clock)
    await set_up_entry(hass, miner)
    return miner


async def test_stop_start_boot_ramp_and_mine(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Mining → stopped → starting → ramping → mining, each with the time it began."""
    assert status(hass, miner)[0] == "mining"

    await call(hass, miner, SWITCH_DOMAIN, "mining", SERVICE_TURN_OFF)
    assert status(hass, miner) == ("stopped", dt_util.utcnow())

    await advance(hass, freezer, 10)  # past the debounce of refreshes after commands
    await call(hass, miner, SWITCH_DOMAIN, "mining", SERVICE_TURN_ON)
    started = dt_util.utcnow()
    assert status(hass, miner) == ("starting", started)  # on, nothing hashed yet

    await advance(hass, freezer, POLL_S)
    assert status(hass, miner) == ("starting", started)  # the same state keeps its time
    while since_start(miner) <= miner.profile.boot_s:
        await advance(hass, freezer, POLL_S)
    assert status(hass, miner) == ("ramping", dt_util.utcnow())
    while since_start(miner) < miner.profile.ramp_s:
        await advance(hass, freezer, POLL_S)
    assert status(hass, miner) == ("mining", dt_util.utcnow())


async def test_faults_and_an_outage(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Fault codes make it error; a miner that does not answer is unreachable, not unknown."""
    miner.state.error_codes = [(2010, "2025-06-01 11:00:00")]
    await advance(hass, freezer, POLL_S)
    assert status(hass, miner)[0] == "error"
    miner.state.error_codes = []
    await advance(hass, freezer, POLL_S)
    assert status(hass, miner)[0] == "mining"

    away(miner)
    await advance(hass, freezer, POLL_S)
    assert status(hass, miner) == ("unreachable", dt_util.utcnow())
    miner.faults.refuse = False
    await advance(hass, freezer, POLL_S)
    assert status(hass, miner)[0] == "mining"


async def test_a_restart_of_ours(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Restarting while the miner is away or booting again, ramping once it hashes."""
    await call(hass, miner, BUTTON_DOMAIN, "restart_mining", SERVICE_PRESS)
    away(miner)  # while it restarts
    await advance(hass, freezer, 10)  # the refresh after a restarting command
    assert status(hass, miner)[0] == "restarting"

    miner.faults.refuse = False
    await advance(hass, freezer, POLL_S)
    assert status(hass, miner)[0] == "restarting"  # back, booting: no hashrate yet
    while since_start(miner) <= miner.profile.boot_s:
        await advance(hass, freezer, POLL_S)
    assert status(hass, miner)[0] == "ramping"  # hashing again: the window no longer shows
    while since_start(miner) < miner.profile.ramp_s:
        await advance(hass, freezer, POLL_S)
    assert status(hass, miner)[0] == "mining"


async def test_a_miner_off_at_start_is_unreachable(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """Loaded from its stored identity without an answer: available, unreachable."""
    miner = await miner_factory(profile="m50", api_switch=True, clock=frozen_clock)
    entry = await entry_for(miner)
    miner.faults.refuse = True
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert status(hass, miner)[0] == "unreachable"


@pytest.mark.parametrize(
    "case",
    [
        ("mining", "2025-06-01T00:00:00+00:00", True),
        ("mining", "2025-05-31 16:00:00", True),  # no offset: Home Assistant's zone (UTC-8)
        ("stopped", "2025-06-01T00:00:00+00:00", False),  # another state: it begins now
        ("mining", "junk", False),
        ("mining", None, False),
        ("mining", "2099-01-01T00:00:00+00:00", False),  # in the future: not believed
    ],
)
async def test_since_survives_a_restart_in_the_same_state(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    case: tuple[str, str | None, bool],
) -> None:
    """Home Assistant restarted while the miner kept mining: it has mined since before."""
    restored, since, kept = case
    await hass.config.async_set_time_zone("Etc/GMT+8")
    freezer.move_to("2025-06-01T12:00:00+00:00")
    miner = await miner_factory(profile="m50", api_switch=True, clock=frozen_clock)
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    status_entity = register_entity(hass, entry, miner, SENSOR_DOMAIN, "status")
    attributes = {} if since is None else {"since": since}
    mock_restore_cache(hass, [State(status_entity, restored, attributes)])
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    expected = datetime(2025, 6, 1, 0, tzinfo=UTC) if kept else dt_util.utcnow()
    assert status(hass, miner) == ("mining", expected)
