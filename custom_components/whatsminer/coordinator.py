"""The per-miner hub: polls the miner and sends it commands through one client.

One ``client.fetch()`` per poll gives every entity its data. Static identity is read
with the first poll of a setup, with the first poll after a failed one (whatever
answers at the address after an outage may be another miner: DHCP hands addresses out
anew after a power cut, and its MAC must match before its data or our commands flow),
and when the firmware version in the poll changes. Client
errors become the Home Assistant errors that drive unavailability (``UpdateFailed``,
logged once on the way down and once on recovery by ``DataUpdateCoordinator``),
re-authentication (``ConfigEntryAuthFailed``) and translated action errors.

``data`` is ``None`` only while the entry has loaded from the stored identity and the
miner has not answered yet; ``last_update_success`` is then ``False``, so entities
are unavailable and never read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from yarl import URL

from .api import (
    CommandOutcome,
    Identity,
    MinerData,
    WhatsminerAuthError,
    WhatsminerClient,
    WhatsminerError,
    WhatsminerInvalidArgumentError,
    WhatsminerWriteDisabledError,
)
from .const import (
    CONF_IDENTITY,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    IDENTIFY_DURATION,
    IDENTIFY_LED_COLOR,
    IDENTIFY_LED_DURATION_MS,
    IDENTIFY_LED_PERIOD_MS,
    LOGGER,
    MANUFACTURER,
    RESTART_REFRESH_DELAY,
)
from .issues import async_create_write_api_issue, async_delete_write_api_issue
from .stored_identity import identity_as_data

type WhatsminerConfigEntry = ConfigEntry[WhatsminerCoordinator]
type Command = Callable[[WhatsminerClient], Awaitable[CommandOutcome]]


def web_ui_url(host: str) -> str:
    """Return the miner's web interface; yarl puts an IPv6 address in brackets."""
    return str(URL.build(scheme="http", host=host, path="/"))


def scan_interval(entry: ConfigEntry) -> timedelta:
    """Return the poll interval the user chose in the options."""
    return timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL))


