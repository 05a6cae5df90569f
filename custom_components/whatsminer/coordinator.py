"""The per-miner hub: polls the miner through its link and publishes the data.

One poll of the link (:class:`.link.MinerLink`) per interval gives every entity its
data; the link reads the identity when it must and follows the miner through restarts.
Client errors become the Home Assistant errors that drive unavailability
(``UpdateFailed``, logged once on the way down and once on recovery by
``DataUpdateCoordinator``) and re-authentication (``ConfigEntryAuthFailed``). Commands
go through the link, which asks the coordinator to poll after them.

``data`` is ``None`` only while the entry has loaded from the stored identity and the
miner has not answered yet; ``last_update_success`` is then ``False``, so entities
are unavailable and never read it.
"""

from __future__ import annotations

from datetime import timedelta
import hashlib
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import CoreState, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from yarl import URL

from .api import MinerData, WhatsminerAuthError, WhatsminerError
from .const import (
    BOOT_POLL_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    RESTART_REFRESH_DELAY,
)
from .helpers import DelayedCall, WrongMinerError
from .link import MinerLink
from .naming import readable_model, software_version
from .plug import plug_of, powered_off_data
from .plug_presence import PlugPresence

if TYPE_CHECKING:
    from homeassistant.core import CALLBACK_TYPE

    from .api import Identity, WhatsminerClient
    from .plug import PowerPlug

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


def _still_booting(plug: PowerPlug, err: UpdateFailed) -> bool:
    """Whether a failed poll is a switched-on miner that is not up yet, not an outage.

    Inside the boot timeout only; a different miner at the address is never a boot.
    """
    return plug.within_boot_timeout and not isinstance(err.__cause__, WrongMinerError)


