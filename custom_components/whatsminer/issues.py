"""The repair issues of a miner: its write API switched off, its time zone not Home Assistant's.

Reads work without the write API, so the entry stays useful; the issue tells the user
how to enable writes in WhatsMinerTool and disappears once a write goes through. The
steps differ between the API generations (admin password on v2, the account ``super``
on v3), so each has its own text under one issue id per entry.

A miner on another time zone than Home Assistant's logs and dates its faults at wrong
times. Only API v3 reports the zone (``get.system.setting``), so only there can the
difference be seen: the issue follows every poll, and its fix flow sets the zone.
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
