"""Helpers of the smart plug tests: a template switch as the plug, a miner's entry behind it.

The plug is a template switch backed by an input_boolean, as a user without a smart plug
would make one; the simulated miner is unplugged when it goes off and plugged back in by
the test, after the boot delay the test chooses (on its frozen clock).

Actions that wait on Home Assistant's timers run as background tasks while a test moves
the clock with :func:`tick`; :func:`settle` and :func:`finished` bound their waits on the
real clock, since the frozen clock stops every asyncio timeout too.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_SCAN_INTERVAL,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.whatsminer import plug_control
from custom_components.whatsminer.const import CONF_BOOT_TIMEOUT, CONF_POWER_SWITCH
from tests.integration.conftest import entry_for
from tests.integration.entity_ids import entity_id

if TYPE_CHECKING:
    from collections.abc import Coroutine
    import logging

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    import pytest
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

PLUG = "switch.plug"
POWER = "input_boolean.plug_power"
POLL_S = 30
BOOT_TIMEOUT_S = 300
# Real seconds a settle or the end of an action may take before the test fails (a guard
# against hanging on a busy machine, not a measurement).
PATIENCE_S = 30
# The waits of plug_control.py, which only the clock or a coordinator update ends.
PLUG_WAITS = frozenset({"_async_wait_for", "_async_sleep"})
# Turns of the event loop without a running task after which Home Assistant has settled.
IDLE_TURNS = 20


async def set_up_plug(hass: HomeAssistant, *, unique_id: str | None = None) -> str:
    """Set up a template switch that an input_boolean backs, switched on; return its id.

    With ``unique_id`` it is in the entity registry (a plug a user can remove there).
    """
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"plug_power": {"initial": True}}}
    )
    target = {"target": {ATTR_ENTITY_ID: POWER}}
    switch: dict[str, Any] = {
        "name": "Plug",
        "state": f"{{{{ is_state('{POWER}', 'on') }}}}",
        "turn_on": {"action": "input_boolean.turn_on", **target},
        "turn_off": {"action": "input_boolean.turn_off", **target},
    }
    if unique_id is not None:
        switch["unique_id"] = unique_id
    assert await async_setup_component(hass, "template", {"template": [{"switch": [switch]}]})
    await hass.async_block_till_done()
    assert hass.states.get(PLUG) is not None
    return PLUG


async def set_up_plugged_entry(
    hass: HomeAssistant, miner: SimulatedMiner, plug: str
) -> MockConfigEntry:
    """Return the miner's entry with ``plug`` in its options, set up."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        options={
            CONF_SCAN_INTERVAL: POLL_S,
            CONF_POWER_SWITCH: plug,
            CONF_BOOT_TIMEOUT: BOOT_TIMEOUT_S,
        },
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def switch_plug(hass: HomeAssistant, miner: SimulatedMiner, *, on: bool) -> None:
    """Switch the plug; switched off, the miner loses its power at once."""
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON if on else SERVICE_TURN_OFF, {ATTR_ENTITY_ID: PLUG}
    )
    await hass.async_block_till_done()
    if not on:
        miner.unplug()
    await hass.async_block_till_done()


def state(hass: HomeAssistant, miner: SimulatedMiner, platform: str, key: str) -> str:
    """Return the state of the miner's entity with this key."""
    found = hass.states.get(entity_id(hass, miner, platform, key))
    assert found is not None
    return found.state


def plug_state(hass: HomeAssistant) -> str:
    """Return the plug's state."""
    found = hass.states.get(PLUG)
    assert found is not None
    return found.state


def in_background(hass: HomeAssistant, call: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Run an action call as a background task, which ``tick`` does not wait for."""
    return hass.async_create_background_task(call, "plug test action")


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock on and run what became due, without waiting for the actions."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


async def settle(hass: HomeAssistant) -> None:
    """Wait for every task, as async_block_till_done does, except those parked in a wait.

    Actions (in background tasks, and an entity's action in a task of its own) run on
    until they wait for the clock in plug_control.py; what is due otherwise has run. The
    loop turns until no task has run for IDLE_TURNS turns (callbacks scheduled with
    call_soon, such as a template switch's new state, are no tasks), PATIENCE_S of real
    time at most.
    """
    deadline = _real_seconds() + PATIENCE_S
    idle = 0
    while idle < IDLE_TURNS:
        assert _real_seconds() < deadline, "Home Assistant did not settle"
        await asyncio.sleep(0)
        busy = any(
            not task.done() and not _parked(task) for task in hass._tasks | hass._background_tasks
        )
        idle = 0 if busy else idle + 1


def _parked(task: asyncio.Future[Any]) -> bool:
    """Whether the task waits in plug_control.py for its clock or a coordinator update.

    One of the waits there is in its chain of awaits, or in that of a task it awaits (an
    entity's action, awaited by its call). Woken, a wait ends without awaiting anything
    else, at the next turn of the loop, which settle gives.
    """
    if not isinstance(task, asyncio.Task):  # an executor job's future
        return False
    awaiting: Any = task.get_coro()
    while (code := getattr(awaiting, "cr_code", None)) is not None:
        if code.co_filename == plug_control.__file__ and code.co_name in PLUG_WAITS:
            return True
        awaiting = awaiting.cr_await
    waited = getattr(task, "_fut_waiter", None)  # the future the task is blocked on
    return isinstance(waited, asyncio.Task) and _parked(waited)


async def finished(hass: HomeAssistant, task: asyncio.Task[Any]) -> None:
    """Wait until a background action has ended (raising its error), then settle.

    PATIENCE_S at most, counted on the real clock (freezegun stops the others).
    """
    deadline = _real_seconds() + PATIENCE_S
    while not task.done():
        assert _real_seconds() < deadline, "the action did not end"
        await asyncio.sleep(0)
    await settle(hass)
    task.result()


def _real_seconds() -> float:
    """Return a monotonic clock that the test's frozen clock does not stop."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def logged_above(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    """Return the records logged above ``level``, by any logger.

    Except asyncio's slow-step warnings: every move of the frozen clock looks like a step
    that took that long to asyncio's debug mode.
    """
    return [
        record
        for record in caplog.records
        if record.levelno > level and not record.getMessage().startswith("Executing <")
    ]
