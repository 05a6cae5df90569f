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
    )


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
