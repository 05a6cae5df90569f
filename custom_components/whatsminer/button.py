"""Buttons: reboot, restart mining and identify."""

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
from homeassistant.const import EntityCategory

from .entity import WhatsminerEntity

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator

# One command at a time per miner: it serialises privileged commands anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerButtonEntityDescription(ButtonEntityDescription):
    """A button and what pressing it does."""

    press_fn: Callable[[WhatsminerCoordinator], Awaitable[None]]


BUTTONS: tuple[WhatsminerButtonEntityDescription, ...] = (
    WhatsminerButtonEntityDescription(
        key="reboot",
        translation_key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_run_command(
            lambda client: client.reboot(), restarts_miner=True
        ),
    ),
    WhatsminerButtonEntityDescription(
        key="restart_mining",
        translation_key="restart_mining",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_run_command(
            lambda client: client.restart_mining(), restarts_miner=True
        ),
    ),
    WhatsminerButtonEntityDescription(
        key="identify",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_identify(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's buttons."""
    coordinator = entry.runtime_data
    async_add_entities(WhatsminerButton(coordinator, description) for description in BUTTONS)


class WhatsminerButton(WhatsminerEntity, ButtonEntity):
    """A button that sends one command."""

    entity_description: WhatsminerButtonEntityDescription

    async def async_press(self) -> None:
        """Send the button's command."""
        await self.entity_description.press_fn(self.coordinator)
