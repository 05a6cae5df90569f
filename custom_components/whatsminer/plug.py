"""The smart plug in front of a miner: whether it is powered, and since when.

People switch miners off at a smart plug or relay (solar setups do it daily). Polled
while cut off, such a miner floods the log with connection errors and every entity goes
unavailable. With the plug named in the options, the link knows the miner has no power:
nothing is sent, the coordinator publishes what is true of a miner without power
(:func:`powered_off_data`), and after the plug is switched on the miner counts as
booting until it answers, for the boot timeout at most, rather than unreachable.

The plug's state is followed through its state changes, not polled; the listener is
released with the entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util

from .api import MinerData
from .const import CONF_BOOT_TIMEOUT, CONF_POWER_SWITCH, DEFAULT_BOOT_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import CALLBACK_TYPE, State


def boot_timeout(entry: ConfigEntry) -> timedelta:
    """Return how long a switched-on miner may take until its API answers."""
    return timedelta(seconds=entry.options.get(CONF_BOOT_TIMEOUT, DEFAULT_BOOT_TIMEOUT))


def powered_off_data() -> MinerData:
    """Return what is true of a miner without power: nothing drawn, hashed or mining.

    What cannot be known of a miner that is off (its settings, temperatures) is left
    unknown rather than guessed. A miner that boots after its plug went on is published
    the same way until it answers: it hashes nothing yet.
    """
    return MinerData(
        hashrate=0.0,
        hashrate_average=None,
        hashrate_factory=None,
        power=0.0,
        power_limit=None,
        efficiency=None,
        environment_temperature=None,
        boards=(),
        chip_temp_min=None,
        chip_temp_avg=None,
        chip_temp_max=None,
        fan_in=0,
        fan_out=0,
        psu=None,
        elapsed=None,
        mining=False,
        upfreq_complete=None,
        power_mode=None,
        fast_boot=None,
        upfreq_speed=None,
        power_percent=None,
        temp_offset=None,
        poweroff_cool=None,
        fan_zero_speed=None,
        led_auto=None,
        web_pools=None,
        target_freq=None,
        zone_name=None,
        pools=(),
        accepted=None,
        rejected=None,
        errors=(),
        firmware=None,
    )


class PowerPlug:
    """The switch that powers a miner, as its state changes tell it."""

    def __init__(self, hass: HomeAssistant, entity_id: str, timeout: timedelta) -> None:
        """Follow ``entity_id``; a miner switched on counts as booting for ``timeout``."""
        self.hass = hass
        self.entity_id = entity_id
        self.boot_timeout = timeout
        # When the plug went on (in this run), until the miner answers after that.
        self._switched_on_at: datetime | None = None
        self.powered = self._powered(hass.states.get(entity_id))

    @property
    def awaiting_answer(self) -> bool:
        """Whether the plug went on and the miner has not answered since, however long ago."""
        return self.powered is True and self._switched_on_at is not None

    @property
    def within_boot_timeout(self) -> bool:
        """Whether the miner boots: switched on less than the boot timeout ago, no answer yet."""
        on_at = self._switched_on_at
        return (
            self.powered is True
            and on_at is not None
            and dt_util.utcnow() - on_at < self.boot_timeout
        )

    @callback
    def async_answered(self) -> None:
        """Note that the miner answered: its boot, if any, is over."""
        self._switched_on_at = None

    @callback
    def async_follow(self, changed: Callable[[bool | None], None]) -> CALLBACK_TYPE:
        """Call ``changed`` with the new power state whenever it changes; returns the release."""

        @callback
        def _state_changed(event: Event[EventStateChangedData]) -> None:
            powered = self._powered(event.data["new_state"])
            if powered == self.powered:
                return
            if powered:
                self._switched_on_at = dt_util.utcnow()
            self.powered = powered
            changed(powered)

        return async_track_state_change_event(self.hass, [self.entity_id], _state_changed)

    @staticmethod
    def _powered(state: State | None) -> bool | None:
        """On or off; None while the switch is unknown, unavailable or gone (then polled)."""
        if state is None or state.state not in (STATE_ON, STATE_OFF):
            return None
        return state.state == STATE_ON


def plug_of(hass: HomeAssistant, entry: ConfigEntry) -> PowerPlug | None:
    """Return the plug the options name, or None when the miner has none."""
    entity_id = entry.options.get(CONF_POWER_SWITCH)
    return PowerPlug(hass, entity_id, boot_timeout(entry)) if entity_id else None
