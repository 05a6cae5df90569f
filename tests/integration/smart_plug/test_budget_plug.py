"""A power budget over a miner behind a smart plug: it cuts the plug after a long stop.

The plug's waits (the cooling before it goes off, the boot after it goes on) run on Home
Assistant's clock in the budget's background tasks, so the clock is moved with the plug
helpers' :func:`tick`, which does not wait for a task parked in such a wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON

from tests.integration.budget import attributes_of, budget_entity, set_up_budget

from .plug import plug_state, switch_plug, tick

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

# Longer than the minimum on time, the cut after, the cooling and a start's wait for room.
PATIENCE_S = 3 * 3600


async def tick_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, done: Callable[[], bool]
) -> None:
    """Move the clock on in steps of 30 s until ``done()`` holds (PATIENCE_S at most)."""
    for _ in range(PATIENCE_S // 30):
        if done():
            return
        await tick(hass, freezer, 30)
    assert done()


async def set_budget(hass: HomeAssistant, budget: MockConfigEntry, watts: float) -> None:
    """Set the fixed budget's Budget number."""
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: budget_entity(hass, budget, "number", "budget"), "value": watts},
        blocking=True,
    )


async def test_a_long_stop_cuts_the_plug_and_a_start_switches_it_on(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Stopped by the budget for the set minutes, the plug goes off; with room, on again."""
    budget = await set_up_budget(hass, [entry.entry_id], budget=0, control=True, cut_plug_after=10)
    control = budget_entity(hass, budget, "sensor", "control_state")

    await tick_until(hass, freezer, lambda: not miner.state.mining)
    await tick(hass, freezer, 9 * 60)
    assert plug_state(hass) == STATE_ON  # not yet: 10 minutes stopped
    await tick_until(hass, freezer, lambda: plug_state(hass) == STATE_OFF)
    assert budget.options["cut_by_budget"] == [entry.entry_id]
    assert not budget.options.get("held_by_hand")
    assert attributes_of(hass, control)["members"][0]["reason"] == "stopped_long"

    await set_budget(hass, budget, 20000)
    await tick_until(hass, freezer, lambda: miner.state.mining)
    assert plug_state(hass) == STATE_ON
    await tick(hass, freezer, 30)
    assert budget.options["cut_by_budget"] == []


async def test_a_plug_a_person_switched_off_stays_off(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A plug cut by someone else is theirs: the budget leaves the miner without power."""
    budget = await set_up_budget(hass, [entry.entry_id], budget=0, control=True)
    await tick_until(hass, freezer, lambda: not miner.state.mining)

    await switch_plug(hass, miner, on=False)
    await tick(hass, freezer, 30)
    assert budget.options["held_by_hand"] == [entry.entry_id]
    await set_budget(hass, budget, 20000)
    for _ in range(40):  # longer than any wait before the budget would start it
        await tick(hass, freezer, 30)
    assert plug_state(hass) == STATE_OFF
    assert attributes_of(hass, budget_entity(hass, budget, "sensor", "control_state"))["members"][
        0
    ]["held_by_hand"]