class WhatsminerCoordinator(DataUpdateCoordinator[MinerData]):
    """Poll one miner through its link and hand the data to the entities."""

    config_entry: WhatsminerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: WhatsminerConfigEntry,
        client: WhatsminerClient,
        identity: Identity,
    ) -> None:
        """Reach the miner through a link from this client and identity (see link.py)."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=scan_interval(entry),
        )
        # Polls after every command sent through the link show its effect.
        self.link = MinerLink(
            hass, entry, client, identity, after_command=self._async_refresh_after_command
        )
        self._interval = scan_interval(entry)
        # Set up with Home Assistant's start, every miner of a farm would poll in the same
        # second from then on: the poll after this setup's first waits for the miner's phase.
        self._phase_delay: timedelta | None = (
            None if hass.state is CoreState.running else self._interval * poll_phase(entry)
        )
        self._refresh_later = DelayedCall()
        self._plug_releases: list[CALLBACK_TYPE] = []
        self._boot_over = DelayedCall()
        self.async_set_plug(plug_of(hass, entry))

    @property
    def device_info(self) -> DeviceInfo:
        """The device all of this miner's entities belong to."""
        identity = self.link.identity
        return DeviceInfo(
            connections={(CONNECTION_NETWORK_MAC, self.link.mac)},
            identifiers={(DOMAIN, self.link.mac)},
            manufacturer=MANUFACTURER,
            model=readable_model(identity.model),  # "M50 (VH50)"
            model_id=identity.model,  # the firmware's "M50_VH50"
            # The entry title: the miner's own name, or model and MAC suffix for the
            # factory host name every miner ships with (naming.py); the user may rename it.
            name=self.config_entry.title,
            sw_version=software_version(identity),  # firmware and API version
            serial_number=identity.serial,
            # The miner's web page: the device page's "Visit" link names the address.
            configuration_url=web_ui_url(self.link.client.host),
        )

    def set_scan_interval(self, interval: timedelta) -> None:
        """Poll every ``interval`` from the next poll on (the options flow's choice)."""
        self._interval = self.update_interval = interval

    @callback
    def async_set_plug(self, plug: PowerPlug | None) -> None:
        """Follow this power switch from now on (setup, the options flow); None: no plug.

        Whether it still exists is watched too (plug_presence.py).
        """
        for release in self._plug_releases:
            release()
        self._plug_releases = []
        self.link.plug = plug
        if plug is not None:
            self._plug_releases = [
                plug.async_follow(self._async_plug_changed),
                PlugPresence(self.hass, self.config_entry, plug.entity_id).async_start(),
            ]

    @callback
    def _async_plug_changed(self, powered: bool | None) -> None:
        """Show a switched-off miner at once; a switched-on one booting, and poll it at once.

        Once the boot timeout has passed, the Status sensor hears of it even though the
        failed polls of a silent miner notify no one after the first.
        """
        self._boot_over.async_cancel()
        if powered is False:
            self.async_set_updated_data(powered_off_data())
            return
        if powered and self.link.plug is not None:
            self.link.last_poll_failed = True  # no answer since the power came back
            self._boot_over.async_schedule(
                self.hass, self.link.plug.boot_timeout, self._async_boot_over
            )
            self.async_update_listeners()
        self.hass.async_create_task(self.async_request_refresh())

    async def _async_boot_over(self) -> None:
        """Tell the entities that the boot timeout has passed (booting → unreachable)."""
        self.async_update_listeners()

    async def _async_update_data(self) -> MinerData:
        """Poll the miner once; the next poll is one interval later (plus any phase delay).

        A miner whose power switch is off is not asked: what is true of it is published
        (plug.py), so its entities stay available and its energy has no gap. One that
        boots after the switch went on is polled every BOOT_POLL_INTERVAL until it answers;
        until then, for the boot timeout at most, its silence is no outage (nothing logged
        above DEBUG, entities available, Status ``booting``).
        """
        delay, self._phase_delay = self._phase_delay, None
        interval = self._interval if delay is None else self._interval + delay
        self.update_interval = interval
        if self.link.powered_off:
            return powered_off_data()
        plug = self.link.plug
        if plug is not None and plug.within_boot_timeout:
            # Until it answers; an answer below sets the scan interval back.
            self.update_interval = min(interval, BOOT_POLL_INTERVAL)
        try:
            data = await self._async_poll_link()
        except UpdateFailed as err:
            if plug is not None and plug.powered is False:
                return powered_off_data()  # switched off while the poll ran: no outage
            if plug is not None and _still_booting(plug, err):
                LOGGER.debug("%s does not answer yet while it boots: %s", self.name, err)
                return powered_off_data()
            raise
        if plug is not None and not self.link.last_poll_failed:
            plug.async_answered()
            self._boot_over.async_cancel()
        self.update_interval = interval
        return data

    async def _async_poll_link(self) -> MinerData:
        """Poll through the link; its errors become the coordinator's."""
        try:
            return await self.link.async_poll()
        except WhatsminerAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"name": self.name},
            ) from err
        except WrongMinerError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_miner",
                translation_placeholders={"name": self.name, "host": self.link.client.host},
            ) from err
        except WhatsminerError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"name": self.name, "error": str(err)},
            ) from err

    async def _async_refresh_after_command(self, restarting: bool) -> None:
        """Poll to show a command's effect: at once, or once a restarting miner is back."""
        if restarting:
            self._async_refresh_later()
        else:
            await self.async_request_refresh()

    @callback
    def _async_refresh_later(self) -> None:
        """Poll once the miner has had time to apply a command that restarts it.

        A newer such command replaces the pending refresh.
        """
        self._refresh_later.async_schedule(
            self.hass, RESTART_REFRESH_DELAY, self.async_request_refresh
        )

    async def async_shutdown(self) -> None:
        """Stop polling and following the plug, drop the pending refresh, close the link."""
        await super().async_shutdown()
        self._refresh_later.async_cancel()
        self._boot_over.async_cancel()
        self.async_set_plug(None)
        await self.link.async_close()
