"""Buttons: reboot, restart mining and identify.

Identify flashes the red LED for a while and then hands the LED back to the miner. The
button owns that timer: a new LED setting from the ``set_led`` action ends the flash
(signalled through the dispatcher), and so do unloading the entry and stopping Home
Assistant, while the client is still open; otherwise the LED would keep flashing red
until someone set it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# ButtonDeviceClass has no import path that both supported releases export: 2025.x defines it
# here; 2026.x moved it to button.const (absent in 2025.x) and only imports it here, which
# mypy strict reports as not explicitly exported. The ignore covers that lane only.
from homeassistant.components.button import (  # type: ignore[attr-defined,unused-ignore]
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, EntityCategory
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later

from .api import Reboot, RestartMining, SetLed, SetLedAuto, WhatsminerError
from .const import (
    IDENTIFY_DURATION,
    IDENTIFY_LED_COLOR,
    IDENTIFY_LED_DURATION_MS,
    IDENTIFY_LED_PERIOD_MS,
    LOGGER,
    led_changed_signal,
)
from .entity import WhatsminerEntity

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import CommandOutcome, WhatsminerClient
    from .coordinator import WhatsminerConfigEntry

# One command at a time per miner: it serialises privileged commands anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerButtonEntityDescription(ButtonEntityDescription):
    """A button and the command it sends; all of them restart the miner."""

    press_fn: Callable[[WhatsminerClient], Awaitable[CommandOutcome]]


BUTTONS: tuple[WhatsminerButtonEntityDescription, ...] = (
    WhatsminerButtonEntityDescription(
        key="reboot",
        translation_key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.run(Reboot()),
    ),
    WhatsminerButtonEntityDescription(
        key="restart_mining",
        translation_key="restart_mining",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.run(RestartMining()),
    ),
)


IDENTIFY = ButtonEntityDescription(
    key="identify",
    device_class=ButtonDeviceClass.IDENTIFY,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's buttons.

    Identify has a class of its own: it owns the timer that ends the flash.
    """
    async_add_entities(
        [
            *(WhatsminerButton(entry.runtime_data, description) for description in BUTTONS),
            WhatsminerIdentifyButton(entry.runtime_data, IDENTIFY),
        ]
    )


class WhatsminerButton(WhatsminerEntity, ButtonEntity):
    """A button that sends one command."""

    entity_description: WhatsminerButtonEntityDescription

    async def async_press(self) -> None:
        """Send the button's command."""
        await self.coordinator.link.async_run(self.entity_description.press_fn, restarts_miner=True)


class WhatsminerIdentifyButton(WhatsminerEntity, ButtonEntity):
    """Flash the red LED for a while, then hand the LED back to the miner."""

    _cancel_flash: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """End the flash when the LED is set otherwise or Home Assistant stops."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                led_changed_signal(self.coordinator.config_entry.entry_id),
                self._async_cancel_flash,
            )
        )
        self.async_on_remove(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_end_flash_now)
        )

    async def async_press(self) -> None:
        """Start (or restart) the flash."""
        await self.coordinator.link.async_send(
            lambda client: client.run(
                SetLed(
                    color=IDENTIFY_LED_COLOR,
                    period=IDENTIFY_LED_PERIOD_MS,
                    duration=IDENTIFY_LED_DURATION_MS,
                    start=0,
                )
            ),
        )
        self._async_cancel_flash()
        self._cancel_flash = async_call_later(
            self.hass,
            IDENTIFY_DURATION,
            HassJob(self._async_end_flash, cancel_on_shutdown=True),
        )

    async def async_will_remove_from_hass(self) -> None:
        """End a running flash before the entry unloads (the client is still open)."""
        await self._async_end_flash_now()
        await super().async_will_remove_from_hass()

    async def _async_end_flash(self, _now: datetime) -> None:
        self._cancel_flash = None
        await self._async_led_auto()

    async def _async_end_flash_now(self, _event: Event | None = None) -> None:
        if self._cancel_flash is not None:
            self._async_cancel_flash()
            await self._async_led_auto()

    async def _async_led_auto(self) -> None:
        """Hand the LED back to the miner; best effort, the miner may be gone already."""
        try:
            await self.coordinator.link.client.run(SetLedAuto())
        except WhatsminerError as err:
            LOGGER.warning(
                "Could not hand the LED of %s back to the miner: %s", self.coordinator.name, err
            )

    @callback
    def _async_cancel_flash(self) -> None:
        if self._cancel_flash is not None:
            self._cancel_flash()
            self._cancel_flash = None
