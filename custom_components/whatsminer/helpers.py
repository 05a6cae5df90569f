"""What a command's client errors mean to the user; a call that waits on a timer.

Every command goes through :meth:`.link.MinerLink.async_send`, which this module's
decorator wraps, so each client error becomes the same translated Home Assistant error
wherever it happens, and the side effects live in one place: a wrong password starts
re-authentication, a disabled write API raises the repair issue (and a command that goes
through clears it).
"""

from __future__ import annotations

from functools import partial, wraps
from typing import TYPE_CHECKING, Any, Concatenate, Protocol

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_call_later

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
    from datetime import datetime, timedelta

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .api import Identity, WhatsminerClient


class WrongMinerError(WhatsminerError):
    """A different miner (another MAC) answers at the link's address."""


class CommandTarget(Protocol):
    """What the error mapping needs of the object that sends a command: the miner link.

    Spelled out here rather than imported, since link.py imports this module.
    """

    hass: HomeAssistant
    entry: ConfigEntry
    client: WhatsminerClient
    identity: Identity

    @property
    def name(self) -> str:
        """The miner's name in messages."""

    @property
    def restart_expected(self) -> bool:
        """Whether the miner may be away because of a restarting command we sent."""


def command_errors[L: CommandTarget, **P, T](
    func: Callable[Concatenate[L, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[L, P], Coroutine[Any, Any, T]]:
    """Turn the client errors of a link's command into translated Home Assistant errors."""

    @wraps(func)
    async def handler(link: L, /, *args: P.args, **kwargs: P.kwargs) -> T:
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


class DelayedCall:
    """At most one call waiting on a timer; scheduling again replaces the waiting one.

    The coordinator's poll after a command that restarts the miner and the power limit's
    debounced write wait this way; both drop the waiting call when they go away.
    """

    def __init__(self) -> None:
        """Start with nothing waiting."""
        self._cancel: CALLBACK_TYPE | None = None

    @property
    def pending(self) -> bool:
        """Whether a call is waiting (one that has started running no longer is)."""
        return self._cancel is not None

    @callback
    def async_schedule(
        self,
        hass: HomeAssistant,
        delay: timedelta,
        action: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        """Run ``action`` after ``delay`` instead of the call waiting now, if any."""
        self.async_cancel()
        self._cancel = async_call_later(
            hass, delay, HassJob(partial(self._async_run, action), cancel_on_shutdown=True)
        )

    async def _async_run(
        self, action: Callable[[], Coroutine[Any, Any, None]], _now: datetime
    ) -> None:
        self._cancel = None
        await action()

    @callback
    def async_cancel(self) -> None:
        """Drop the waiting call, if any."""
        if self._cancel is not None:
            self._cancel()
            self._cancel = None
