"""Commands and polls while the miner restarts because of a command we sent.

After a power limit, power mode, reboot or restart the miner drops or refuses connections
for a while. A command sent then waits for it (bounded); a poll that finds it away keeps
the last data instead of reporting an outage.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.whatsminer import link

from .conftest import advance, entry_for, frozen_clock, set_number
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


async def restarting_miner(
    hass: HomeAssistant, miner_factory: MinerFactory, restart_seconds: float
) -> SimulatedMiner:
    """Return a set-up miner whose restarts keep it away for ``restart_seconds``."""
    miner = await miner_factory(
        profile="m50",
        password="admin",
        api_switch=True,
        clock=frozen_clock,  # the test's clock, frozen or not
        restart_seconds=restart_seconds,
    )
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return miner


async def press(hass: HomeAssistant, miner: SimulatedMiner, key: str) -> None:
    """Press one of the miner's buttons and wait for the result."""
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: entity_id(hass, miner, BUTTON_DOMAIN, key)},
        blocking=True,
    )


async def test_a_command_waits_for_the_restarting_miner(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """Reboot right after restart mining goes out once the miner answers again.

    On the real clock: the simulator's restart and the command's pauses take real time.
    """
    miner = await restarting_miner(hass, miner_factory, restart_seconds=1.5)

    await press(hass, miner, "restart_mining")
    assert miner.restarting
    await press(hass, miner, "reboot")

    assert miner.commands.count("reboot") == 1


async def test_a_command_gives_up_on_a_miner_that_stays_away(
    hass: HomeAssistant, miner_factory: MinerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounded: then the error says, translated, that the miner is restarting."""
    monkeypatch.setattr(link, "RESTART_COMMAND_WAIT", timedelta(seconds=1))
    miner = await restarting_miner(hass, miner_factory, restart_seconds=60)

    await press(hass, miner, "restart_mining")
    with pytest.raises(HomeAssistantError) as caught:
        await press(hass, miner, "reboot")

    assert caught.value.translation_key == "miner_restarting"
    assert "reboot" not in miner.commands


async def test_no_wait_without_a_restart_of_ours(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A miner that is simply gone fails a command at once, as before."""
    miner = await restarting_miner(hass, miner_factory, restart_seconds=0)
    miner.faults.refuse = True

    with pytest.raises(HomeAssistantError) as caught:
        await press(hass, miner, "reboot")

    assert caught.value.translation_key == "command_failed"


async def test_polls_during_the_restart_keep_the_last_data(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The miner away after our power limit is no outage; away for longer, it is."""
    miner = await restarting_miner(hass, miner_factory, restart_seconds=0)
    power = entity_id(hass, miner, SENSOR_DOMAIN, "power")
    await set_number(hass, entity_id(hass, miner, NUMBER_DOMAIN, "power_limit"), 3000)
    await advance(hass, freezer, 3)  # the debounced write goes out
    assert miner.state.power_limit == 3000
    miner.faults.refuse = True  # the miner is away while it restarts

    caplog.set_level(logging.INFO)
    await advance(hass, freezer, 30)
    assert hass.states.get(power).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert "Error fetching" not in caplog.text

    await advance(hass, freezer, 180)  # past the restart window
    assert hass.states.get(power).state == STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_a_garbled_reply_fails_a_command_at_once(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Only a miner away during our restart is waited for; a garbled answer is an error."""
    miner = await restarting_miner(hass, miner_factory, restart_seconds=0)
    await press(hass, miner, "restart_mining")
    miner.faults.garbage = True

    with pytest.raises(HomeAssistantError) as caught:
        await press(hass, miner, "reboot")

    assert caught.value.translation_key == "command_failed"
