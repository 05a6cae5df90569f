"""The soak's faults carried out: on the simulated miner, and what the farm owner does about it.

Why a record per fault: the figures need when each fault started, when it was over on the
miner's side (the miner answers again, or the user fixed it), and for the faults that change
what Home Assistant must know of the miner (its address, its firmware, its password) when
Home Assistant first showed the change. The states themselves are watched elsewhere
(soak_watch); soak_figures works out from both when the miner was right again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import time
from typing import TYPE_CHECKING, Any

from . import soak_hass
from .soak_schedule import (
    BOOT_S,
    BTMINER_RESTART,
    DROP,
    FIRMWARE_DOWN,
    FIRMWARE_UP,
    MOVE,
    PASSWORD,
    PLUG_CYCLE,
    REBOOT,
    RESET,
)
from .soak_sim import M50_ON_V3

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    import ipaddress

    from tests.e2e.ha_api import HomeAssistantClient

    from .soak_hass import MinerEntities, SerialWebsocket
    from .soak_schedule import Fault
    from .wire import Child

DHCP_AFTER_S = 5.0  # a rebooting miner asks for its lease early in the boot
CHECK_EVERY_S = 2.0
CHECK_FOR_S = 300.0  # a change Home Assistant has not shown by then counts as never
REAUTH_RAISED_WITHIN_S = 60.0
FIRMWARE = {FIRMWARE_UP: M50_ON_V3.name, FIRMWARE_DOWN: "m50"}
NEW_FIRMWARE = {FIRMWARE_UP: M50_ON_V3.firmware, FIRMWARE_DOWN: "20240924.14.Rel"}


@dataclass(slots=True)
class FaultRecord:
    """What happened in one fault, in time.time() seconds."""

    fault: Fault
    host: str  # the miner's address when the fault started
    started: float
    ended: float = 0.0  # over on the miner's side: it answers again, or the user fixed it
    settled: float | None = None  # when Home Assistant showed the change (address, ...)
    needs_settling: bool = False
    note: str = ""
    carried_out: bool = True  # False: the soak could not do it (its own failure, not measured)


@dataclass
class SoakContext:
    """Everything a fault acts on: the simulator, Home Assistant, and each miner's facts."""

    simulator: Child
    client: HomeAssistantClient
    ws: SerialWebsocket
    miners: list[MinerEntities]
    hosts: list[str]  # the miners' current addresses
    macs: list[str]
    next_host: ipaddress.IPv4Address  # where the next miner that moves goes
    records: list[FaultRecord] = field(default_factory=list)
    passwords_changed: int = 0

    def sim(self, miner: int, action: str, value: Any = None) -> dict[str, Any]:
        """Do a fault action to the simulated miner."""
        return self.simulator.request("fault", host=self.hosts[miner], action=action, value=value)


