"""The repair issue of a power budget left without miners (every member was removed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

BUDGET_NO_MINERS: Final = "budget_no_miners"


def no_miners_issue_id(entry: ConfigEntry) -> str:
    """Return the issue id for one budget entry."""
    return f"{BUDGET_NO_MINERS}_{entry.entry_id}"


@callback
def async_update_no_miners_issue(
    hass: HomeAssistant, entry: ConfigEntry, *, has_miners: bool
) -> None:
    """Raise the issue while the budget has no miners; clear it once it has some again.

    The entry is kept (its energy total and settings stay); the options pick new miners.
    """
    if has_miners:
        ir.async_delete_issue(hass, DOMAIN, no_miners_issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        no_miners_issue_id(entry),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=BUDGET_NO_MINERS,
        translation_placeholders={"name": entry.title},
    )
