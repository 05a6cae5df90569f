"""Every way the budget touches a member miner: find it, read it, command it.

The budget runtime reaches its members only through these functions: it reads a
member's coordinator and commands it through the member's link, like the member's own
entities do, so a command of the budget meets the same checks and restart handling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState

from .api import SetPowerPercent, StartMining, StopMining
from .budget_entry import is_budget_data
from .plug_control import async_power_down, async_power_up

if TYPE_CHECKING:
    from homeassistant.core import CALLBACK_TYPE, HomeAssistant

    from .coordinator import WhatsminerCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberState:
    """What the budget reads of a member miner at one moment."""

    available: bool
    mining: bool | None
    power: float | None  # W
    hashrate: float | None  # TH/s
    power_percent: int | None
    power_limit: int | None  # W
    hashrate_factory: float | None  # TH/s the miner was rated for
    # Mining with the start-up tuning not finished (v3 up-freq-finish 0, v2 Upfreq
    # Complete 0); False where the firmware does not report the flag.
    ramping: bool
    # The smart plug in front of the member (the miner's options), None without one or
    # while its state is unknown; off, the member reads as a miner without power.
    plug_on: bool | None = None


UNAVAILABLE = MemberState(
    available=False,
    mining=None,
    power=None,
    hashrate=None,
    power_percent=None,
    power_limit=None,
    hashrate_factory=None,
    ramping=False,
)


def member_coordinator(hass: HomeAssistant, entry_id: str) -> WhatsminerCoordinator | None:
    """Return the coordinator of a loaded member miner, or None (not loaded, gone)."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or is_budget_data(entry.data) or entry.state is not ConfigEntryState.LOADED:
        return None
    coordinator: WhatsminerCoordinator = entry.runtime_data
    return coordinator


def member_name(hass: HomeAssistant, entry_id: str) -> str:
    """Return the member's name as its entry shows it (its id once the entry is gone)."""
    entry = hass.config_entries.async_get_entry(entry_id)
    return entry.title if entry is not None else entry_id


def listen_to_member(coordinator: WhatsminerCoordinator, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
    """Call ``update`` after each of the member's polls; return the call that stops it."""
    return coordinator.async_add_listener(update)


def read_member(coordinator: WhatsminerCoordinator | None) -> MemberState:
    """Return the member's latest poll, or UNAVAILABLE while it does not answer."""
    if coordinator is None or not coordinator.last_update_success:
        return UNAVAILABLE
    data = coordinator.data
    return MemberState(
        available=True,
        mining=data.mining,
        power=data.power,
        hashrate=data.hashrate,
        power_percent=data.power_percent,
        power_limit=data.power_limit,
        hashrate_factory=data.hashrate_factory,
        ramping=data.mining is True and data.upfreq_complete is False,
        plug_on=None if coordinator.link.plug is None else coordinator.link.plug.powered,
    )


def boot_timeout_s(coordinator: WhatsminerCoordinator) -> float | None:
    """Return how long the member may take to answer after its plug goes on (no plug: None)."""
    plug = coordinator.link.plug
    return None if plug is None else plug.boot_timeout.total_seconds()


async def async_plug_on(coordinator: WhatsminerCoordinator) -> None:
    """Switch on the plug of a member the budget powered down; return once it answers."""
    plug = coordinator.link.plug
    if plug is not None and plug.powered is False:
        await async_power_up(coordinator, plug)


async def async_plug_off(coordinator: WhatsminerCoordinator) -> None:
    """Stop the member, let it cool, then switch its plug off (``whatsminer.power_down``)."""
    await async_power_down(coordinator)


async def async_start_mining(coordinator: WhatsminerCoordinator) -> None:
    """Start mining (never the power limit, whose change restarts the miner)."""
    await coordinator.link.async_run(lambda client: client.run(StartMining()))


async def async_stop_mining(coordinator: WhatsminerCoordinator) -> None:
    """Stop mining."""
    await coordinator.link.async_run(lambda client: client.run(StopMining()))


async def async_set_power_percent(
    coordinator: WhatsminerCoordinator, percent: int, *, fast: bool = False
) -> None:
    """Set the power percentage (no restart); `fast` is v3's fast mode (v2 ignores it)."""
    await coordinator.link.async_run(lambda client: client.run(SetPowerPercent(percent, fast=fast)))