async def _until(
    check: Callable[[], Awaitable[bool]], within_s: float = CHECK_FOR_S
) -> float | None:
    """Return when ``check`` first held (checked every CHECK_EVERY_S), None if not in time."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await check():
            return time.time()
        await asyncio.sleep(CHECK_EVERY_S)
    return None


async def _plug_cycle(ctx: SoakContext, fault: Fault, record: FaultRecord) -> None:
    await soak_hass.switch_plug(ctx.client, fault.miner, on=False)
    ctx.sim(fault.miner, "unplug")
    await asyncio.sleep(fault.hold_s)
    await soak_hass.switch_plug(ctx.client, fault.miner, on=True)
    ctx.sim(fault.miner, "plug")
    record.ended = time.time() + BOOT_S


async def _restart(ctx: SoakContext, fault: Fault, record: FaultRecord) -> None:
    ctx.sim(fault.miner, "restart", "btminer" if fault.kind == BTMINER_RESTART else "system")
    record.ended = time.time() + BOOT_S


async def _reply_fault(ctx: SoakContext, fault: Fault, record: FaultRecord) -> None:
    ctx.sim(fault.miner, "reply", fault.kind)
    await asyncio.sleep(fault.hold_s)
    ctx.sim(fault.miner, "reply", None)
    record.ended = time.time()


async def _move(ctx: SoakContext, fault: Fault, record: FaultRecord) -> None:
    new_host = str(ctx.next_host)
    ctx.next_host += 1
    ctx.sim(fault.miner, "move", new_host)
    ctx.hosts[fault.miner] = new_host
    record.ended = time.time() + BOOT_S
    record.note = f"to {new_host}"
    await asyncio.sleep(DHCP_AFTER_S)
    await soak_hass.announce_lease(ctx.client, new_host, ctx.macs[fault.miner])
    await _settle_device(ctx, fault, record, "configuration_url", f"//{new_host}/")


async def _firmware(ctx: SoakContext, fault: Fault, record: FaultRecord) -> None:
    ctx.sim(fault.miner, "firmware", FIRMWARE[fault.kind])
    record.ended = time.time() + BOOT_S
    await _settle_device(ctx, fault, record, "sw_version", NEW_FIRMWARE[fault.kind])


async def _settle_device(
    ctx: SoakContext, fault: Fault, record: FaultRecord, field_name: str, wanted: str
) -> None:
    """Note when the miner's device first shows ``wanted`` in ``field_name``."""
    record.needs_settling = True

    async def shown() -> bool:
        device = await soak_hass.device_of(ctx.ws, ctx.macs[fault.miner])
        return wanted in str(device.get(field_name))

    record.settled = await _until(shown)


async def _password(ctx: SoakContext, fault: Fault, record: FaultRecord) -> None:
    """Change the password on the miner, send a command, answer the reauth with the new one."""
    ctx.passwords_changed += 1
    password = f"soak-{ctx.passwords_changed}"
    miner = ctx.miners[fault.miner]
    ctx.sim(fault.miner, "password", password)
    refused = await soak_hass.press(ctx.ws, miner.identify)
    pressed = time.time()
    flow_id: str | None = None

    async def raised() -> bool:
        nonlocal flow_id
        flow_id = await soak_hass.reauth_flow(ctx.ws, miner.entry_id)
        return flow_id is not None

    raised_at = await _until(raised, REAUTH_RAISED_WITHIN_S)
    record.needs_settling = True
    if raised_at is None or flow_id is None:
        record.ended = time.time()
        record.note = f"no reauth raised (command: {refused or 'went through'})"
        return
    await asyncio.sleep(fault.hold_s)
    outcome = await soak_hass.answer_reauth(ctx.client, flow_id, password)
    record.ended = time.time()
    record.note = f"reauth raised {raised_at - pressed:.0f} s after the command; {outcome}"

    async def fixed() -> bool:
        loaded = await soak_hass.entry_state(ctx.client, miner.entry_id) == "loaded"
        return loaded and await soak_hass.reauth_flow(ctx.ws, miner.entry_id) is None

    record.settled = await _until(fixed)


HANDLERS: dict[str, Callable[[SoakContext, Fault, FaultRecord], Awaitable[None]]] = {
    PLUG_CYCLE: _plug_cycle,
    BTMINER_RESTART: _restart,
    REBOOT: _restart,
    DROP: _reply_fault,
    RESET: _reply_fault,
    MOVE: _move,
    FIRMWARE_UP: _firmware,
    FIRMWARE_DOWN: _firmware,
    PASSWORD: _password,
}


async def run_fault(ctx: SoakContext, fault: Fault, soak_started: float) -> None:
    """Wait for the fault's time, carry it out, and keep its record."""
    await asyncio.sleep(max(0.0, soak_started + fault.at_s - time.time()))
    record = FaultRecord(fault, ctx.hosts[fault.miner], time.time())
    ctx.records.append(record)
    try:
        await HANDLERS[fault.kind](ctx, fault, record)
    except Exception as error:  # noqa: BLE001 - one fault's failure is reported, not fatal
        record.carried_out = False
        record.note = f"could not be carried out: {type(error).__name__}: {error}"
        record.ended = record.ended or time.time()
