"""The per-miner hub: polls the miner through one client.

One ``client.fetch()`` per poll gives every entity its data. Static identity is read
with the first poll of a setup, with the first poll after a failed one (whatever
answers at the address after an outage may be another miner: DHCP hands addresses out
anew after a power cut, and its MAC must match before its data or our commands flow,
and the miner may have moved to another API generation with a firmware update), and
when the firmware version in the poll changes. Client errors become the Home Assistant
errors that drive unavailability (``UpdateFailed``, logged once on the way down and
once on recovery by ``DataUpdateCoordinator``) and re-authentication
(``ConfigEntryAuthFailed``). Commands go through ``helpers.py``.

``data`` is ``None`` only while the entry has loaded from the stored identity and the
miner has not answered yet; ``last_update_success`` is then ``False``, so entities
are unavailable and never read it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import hashlib
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import CALLBACK_TYPE, CoreState, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from yarl import URL

from .api import (
    Identity,
    MinerData,
    WhatsminerAuthError,
    WhatsminerClient,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerWriteDisabledError,
    connect,
)
from .const import (
    CONF_IDENTITY,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    RESTART_REFRESH_DELAY,
    RESTART_WINDOW,
)
from .issues import async_create_write_api_issue, async_delete_write_api_issue
from .stored_identity import identity_as_data

type WhatsminerConfigEntry = ConfigEntry[WhatsminerCoordinator]


def web_ui_url(host: str) -> str:
    """Return the miner's web interface; yarl puts an IPv6 address in brackets."""
    return str(URL.build(scheme="http", host=host, path="/"))


def scan_interval(entry: ConfigEntry) -> timedelta:
    """Return the poll interval the user chose in the options."""
    return timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL))


def poll_phase(entry: ConfigEntry) -> float:
    """Return this miner's place in the poll interval, a fraction from 0 to 1.

    Derived from the entry id, so it is the same on every start and spread evenly over
    the miners of a farm.
    """
    digest = hashlib.blake2b(entry.entry_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


class WhatsminerCoordinator(DataUpdateCoordinator[MinerData]):
    """Poll one miner; know which miner it is and which client reaches it."""

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
        self._interval = scan_interval(entry)
        # Set up with Home Assistant's start, every miner of a farm would poll in the same
        # second from then on: the poll after this setup's first waits for the miner's phase.
        self._phase_delay: timedelta | None = (
            None if hass.state is CoreState.running else self._interval * poll_phase(entry)
        )
        self._identity_read = False
        self._polled_firmware: str | None = None
        self._write_access_checked = False
        self._cancel_delayed_refresh: CALLBACK_TYPE | None = None
        self._restart_expected_until: float | None = None  # time.monotonic()

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

    def set_scan_interval(self, interval: timedelta) -> None:
        """Poll every ``interval`` from the next poll on (the options flow's choice)."""
        self._interval = self.update_interval = interval

    async def _async_update_data(self) -> MinerData:
        """Poll the miner once; the next poll is one interval later (plus any phase delay)."""
        delay, self._phase_delay = self._phase_delay, None
        self.update_interval = self._interval if delay is None else self._interval + delay
        try:
            if not self._identity_read:
                # First poll of this setup or after an outage: identity first, so a
                # different miner is refused and a changed API generation is followed.
                await self._async_check_identity_for_poll()
            data = await self.client.fetch()
            if data.firmware != self._polled_firmware:
                if self._polled_firmware is not None:
                    # A firmware update: model, API version and features may have changed.
                    await self._async_check_identity_for_poll()
                self._polled_firmware = data.firmware
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
            if (
                isinstance(err, WhatsminerConnectionError)
                and self.restart_expected
                and self.data is not None
            ):
                # Away because of our own restarting command: not an outage to report.
                LOGGER.debug("%s is restarting; keeping its last data: %s", self.name, err)
                return self.data
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err
        return data

    async def _async_check_identity_for_poll(self) -> None:
        """Read the identity; a different miner at the address fails the poll."""
        if not await self._async_read_identity():
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_miner",
                translation_placeholders={"name": self.name, "host": self.client.host},
            )

    async def async_confirm_identity(self) -> bool:
        """Make sure the miner at the address is ours before a command goes to it.

        Costs nothing once a poll has confirmed it since the last outage.
        """
        return self._identity_read or await self._async_read_identity()

    async def _async_read_identity(self) -> bool:
        """Read the static facts again; return False for a different miner at the address.

        Whichever API generation answers now is used from here on (a firmware update may
        have changed it); the client of the old one is closed.
        """
        client, identity = await connect(
            self.config_entry.data[CONF_HOST],
            self.config_entry.data[CONF_PASSWORD],
            known=self.identity,
            current=self.client,
            run_blocking=self.hass.async_add_executor_job,
        )
        if client is not self.client:
            LOGGER.debug("%s now answers on API v%s", self.name, identity.api_generation.value)
            previous, self.client = self.client, client
            await previous.close()
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
            async_create_write_api_issue(self.hass, self.config_entry, self.identity.api_generation)
            raise
        async_delete_write_api_issue(self.hass, self.config_entry)

    @property
    def restart_expected(self) -> bool:
        """Whether the miner may be away because of a restarting command we sent."""
        until = self._restart_expected_until
        return until is not None and time.monotonic() < until

    @callback
    def async_expect_restart(self) -> None:
        """Note that a command just made the miner restart (see RESTART_WINDOW)."""
        self._restart_expected_until = time.monotonic() + RESTART_WINDOW.total_seconds()

    @callback
    def async_refresh_later(self) -> None:
        """Poll once the miner has had time to apply a command that restarts it.

        A newer such command replaces the pending refresh.
        """
        self._async_cancel_delayed_refresh()
        self._cancel_delayed_refresh = async_call_later(
            self.hass,
            RESTART_REFRESH_DELAY,
            HassJob(self._async_delayed_refresh, cancel_on_shutdown=True),
        )

    async def _async_delayed_refresh(self, _now: datetime) -> None:
        self._cancel_delayed_refresh = None
        await self.async_request_refresh()

    @callback
    def _async_cancel_delayed_refresh(self) -> None:
        if self._cancel_delayed_refresh is not None:
            self._cancel_delayed_refresh()
            self._cancel_delayed_refresh = None

    async def async_shutdown(self) -> None:
        """Stop polling, drop the pending refresh and close the client (entry unload)."""
        await super().async_shutdown()
        self._async_cancel_delayed_refresh()
        await self.client.close()
