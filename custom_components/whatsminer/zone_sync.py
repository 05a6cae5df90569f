"""Keeping a miner's time zone in step with Home Assistant's.

After every poll the zone the miner reports (API v3 only) is compared with Home
Assistant's; a difference raises the repair issue, agreement clears it. Setting the zone
(from the issue's fix flow, or the ``set_time_zone`` action, which v2 miners need because
they cannot report theirs) sends Home Assistant's IANA name with its POSIX rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import ServiceValidationError

from .api import SetTimeZone
from .const import DOMAIN
from .issues import async_create_time_zone_issue, async_delete_time_zone_issue
from .time_zone import posix_rule

if TYPE_CHECKING:
    from .coordinator import WhatsminerCoordinator
    from .link import MinerLink


@callback
def async_track_time_zone(coordinator: WhatsminerCoordinator) -> CALLBACK_TYPE:
    """Raise or clear the time zone issue after every poll; return the unsubscriber."""

    @callback
    def compare() -> None:
        data = coordinator.data
        if data is None or data.zone_name is None:
            return  # not polled yet, or a miner that cannot tell (API v2)
        hass, entry = coordinator.hass, coordinator.config_entry
        if data.zone_name == hass.config.time_zone:
            async_delete_time_zone_issue(hass, entry)
        else:
            async_create_time_zone_issue(hass, entry, data.zone_name, hass.config.time_zone)

    return coordinator.async_add_listener(compare)


async def async_set_home_time_zone(link: MinerLink) -> None:
    """Set Home Assistant's time zone on the miner, then poll to show it.

    Raises a translated error when the zone has no POSIX rule on this system or the
    miner refuses.
    """
    hass = link.hass
    zone_name = hass.config.time_zone
    rule = await hass.async_add_executor_job(posix_rule, zone_name)
    if rule is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_time_zone",
            translation_placeholders={"zone": zone_name},
        )
    await link.async_run(lambda client: client.run(SetTimeZone(rule, zone_name)))