class WhatsminerCoordinator(DataUpdateCoordinator[MinerData]):
    """Poll one miner and send it commands."""

    config_entry: WhatsminerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WhatsminerConfigEntry,
        client: WhatsminerClient,
        identity: Identity,
    ) -> None:
        """Start from the identity stored when the miner was last seen."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=scan_interval(entry),
        )
        self.client = client
        self.identity = identity
        self._identity_read = False
        self._polled_firmware: str | None = None
        self._write_access_checked = False
        self._cancel_delayed_refresh: CALLBACK_TYPE | None = None
        self._cancel_identify: CALLBACK_TYPE | None = None

    @property
    def mac(self) -> str:
        """The miner's MAC address, normalised as in unique ids and the device registry."""
        return dr.format_mac(self.identity.mac)

    @property
    def device_info(self) -> DeviceInfo:
        """The device all of this miner's entities belong to."""
        return DeviceInfo(
            connections={(CONNECTION_NETWORK_MAC, self.mac)},
            identifiers={(DOMAIN, self.mac)},
            manufacturer=MANUFACTURER,
            model=self.identity.model,
            # The entry title: the miner's own name, or model and MAC suffix for the
            # factory host name every miner ships with (naming.py); the user may rename it.
            name=self.config_entry.title,
            sw_version=self.identity.firmware,
            serial_number=self.identity.serial,
            configuration_url=web_ui_url(self.client.host),
        )

    async def _async_update_data(self) -> MinerData:
        """Poll the miner once."""
        try:
            if not self._identity_read:
                # First poll of this setup or after an outage: identity first, so a
                # different miner is refused and the client knows the API version and
                # the settings only get_miner_info reports before it fetches.
                await self._async_check_identity_for_poll()
            snapshot = await self.client.fetch()
            if snapshot.firmware != self._polled_firmware:
                if self._polled_firmware is not None:
                    # A firmware update: model, API version and features may have changed.
                    await self._async_check_identity_for_poll()
                self._polled_firmware = snapshot.firmware
            if not self._write_access_checked:
                await self._async_check_write_access()
        except WhatsminerAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"name": self.name},
            ) from err
        except WhatsminerError as err:
            self._identity_read = False  # check the MAC again once the address answers
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err
        return snapshot

    async def _async_check_identity_for_poll(self) -> None:
        """Read the identity; a different miner at the address fails the poll."""
        if not await self._async_read_identity():
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_miner",
                translation_placeholders={"name": self.name, "host": self.client.host},
            )

    async def _async_read_identity(self) -> bool:
        """Read the static facts again; return False for a different miner at the address."""
        identity = await self.client.identity()
        if dr.format_mac(identity.mac) != self.mac:
            return False
        self._identity_read = True
        if identity != self.identity:
            self._async_store_identity(identity)
        return True

    @callback
    def _async_store_identity(self, identity: Identity) -> None:
        """Keep entry data and the device registry in step with a changed identity."""
        self.identity = identity
        self.hass.config_entries.async_update_entry(
            self.config_entry,
            data={**self.config_entry.data, CONF_IDENTITY: identity_as_data(identity)},
        )
        device_registry = dr.async_get(self.hass)
        # The entry's one device; none yet while the entry is loading for the first time.
        for device in dr.async_entries_for_config_entry(
            device_registry, self.config_entry.entry_id
        ):
            device_registry.async_update_device(
                device.id,
                model=identity.model,
                sw_version=identity.firmware,
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
            async_create_write_api_issue(self.hass, self.config_entry)
            raise
        async_delete_write_api_issue(self.hass, self.config_entry)

    async def async_run_command(self, command: Command, *, restarts_miner: bool = False) -> None:
        """Send a command, then refresh so the UI shows its effect.

        Commands that restart the miner (or whose reply was lost) are followed by a
        delayed refresh; polling at once would only see the old state.
        """
        outcome = await self._async_send(command)
        if restarts_miner or outcome is CommandOutcome.SENT:
            self._async_schedule_delayed_refresh()
        else:
            await self.async_request_refresh()

    async def async_set_led(self, command: Command) -> None:
        """Send an LED command; it replaces a running identify flash."""
        self._async_cancel_identify()
        await self._async_send(command)

    async def async_identify(self) -> None:
        """Flash the red LED for a while, then hand the LED back to the miner."""
        await self.async_set_led(
            lambda client: client.set_led(
                color=IDENTIFY_LED_COLOR,
                period=IDENTIFY_LED_PERIOD_MS,
                duration=IDENTIFY_LED_DURATION_MS,
                start=0,
            )
        )
        self._cancel_identify = async_call_later(
            self.hass,
            IDENTIFY_DURATION,
            HassJob(self._async_end_identify, cancel_on_shutdown=True),
        )

    async def _async_end_identify(self, _now: datetime) -> None:
        self._cancel_identify = None
        await self._async_led_auto()

    async def async_end_identify_now(self, *_: object) -> None:
        """Hand a flashing LED back to the miner before the entry unloads or HA stops.

        Otherwise the timer that ends the flash dies with the entry and the LED keeps
        flashing red until someone sets it. Best effort: the miner may be gone already.
        """
        if self._cancel_identify is not None:
            self._async_cancel_identify()
            await self._async_led_auto()

    async def _async_led_auto(self) -> None:
        try:
            await self.client.set_led_auto()
        except WhatsminerError as err:
            LOGGER.warning("Could not hand the LED of %s back to the miner: %s", self.name, err)

    async def _async_send(self, command: Command) -> CommandOutcome:
        """Run a command and turn client errors into translated Home Assistant errors.

        Until a poll has confirmed the miner's MAC since the last outage, the identity
        is checked first, so a different miner at the address never gets the command.
        """
        try:
            if not self._identity_read and not await self._async_read_identity():
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="wrong_miner",
                    translation_placeholders={"name": self.name, "host": self.client.host},
                )
            outcome = await command(self.client)
        except WhatsminerInvalidArgumentError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_argument",
                translation_placeholders={"error": str(err)},
            ) from err
        except WhatsminerAuthError as err:
            self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"name": self.name},
            ) from err
        except WhatsminerWriteDisabledError as err:
            async_create_write_api_issue(self.hass, self.config_entry)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="write_api_disabled",
                translation_placeholders={"name": self.name},
            ) from err
        except WhatsminerError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err
        async_delete_write_api_issue(self.hass, self.config_entry)
        return outcome

    @callback
    def _async_schedule_delayed_refresh(self) -> None:
        if self._cancel_delayed_refresh is not None:
            self._cancel_delayed_refresh()
        self._cancel_delayed_refresh = async_call_later(
            self.hass,
            RESTART_REFRESH_DELAY,
            HassJob(self._async_delayed_refresh, cancel_on_shutdown=True),
        )

    async def _async_delayed_refresh(self, _now: datetime) -> None:
        self._cancel_delayed_refresh = None
        await self.async_request_refresh()

    @callback
    def _async_cancel_identify(self) -> None:
        if self._cancel_identify is not None:
            self._cancel_identify()
            self._cancel_identify = None

    async def async_shutdown(self) -> None:
        """Stop polling and drop pending timers when the entry unloads."""
        await super().async_shutdown()
        self._async_cancel_identify()
        if self._cancel_delayed_refresh is not None:
            self._cancel_delayed_refresh()
            self._cancel_delayed_refresh = None
