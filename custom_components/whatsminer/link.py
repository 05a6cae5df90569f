"""The link to one miner: the one door every poll and command goes through.

The link owns what reaching the miner needs: its address and password, the client of
the API generation it speaks, and its identity. Whatever answers at the address after
an outage may be another miner (DHCP hands addresses out anew after a power cut), so its
MAC is read again before its data is used or a command reaches it; a firmware update may
also have moved it to another API generation, and the link then swaps the client. A
changed identity is kept in the entry's data and on the device.

A command that restarts the miner opens the restart window: while it lasts, a command
that finds the miner away waits for it, and a poll that finds it away keeps the last
data instead of reporting an outage.

The coordinator polls through the link; entities, actions and repairs send commands
through it. Client errors of commands become translated Home Assistant errors in
:func:`.helpers.command_errors`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import device_registry as dr

from .api import (
    CommandOutcome,
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerWriteDisabledError,
    connect,
    new_client,
)
from .const import (
    CONF_IDENTITY,
    DOMAIN,
    LOGGER,
    RESTART_COMMAND_WAIT,
    RESTART_RETRY_FIRST,
    RESTART_RETRY_LONGEST,
    RESTART_WINDOW,
)
from .helpers import WrongMinerError, command_errors
from .issues import async_create_write_api_issue, async_delete_write_api_issue
from .naming import readable_model, software_version
from .stored_identity import identity_as_data, identity_from_data

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .api import Identity, MinerData, WhatsminerClient
    from .plug import PowerPlug

# A command: one write, handed the client of the generation the miner speaks when it runs.
type Command = Callable[[WhatsminerClient], Awaitable[CommandOutcome]]
# Called after a command went through: poll now, or later when the miner restarts.
type AfterCommand = Callable[[bool], Awaitable[None]]


async def async_open_client(
    hass: HomeAssistant, entry: ConfigEntry
) -> tuple[WhatsminerClient, Identity]:
    """Return the client and identity an entry's link starts from.

    A miner seen before gets a client of the API generation it spoke last time (nothing
    is sent; the first poll detects a change) and loads even while it is off. One that
    has never answered is detected now, its identity stored, and setup retries until it
    answers.
    """
    host, password = entry.data[CONF_HOST], entry.data[CONF_PASSWORD]
    identity = identity_from_data(entry.data.get(CONF_IDENTITY))
    if identity is not None:
        client = new_client(
            identity.api_generation, host, password, run_blocking=hass.async_add_executor_job
        )
        return client, identity
    try:
        # Reads need no password; a wrong one shows with the first poll's write check.
        client, identity = await connect(host, password, run_blocking=hass.async_add_executor_job)
    except WhatsminerError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="never_seen",
            translation_placeholders={"host": host, "error": str(err)},
        ) from err
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_IDENTITY: identity_as_data(identity)}
    )
    return client, identity


class MinerLink:
    """One miner as Home Assistant reaches it: client, identity and restart window."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: WhatsminerClient,
        identity: Identity,
        *,
        after_command: AfterCommand,
    ) -> None:
        """Start from the client and identity :func:`async_open_client` returned.

        ``after_command`` shows a command's effect (the coordinator polls).
        """
        self.hass = hass
        self.entry = entry
        self._host: str = entry.data[CONF_HOST]
        self._password: str = entry.data[CONF_PASSWORD]
        # The client of the API generation the miner speaks now.
        self.client = client
        self.identity = identity
        self._identity_confirmed = False
        self._polled: MinerData | None = None
        self._polled_firmware: str | None = None
        self._write_access_checked = False
        self._restart_expected_until: float | None = None  # time.monotonic()
        # Whether the latest poll went without the miner's answer, even where the restart
        # window kept the last data (the Status sensor tells "restarting" from "mining").
        self.last_poll_failed = False
        self._after_command = after_command
        # The smart plug in front of the miner, if the options name one (plug.py); the
        # coordinator sets and follows it.
        self.plug: PowerPlug | None = None

    @property
    def name(self) -> str:
        """The miner's name in messages: its entry's title."""
        return self.entry.title

    @property
    def mac(self) -> str:
        """The miner's MAC address, normalised as in unique ids and the device registry."""
        return dr.format_mac(self.identity.mac)

    @property
    def powered_off(self) -> bool:
        """Whether the miner's power switch is off: then nothing is sent to it."""
        return self.plug is not None and self.plug.powered is False

    async def async_poll(self) -> MinerData:
        """Poll the miner once: identity when unconfirmed, data, write access once a setup.

        Raises the client's errors; a different miner raises :class:`WrongMinerError`.
        Away during a restart of our own making, the miner's last data is returned, and
        ``last_poll_failed`` still tells that it did not answer.
        """
        self.last_poll_failed = True  # until this poll has the miner's answer
        try:
            data = await self._async_poll()
        except WhatsminerAuthError:
            raise
        except WhatsminerError as err:
            self._identity_confirmed = False  # check the MAC again once the address answers
            if (
                isinstance(err, WhatsminerConnectionError)
                and self.restart_expected
                and self._polled is not None
            ):
                # Away because of our own restarting command: not an outage to report.
                LOGGER.debug("%s is restarting; keeping its last data: %s", self.name, err)
                return self._polled
            raise
        self._polled = data
        self.last_poll_failed = False
        return data

    async def _async_poll(self) -> MinerData:
        # First poll of this setup or after an outage: identity first, so a different
        # miner is refused and a changed API generation is followed.
        await self.async_confirm_identity()
        data = await self.client.fetch()
        if data.firmware != self._polled_firmware:
            if self._polled_firmware is not None:
                # A firmware update: model, API version and features may have changed.
                await self._async_read_identity()
            self._polled_firmware = data.firmware
        if not self._write_access_checked:
            await self._async_check_write_access()
        return data

    async def async_confirm_identity(self) -> None:
        """Make sure the miner at the address is ours; raise :class:`WrongMinerError` if not.

        Costs nothing once a poll has confirmed it since the last outage.
        """
        if not self._identity_confirmed:
            await self._async_read_identity()

    async def _async_read_identity(self) -> None:
        """Read the static facts again; a different miner at the address raises.

        Whichever API generation answers now is used from here on (a firmware update may
        have changed it); the client of the old one is closed.
        """
        client, identity = await connect(
            self._host,
            self._password,
            known=self.identity,
            current=self.client,
            run_blocking=self.hass.async_add_executor_job,
        )
        if client is not self.client:
            LOGGER.debug("%s now answers on API v%s", self.name, identity.api_generation.value)
            previous, self.client = self.client, client
            await previous.close()
        if dr.format_mac(identity.mac) != self.mac:
            raise WrongMinerError(f"{self._host} answers with another MAC")
        self._identity_confirmed = True
        if identity != self.identity:
            self._async_store_identity(identity)

    @callback
    def _async_store_identity(self, identity: Identity) -> None:
        """Keep entry data and the device registry in step with a changed identity."""
        self.identity = identity
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, CONF_IDENTITY: identity_as_data(identity)}
        )
        device_registry = dr.async_get(self.hass)
        # The entry's one device; none yet while the entry is loading for the first time.
        for device in dr.async_entries_for_config_entry(device_registry, self.entry.entry_id):
            device_registry.async_update_device(
                device.id,
                # The same fields as the coordinator's device_info.
                model=readable_model(identity.model),
                model_id=identity.model,
                sw_version=software_version(identity),
                serial_number=identity.serial,
            )

    async def _async_check_write_access(self) -> None:
        """Check password and write API once per setup, without failing the poll.

        Reads need no password on API v2, so this is where a wrong password shows (the
        auth error ends the poll and starts re-authentication). Any other trouble, such as
        a miner out of tokens, is retried with the next poll.
        """
        try:
            await self.async_verify_write_access()
        except WhatsminerWriteDisabledError:
            pass  # the repair issue is raised; reads go on
        except WhatsminerAuthError:
            raise
        except WhatsminerError as err:
            LOGGER.debug("Could not check the write API of %s yet: %s", self.name, err)
            return
        self._write_access_checked = True

    async def async_verify_write_access(self) -> None:
        """Check password and write API with a harmless privileged round trip.

        Keeps the write-API repair issue in step with the answer.
        """
        try:
            await self.client.verify_password()
        except WhatsminerWriteDisabledError:
            async_create_write_api_issue(self.hass, self.entry, self.identity.api_generation)
            raise
        async_delete_write_api_issue(self.hass, self.entry)

    async def async_run(self, command: Command, *, restarts_miner: bool = False) -> None:
        """Send a command, then have the poll show its effect.

        A command that restarts the miner (or whose reply was lost) opens the restart
        window, and its poll waits until the miner has had time to apply it; polling at
        once would only see the old state.
        """
        outcome = await self.async_send(command)
        restarting = restarts_miner or outcome is CommandOutcome.SENT
        if restarting:
            self._restart_expected_until = time.monotonic() + RESTART_WINDOW.total_seconds()
        await self._after_command(restarting)

    @command_errors
    async def async_send(self, command: Command) -> CommandOutcome:
        """Send a command to our miner; while it restarts because of us, wait for it.

        A command right after one that restarts the miner (reboot after a power limit, an
        automation stepping two settings) would otherwise fail at once. Client errors
        become translated Home Assistant errors. A miner whose power switch is off is
        not tried: that error says so at once instead of a timeout.
        """
        if self.powered_off:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="plug_off",
                translation_placeholders={"name": self.name},
            )
        pauses = _restart_pauses()
        while True:
            try:
                await self.async_confirm_identity()
                return await command(self.client)
            except WhatsminerConnectionError:
                pause = next(pauses, None) if self.restart_expected else None
                if pause is None:
                    raise
                LOGGER.debug("%s is restarting; the command waits %s s", self.name, pause)
            await asyncio.sleep(pause)

    @property
    def restart_expected(self) -> bool:
        """Whether the miner may be away because of a restarting command we sent."""
        until = self._restart_expected_until
        return until is not None and time.monotonic() < until

    async def async_close(self) -> None:
        """Close the client (entry unload)."""
        await self.client.close()


def _restart_pauses() -> Iterator[float]:
    """Yield the pauses between attempts while the miner restarts, RESTART_COMMAND_WAIT in all.

    Counted, not timed: the pauses add up to the wait whatever the clock does.
    """
    pause, waited = RESTART_RETRY_FIRST, 0.0
    while waited + pause <= RESTART_COMMAND_WAIT.total_seconds():
        yield pause
        waited += pause
        pause = min(pause * 2, RESTART_RETRY_LONGEST)
