"""Whether the power switch the options name still exists, and the repair issue if not.

The options keep the plug by entity id. Once that entity is gone (removed from the entity
registry, renamed away, or its state missing for longer than PLUG_MISSING_GRACE), the
miner is polled as if it had no plug and its entry keeps working; a repair issue asks for
another switch in the miner's options. The issue clears when the entity is back, and
when the options name another switch or none (this watch is released then).

A state that is missing for a moment is no loss: the plug's integration reloading, or
still loading while Home Assistant starts (the grace counts from the start's end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import (
    async_track_entity_registry_updated_event,
    async_track_state_change_event,
)
from homeassistant.helpers.start import async_at_started

from .const import PLUG_MISSING_GRACE
from .helpers import DelayedCall
from .issues import async_create_power_switch_issue, async_delete_power_switch_issue

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import CALLBACK_TYPE
    from homeassistant.helpers.entity_registry import EventEntityRegistryUpdatedData


class PlugPresence:
    """Watch one miner's power switch for its disappearance."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, entity_id: str) -> None:
        """Watch ``entity_id``, the switch the options of ``entry`` name."""
        self.hass = hass
        self.entry = entry
        self.entity_id = entity_id
        self._gone_later = DelayedCall()

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Start watching; returns the release, which also clears the issue."""
        releases = (
            async_track_state_change_event(self.hass, [self.entity_id], self._state_changed),
            async_track_entity_registry_updated_event(
                self.hass, [self.entity_id], self._registry_updated
            ),
            async_at_started(self.hass, self._async_started),
        )

        @callback
        def release() -> None:
            for release_one in releases:
                release_one()
            self._gone_later.async_cancel()
            async_delete_power_switch_issue(self.hass, self.entry)

        return release

    @callback
    def _async_started(self, _hass: HomeAssistant) -> None:
        """Take a switch without a state once Home Assistant has started as missing."""
        if self.hass.states.get(self.entity_id) is None:
            self._async_missing()

    @callback
    def _state_changed(self, event: Event[EventStateChangedData]) -> None:
        if event.data["new_state"] is None:
            self._async_missing()
            return
        self._gone_later.async_cancel()
        async_delete_power_switch_issue(self.hass, self.entry)

    @callback
    def _registry_updated(self, event: Event[EventEntityRegistryUpdatedData]) -> None:
        """Take a switch removed or renamed to another id as gone at once, no grace."""
        data = event.data
        if data["action"] == "remove" or "old_entity_id" in data:
            self._gone_later.async_cancel()
            self._async_gone_now()

    @callback
    def _async_missing(self) -> None:
        """Take the switch as gone unless its state is back within the grace."""
        self._gone_later.async_schedule(self.hass, PLUG_MISSING_GRACE, self._async_gone)

    async def _async_gone(self) -> None:
        self._async_gone_now()

    @callback
    def _async_gone_now(self) -> None:
        async_create_power_switch_issue(self.hass, self.entry, self.entity_id)
