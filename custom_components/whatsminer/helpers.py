"""What a command's client errors mean to the user.

Every command goes through :meth:`.link.MinerLink.async_send`, which this module's
decorator wraps, so each client error becomes the same translated Home Assistant error
wherever it happens, and the side effects live in one place: a wrong password starts
re-authentication, a disabled write API raises the repair issue (and a command that goes
through clears it).
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidArgumentError,
    WhatsminerWriteDisabledError,
)
from .const import DOMAIN
from .issues import async_create_write_api_issue, async_delete_write_api_issue

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from .link import MinerLink


class WrongMinerError(WhatsminerError):
    """A different miner (another MAC) answers at the link's address."""


def command_errors[**P, T](
    func: Callable[Concatenate[MinerLink, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[MinerLink, P], Coroutine[Any, Any, T]]:
    """Turn the client errors of a link's command into translated Home Assistant errors."""

    @wraps(func)
    async def handler(link: MinerLink, /, *args: P.args, **kwargs: P.kwargs) -> T:
        hass, entry, name = link.hass, link.entry, link.name
        try:
            result = await func(link, *args, **kwargs)
        except WrongMinerError as err:
            raise _error("wrong_miner", name=name, host=link.client.host) from err
        except WhatsminerConnectionError as err:
            if not link.restart_expected:
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
            async_create_write_api_issue(hass, entry, link.identity.api_generation)
            raise _error("write_api_disabled", name=name) from err
        except WhatsminerError as err:
            raise _error("command_failed", name=name, error=str(err)) from err
        async_delete_write_api_issue(hass, entry)
        return result

    return handler


def _error(translation_key: str, **placeholders: str) -> HomeAssistantError:
    """Return the translated error with this key (strings.json, "exceptions")."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )
