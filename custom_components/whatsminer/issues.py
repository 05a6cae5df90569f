"""The repair issues of a miner: write API off, time zone not Home Assistant's, power switch gone.

Reads work without the write API, so the entry stays useful; the issue tells the user
how to enable writes in WhatsMinerTool and disappears once a write goes through. The
steps differ between the API generations (admin password on v2, the account ``super``
on v3), so each has its own text under one issue id per entry.

A miner on another time zone than Home Assistant's logs and dates its faults at wrong
times. Only API v3 reports the zone (``get.system.setting``), so only there can the
difference be seen: the issue follows every poll, and its fix flow sets the zone.

A power switch (smart plug) that the options name and that no longer exists leaves the
miner polled as if it had none; the issue asks for another switch in the options
(plug_presence.py decides when it is gone for good).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import ApiGeneration
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

WRITE_API_DISABLED = "write_api_disabled"
TRANSLATION_KEYS = {
    ApiGeneration.V2: WRITE_API_DISABLED,
    ApiGeneration.V3: "write_api_disabled_v3",
}


@callback
def _async_create_fixable_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    issue_id: str,
    translation_key: str,
    placeholders: dict[str, str],
) -> None:
    """Raise one entry's warning whose fix flow (repairs.py) finds the entry by its id."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders={"name": entry.title, **placeholders},
        data={"entry_id": entry.entry_id},
    )


def write_api_issue_id(entry: ConfigEntry) -> str:
    """Return the issue id for one config entry."""
    return f"{WRITE_API_DISABLED}_{entry.entry_id}"


@callback
def async_create_write_api_issue(
    hass: HomeAssistant, entry: ConfigEntry, generation: ApiGeneration
) -> None:
    """Tell the user how to enable the write API of a miner speaking ``generation``."""
    _async_create_fixable_issue(
        hass, entry, write_api_issue_id(entry), TRANSLATION_KEYS[generation], {}
    )


@callback
def async_delete_write_api_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the issue once writes work (or the entry is removed)."""
    ir.async_delete_issue(hass, DOMAIN, write_api_issue_id(entry))


@callback
def write_api_disabled(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Whether the miner's write API was last found off (the issue is raised)."""
    issue_id = write_api_issue_id(entry)
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None


TIME_ZONE_MISMATCH = "time_zone_mismatch"


def time_zone_issue_id(entry: ConfigEntry) -> str:
    """Return the time zone issue id for one config entry."""
    return f"{TIME_ZONE_MISMATCH}_{entry.entry_id}"


@callback
def async_create_time_zone_issue(
    hass: HomeAssistant, entry: ConfigEntry, miner_zone: str, home_zone: str
) -> None:
    """Tell the user the miner runs on ``miner_zone``, not Home Assistant's ``home_zone``."""
    _async_create_fixable_issue(
        hass,
        entry,
        time_zone_issue_id(entry),
        TIME_ZONE_MISMATCH,
        {"miner_zone": miner_zone, "home_zone": home_zone},
    )


@callback
def async_delete_time_zone_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the issue once the zones agree (or the entry goes)."""
    ir.async_delete_issue(hass, DOMAIN, time_zone_issue_id(entry))


POWER_SWITCH_MISSING = "power_switch_missing"


def power_switch_issue_id(entry: ConfigEntry) -> str:
    """Return the missing power switch issue id for one config entry."""
    return f"{POWER_SWITCH_MISSING}_{entry.entry_id}"


@callback
def async_create_power_switch_issue(
    hass: HomeAssistant, entry: ConfigEntry, entity_id: str
) -> None:
    """Tell the user the power switch the options name is gone, and to pick another.

    Not fixable here: the fix is a choice in the miner's options, which the text names.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        power_switch_issue_id(entry),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=POWER_SWITCH_MISSING,
        translation_placeholders={"name": entry.title, "entity_id": entity_id},
    )


@callback
def async_delete_power_switch_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the issue once the switch is back, or the options name another or none."""
    ir.async_delete_issue(hass, DOMAIN, power_switch_issue_id(entry))
