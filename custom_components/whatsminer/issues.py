"""The repair issue raised while a miner's write API is switched off.

Reads work without the write API, so the entry stays useful; the issue tells the user
how to enable writes in WhatsMinerTool and disappears once a write goes through. The
steps differ between the API generations (admin password on v2, the account ``super``
on v3), so each has its own text under one issue id per entry.
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


def write_api_issue_id(entry: ConfigEntry) -> str:
    """Return the issue id for one config entry."""
    return f"{WRITE_API_DISABLED}_{entry.entry_id}"


@callback
def async_create_write_api_issue(
    hass: HomeAssistant, entry: ConfigEntry, generation: ApiGeneration
) -> None:
    """Tell the user how to enable the write API of a miner speaking ``generation``."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        write_api_issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=TRANSLATION_KEYS[generation],
        translation_placeholders={"name": entry.title},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_delete_write_api_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the issue once writes work (or the entry is removed)."""
    ir.async_delete_issue(hass, DOMAIN, write_api_issue_id(entry))
