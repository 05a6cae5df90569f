"""What the integration does with a miner's power switch: switch it on to mine, power down.

*Mining* switched on while the power switch is off switches it on first, waits until the
miner's API answers (for the boot timeout at most), then mining starts. The
``power_down`` action stops mining, waits until the miner reports it stopped, lets it
cool, then switches the power switch off; it returns only then, so a script can go on
once the miner is really off. Cutting the power of a hashing miner is what it avoids.

Every wait runs on Home Assistant's clock (its timers and the coordinator's updates),
so a wait ends on time whatever else the event loop does, and tests move it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_call_later, async_track_time_interval

from .api import StopMining
from .const import BOOT_POLL_INTERVAL, DOMAIN, POWER_DOWN_COOLING, POWER_DOWN_STOP_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from homeassistant.core import CALLBACK_TYPE

    from .coordinator import WhatsminerCoordinator
    from .plug import PowerPlug


async def async_power_up(coordinator: WhatsminerCoordinator, plug: PowerPlug) -> None:
    """Switch the miner's plug on and return once the miner answers.

    Raises, naming what it waited for, when the miner has not answered within the boot
    timeout (the switch is left on: the miner may still come up).
    """
    await _async_switch(coordinator.hass, plug, on=True)
    if not await _async_wait_for(
        coordinator, lambda: plug.powered is True and not plug.awaiting_answer, plug.boot_timeout
    ):
        raise _error("plug_boot_timeout", coordinator, minutes=_minutes(plug.boot_timeout))


async def async_power_down(coordinator: WhatsminerCoordinator) -> None:
    """Stop mining, wait until the miner has stopped and cooled, then cut its power.

    A miner known to be stopped skips to the cooling; one whose switch is off already
    needs nothing. Refused when the miner has no power switch or it no longer exists;
    the switch stays on when the miner does not stop or mines again meanwhile.
    """
    hass, link = coordinator.hass, coordinator.link
    plug = link.plug
    if plug is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_power_switch",
            translation_placeholders={"name": coordinator.name},
        )
    if hass.states.get(plug.entity_id) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="power_switch_missing",
            translation_placeholders={"name": coordinator.name, "entity_id": plug.entity_id},
        )
    if plug.powered is False:
        return
    if not _mining_is(coordinator, mining=False):
        await link.async_run(lambda client: client.run(StopMining()))
        if not await _async_wait_for(
            coordinator,
            lambda: _mining_is(coordinator, mining=False),
            POWER_DOWN_STOP_TIMEOUT,
            poll_every=BOOT_POLL_INTERVAL,
        ):
            raise _error(
                "stop_not_confirmed", coordinator, minutes=_minutes(POWER_DOWN_STOP_TIMEOUT)
            )
    await _async_sleep(hass, POWER_DOWN_COOLING)
    # A fresh look before the cut: mining may have been switched on meanwhile.
    await coordinator.async_refresh()
    if _mining_is(coordinator, mining=True):
        raise _error("mining_again", coordinator)
    await _async_switch(hass, plug, on=False)


def _mining_is(coordinator: WhatsminerCoordinator, *, mining: bool) -> bool:
    """Whether the latest poll had the miner's answer, and it says mining is ``mining``."""
    data = coordinator.data
    return (
        coordinator.last_update_success
        and not coordinator.link.last_poll_failed
        and data is not None
        and data.mining is mining
    )


async def _async_switch(hass: HomeAssistant, plug: PowerPlug, *, on: bool) -> None:
    """Switch the plug through its own integration, and wait for that call."""
    await hass.services.async_call(
        Platform.SWITCH,
        SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: plug.entity_id},
        blocking=True,
    )


async def _async_wait_for(
    coordinator: WhatsminerCoordinator,
    done: Callable[[], bool],
    limit: timedelta,
    *,
    poll_every: timedelta | None = None,
) -> bool:
    """Wait until ``done()`` holds after an update of the coordinator, ``limit`` at most.

    Returns whether it holds at the end. ``poll_every`` polls meanwhile, so the wait does
    not depend on the scan interval (up to 10 minutes).
    """
    if done():
        return True
    hass = coordinator.hass
    woken = asyncio.Event()

    @callback
    def _updated() -> None:
        if done():
            woken.set()

    @callback
    def _timed_out(_now: datetime) -> None:
        woken.set()

    async def _poll(_now: datetime) -> None:
        await coordinator.async_request_refresh()

    releases: list[CALLBACK_TYPE] = [
        coordinator.async_add_listener(_updated),
        async_call_later(hass, limit, _timed_out),
    ]
    if poll_every is not None:
        releases.append(async_track_time_interval(hass, _poll, poll_every))
    try:
        await woken.wait()
    finally:
        for release in releases:
            release()
    return done()


async def _async_sleep(hass: HomeAssistant, delay: timedelta) -> None:
    """Wait ``delay`` on Home Assistant's clock."""
    elapsed = asyncio.Event()

    @callback
    def _elapsed(_now: datetime) -> None:
        elapsed.set()

    cancel = async_call_later(hass, delay, _elapsed)
    try:
        await elapsed.wait()
    finally:
        cancel()


def _minutes(delay: timedelta) -> str:
    """Return a duration in minutes as a message shows it: 10, 2.5."""
    return f"{delay.total_seconds() / 60:g}"


def _error(
    translation_key: str, coordinator: WhatsminerCoordinator, **placeholders: str
) -> HomeAssistantError:
    """Return the translated error of a plug sequence that stopped short."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={"name": coordinator.name, **placeholders},
    )
