"""What a miner is doing, in one word: the Status sensor's derivation, in one place.

People asked "is it starting, ramping, mining or broken?" and read the answer from five
entities. The word comes from what a poll already read plus what the link knows (its
restart window, whether the last poll failed); no request of its own. Pure, so each
transition is tested without a miner.

``off`` and ``booting`` need a power switch in front of the miner (a smart plug, plug.py):
their inputs default to "no plug".
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import MinerData


class MinerStatus(StrEnum):
    """The states of the Status sensor, most telling first where several hold."""

    UNREACHABLE = "unreachable"  # no answer, and no restart of ours to explain it
    OFF = "off"  # its power switch is off
    BOOTING = "booting"  # switched on, not answering yet, within the boot timeout
    STOPPED = "stopped"  # mining switched off
    STARTING = "starting"  # mining on, nothing hashed yet
    RAMPING = "ramping"  # hashing, the start-up frequency tuning not finished
    MINING = "mining"
    RESTARTING = "restarting"  # inside the window after a restarting command, not back yet
    ERROR = "error"  # fault codes reported (the problem binary sensor is on)


def hashing(data: MinerData) -> bool:
    """Whether the miner is hashing now: mining switched on and a hashrate above zero.

    The mining switch shows what was asked for; this shows the result. After power_on it
    stays off while the hashboards ramp up, and it goes off when they stop hashing although
    mining is on. An unreported hashrate counts as not hashing.
    """
    return data.mining is True and (data.hashrate or 0) > 0


def miner_status(
    data: MinerData | None,
    *,
    poll_failed: bool,
    restart_window: bool,
    powered: bool | None = None,
    within_boot_timeout: bool = False,
) -> MinerStatus:
    """Return what the miner is doing.

    ``data`` is the latest poll's data (inside the restart window the link keeps the last
    data while the miner is away, and ``poll_failed`` says so); ``restart_window`` is the
    link's window after a command that restarts the miner. ``powered`` is the state of the
    miner's power switch (None: it has none) and ``within_boot_timeout`` whether that
    switch went on less than the boot timeout ago.

    Order: the power switch; our own restart until the miner hashes again; an outage;
    fault codes; then mining switched off, on without hashrate, hashing while the
    frequency tuning runs, and done. Mining unknown reads from the hashrate.
    """
    if powered is False:
        return MinerStatus.OFF
    if poll_failed or data is None:
        if restart_window:
            return MinerStatus.RESTARTING
        return MinerStatus.BOOTING if powered and within_boot_timeout else MinerStatus.UNREACHABLE
    if restart_window and not hashing(data):
        return MinerStatus.RESTARTING
    return _answered(data)


def _answered(data: MinerData) -> MinerStatus:
    """Return the status of a miner that answered, outside a restart of ours."""
    if data.errors:
        return MinerStatus.ERROR
    hashes = (data.hashrate or 0) > 0
    if data.mining is False or (data.mining is None and not hashes):
        return MinerStatus.STOPPED
    if not hashes:
        return MinerStatus.STARTING
    return MinerStatus.RAMPING if data.upfreq_complete is False else MinerStatus.MINING
