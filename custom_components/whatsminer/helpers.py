"""Sending a command to a miner, and what its errors mean to the user.

Entities and actions send every command through :func:`async_run_command`, so each
client error becomes the same translated Home Assistant error wherever it happens, and
the side effects live in one place: a wrong password starts re-authentication, a
disabled write API raises the repair issue (and a command that goes through clears it),
and the poll that shows the command's effect is scheduled. The coordinator only polls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    CommandOutcome,
    WhatsminerAuthError,
    WhatsminerError,
    WhatsminerInvalidArgumentError,
    WhatsminerWriteDisabledError,
)
from .const import DOMAIN
from .issues import async_create_write_api_issue, async_delete_write_api_issue

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .api import WhatsminerClient
    from .coordinator import WhatsminerCoordinator

type Command = Callable[[WhatsminerClient], Awaitable[CommandOutcome]]


async def async_run_command(
    coordinator: WhatsminerCoordinator, command: Command, *, restarts_miner: bool = False
) -> None:
    """Send a command, then refresh so the UI shows its effect.

    Commands that restart the miner (or whose reply was lost) are followed by a delayed
    refresh; polling at once would only see the old state.
    """
    outcome = await async_send_command(coordinator, command)
    if restarts_miner or outcome is CommandOutcome.SENT:
        coordinator.async_refresh_later()
    else:
        await coordinator.async_request_refresh()


async def async_send_command(
    coordinator: WhatsminerCoordinator, command: Command
) -> CommandOutcome:
    """Send a command and turn client errors into translated Home Assistant errors.

    Until a poll has confirmed the miner's MAC since the last outage, the identity is
    checked first, so a different miner at the address never gets the command.
    """
    hass, entry, name = coordinator.hass, coordinator.config_entry, coordinator.name
    try:
        if not await coordinator.async_confirm_identity():
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="wrong_miner",
                translation_placeholders={"name": name, "host": coordinator.client.host},
            )
        outcome = await command(coordinator.client)
    except WhatsminerInvalidArgumentError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_argument",
            translation_placeholders={"error": str(err)},
        ) from err
    except WhatsminerAuthError as err:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"name": name},
        ) from err
    except WhatsminerWriteDisabledError as err:
        async_create_write_api_issue(hass, entry, coordinator.identity.api_generation)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_api_disabled",
            translation_placeholders={"name": name},
        ) from err
    except WhatsminerError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_failed",
            translation_placeholders={"name": name, "error": str(err)},
        ) from err
    async_delete_write_api_issue(hass, entry)
    return outcome
