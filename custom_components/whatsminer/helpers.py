"""Sending a command to a miner, and what its errors mean to the user.

Entities and actions send every command through :func:`async_run_command`, so each
client error becomes the same translated Home Assistant error wherever it happens, and
the side effects live in one place: a wrong password starts re-authentication, a
disabled write API raises the repair issue (and a command that goes through clears it),
and the poll that shows the command's effect is scheduled. The coordinator only polls.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    CommandOutcome,
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidArgumentError,
    WhatsminerWriteDisabledError,
)
from .const import (
    DOMAIN,
    LOGGER,
    RESTART_COMMAND_WAIT,
    RESTART_RETRY_FIRST,
    RESTART_RETRY_LONGEST,
)
from .issues import async_create_write_api_issue, async_delete_write_api_issue

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

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
        coordinator.async_expect_restart()
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
        outcome = await _async_send_when_back(coordinator, command)
    except WhatsminerConnectionError as err:
        if not coordinator.restart_expected:
            raise _error("command_failed", name=name, error=str(err)) from err
        raise _error("miner_restarting", name=name) from err
    except WhatsminerInvalidArgumentError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_argument",
            translation_placeholders={"error": str(err)},
        ) from err
    except WhatsminerAuthError as err:
        entry.async_start_reauth(hass)
        raise _error("auth_failed", name=name) from err
    except WhatsminerWriteDisabledError as err:
        async_create_write_api_issue(hass, entry, coordinator.identity.api_generation)
        raise _error("write_api_disabled", name=name) from err
    except WhatsminerError as err:
        raise _error("command_failed", name=name, error=str(err)) from err
    async_delete_write_api_issue(hass, entry)
    return outcome


def _error(translation_key: str, **placeholders: str) -> HomeAssistantError:
    """Return the translated error with this key (strings.json, "exceptions")."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def _restart_pauses() -> Iterator[float]:
    """Yield the pauses between attempts while the miner restarts, RESTART_COMMAND_WAIT in all.

    Counted, not timed: the pauses add up to the wait whatever the clock does.
    """
    pause, waited = RESTART_RETRY_FIRST, 0.0
    while waited + pause <= RESTART_COMMAND_WAIT.total_seconds():
        yield pause
        waited += pause
        pause = min(pause * 2, RESTART_RETRY_LONGEST)


async def _async_send_when_back(
    coordinator: WhatsminerCoordinator, command: Command
) -> CommandOutcome:
    """Send the command; while the miner restarts because of us, wait for it to answer.

    A command right after one that restarts the miner (reboot after a power limit, an
    automation stepping two settings) would otherwise fail at once.
    """
    pauses = _restart_pauses()
    while True:
        try:
            if not await coordinator.async_confirm_identity():
                raise _error("wrong_miner", name=coordinator.name, host=coordinator.client.host)
            return await command(coordinator.client)
        except WhatsminerConnectionError:
            pause = next(pauses, None) if coordinator.restart_expected else None
            if pause is None:
                raise
            LOGGER.debug("%s is restarting; the command waits %s s", coordinator.name, pause)
        await asyncio.sleep(pause)
