"""Diagnostics: the config entry, identity, latest poll and the miner's log, secrets removed.

Redacted: the password, addresses and names that locate or identify the miner (host,
MAC, hostname, serials) and the pool URLs and worker names, which may carry pool
credentials. Pool passwords never enter the poll data at all. The end of the miner's own
log is redacted by :mod:`.miner_log`.
"""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD

from .budget_diagnostics import budget_diagnostics
from .budget_runtime import is_budget_entry
from .miner_log import async_miner_log

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import WhatsminerConfigEntry

TO_REDACT: Final = {
    CONF_HOST,
    CONF_PASSWORD,
    "discovery_keys",
    "hostname",
    "mac",
    "serial",
    "title",
    "unique_id",
    "url",
    "user",
}


def _as_plain_data(value: Any) -> Any:
    """Turn ``asdict`` output into plain JSON data.

    Tuples become lists, which redaction looks into (tuples it skips); enums become their
    values, which the diagnostics encoder would otherwise store as a repr.
    """
    if isinstance(value, dict):
        return {key: _as_plain_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_plain_data(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WhatsminerConfigEntry
) -> dict[str, Any]:
    """Return what support needs to understand a miner's (or a power budget's) behaviour."""
    if is_budget_entry(entry):
        return budget_diagnostics(entry)
    coordinator = entry.runtime_data
    miner_log = await async_miner_log(coordinator)
    return async_redact_data(
        {
            "entry": entry.as_dict(),
            "identity": _as_plain_data(asdict(coordinator.link.identity)),
            "last_update_success": coordinator.last_update_success,
            "data": (
                _as_plain_data(asdict(coordinator.data))
                if coordinator.last_update_success
                else None
            ),
            "miner_log": miner_log,
        },
        TO_REDACT,
    )
