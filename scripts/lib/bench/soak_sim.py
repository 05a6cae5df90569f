"""The soak's faults, done to the simulated miners inside `simhost` (request ``fault``).

Why here and not in tests/simulator: every fault is made of what a `SimulatedMiner` already
offers (unplug/plug, restart, reply faults, its state's password); only moving a miner to
another address and swapping its firmware need a new miner object, which the host that owns
the miners builds from the old one's state and MAC. Loopback only, like every miner.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Protocol

from tests.simulator import SimulatedMiner
from tests.simulator.profiles import PROFILES
from tests.simulator.state import RestartKind

if TYPE_CHECKING:
    from tests.simulator.profiles import Profile

    from .wire import Message

# The firmware a v2 miner is swapped to: the same model, 2025 firmware speaking API v3.
M50_ON_V3 = dataclasses.replace(
    PROFILES["m50"],
    name="m50_v3fw",
    generation="v3",
    firmware="20251209.16.Rel2",
    v3_api_version="3.0.2",
)
SWAP_PROFILES: dict[str, Profile] = {"m50": PROFILES["m50"], M50_ON_V3.name: M50_ON_V3}


class MinerHost(Protocol):
    """What the faults need of the process that owns the miners (simhost's `SimHost`)."""

    def miner(self, host: str) -> SimulatedMiner:
        """Return the miner on ``host``."""

    def replace(self, old: SimulatedMiner, new: SimulatedMiner) -> None:
        """Put ``new`` where ``old`` was, counted like it."""


async def _reborn(owner: MinerHost, old: SimulatedMiner, host: str, profile: Profile) -> Message:
    """Replace ``old`` by the same miner (MAC, state) on ``host`` with ``profile``; it boots."""
    new = SimulatedMiner(
        host,
        old.password,
        profile,
        mac=old.mac,
        restart_seconds=old.restart_seconds,
        ramp_scale=old.state.ramp_scale,
    )
    new.state = old.state
    new.state.network.ip = host
    await old.stop()
    owner.replace(old, new)
    await new.start()
    new.restart(RestartKind.SYSTEM)
    return {"host": host, "profile": profile.name}


async def apply(owner: MinerHost, *, host: str, action: str, value: Any = None) -> Message:
    """Do one fault action to the miner on ``host``; return what changed.

    Actions: unplug, plug, restart (value: btminer or system), reply (value: the reply
    fault to switch on, drop or reset; None switches them off), move (value: the new
    address), firmware (value: a name of SWAP_PROFILES), password (value: the new one).
    """
    miner = owner.miner(host)
    if action == "unplug":
        miner.unplug()
    elif action == "plug":
        miner.plug()
    elif action == "restart":
        miner.restart(RestartKind(value))
    elif action == "reply":
        miner.faults.clear_reply_faults()
        if value is not None:
            setattr(miner.faults, value, True)
    elif action == "move":
        return await _reborn(owner, miner, value, miner.profile)
    elif action == "firmware":
        return await _reborn(owner, miner, host, SWAP_PROFILES[value])
    elif action == "password":
        miner.state.password = value
    else:
        raise ValueError(f"unknown fault action {action!r}")
    return {"host": host}
