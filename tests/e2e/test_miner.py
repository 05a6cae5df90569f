"""Simulated miners in a real Home Assistant: added, read and commanded over the public APIs.

Everything goes through what the UI uses (config flow REST API, states, services,
diagnostics), and each command is checked twice: the simulator must have executed it, and
Home Assistant's state must follow. An M50 (API v2) and an M60S on 2025 firmware (API v3 on
port 4433) go through the same script side by side in one Home Assistant: the entities and
actions are the same for both generations, only the commands on the wire differ.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
import time
from typing import TYPE_CHECKING, Final

import pytest

from tests.simulator.telemetry import read

from .polling import wait_for_state, wait_until

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner

    from .ha_api import HomeAssistantClient
    from .stack import MinerInHomeAssistant, RunningHomeAssistant

# The simulator's readings wobble by a few percent between polls.
TOLERANCE = 0.1
# Below both simulated models' draw (M50 about 3300 W, M60S about 3420 W), so the draw must follow.
POWER_LIMIT_W = 3000
# Sent.param when any value will do.
ANY_PARAM: Final = object()


@dataclass(frozen=True, slots=True)
class Sent:
    """A command the miner must have executed, and its `param` where that matters."""

    command: str
    param: object = ANY_PARAM

    def among(self, miner: SimulatedMiner, start: int) -> bool:
        """Return whether the miner executed this command since its `start`-th one."""
        executed = zip(miner.commands[start:], miner.requests[start:], strict=True)
        return any(
            command == self.command
            and (self.param is ANY_PARAM or self.param == request.get("param"))
            for command, request in executed
        )


@dataclass(frozen=True, slots=True)
class Api:
    """One API generation: what each control must make the miner execute."""

    generation: int
    mining_off: Sent
    mining_on: Sent
    reboot: Sent
    power_limit: Sent


API_V2 = Api(
    generation=2,
    mining_off=Sent("power_off"),
    mining_on=Sent("power_on"),
    reboot=Sent("reboot"),
    power_limit=Sent("adjust_power_limit"),
)
API_V3 = Api(
    generation=3,
    mining_off=Sent("set.miner.service", "stop"),
    mining_on=Sent("set.miner.service", "start"),
    reboot=Sent("set.system.reboot"),
    power_limit=Sent("set.miner.power_limit", POWER_LIMIT_W),
)


@pytest.mark.e2e
@pytest.mark.timeout(300)
async def test_miners_in_home_assistant(
    home_assistant: RunningHomeAssistant,
    miner_in_home_assistant: MinerInHomeAssistant,
    v3_miner_in_home_assistant: MinerInHomeAssistant,
) -> None:
    """An API v2 and an API v3 miner, side by side: each loads, reads and obeys."""
    client = home_assistant.client
    # Concurrently: most of the time goes to waiting for restarts, which overlap.
    async with asyncio.TaskGroup() as group:
        group.create_task(_exercise(client, miner_in_home_assistant, API_V2))
        group.create_task(_exercise(client, v3_miner_in_home_assistant, API_V3))

    assert home_assistant.runtime_installs() == []
    assert home_assistant.integration_errors() == []


async def _exercise(client: HomeAssistantClient, added: MinerInHomeAssistant, api: Api) -> None:
    """Check the entry and the readings, then drive mining off/on, reboot and power limit."""
    try:
        await _check_entry(client, added, api)
        await _check_readings(client, added)
        await _switch_mining(client, added, api, on=False)
        await _switch_mining(client, added, api, on=True)
        await _reboot(client, added, api)
        await _limit_power(client, added, api)
    except AssertionError as err:
        err.add_note(f"miner: {added.miner!r}, API v{api.generation}")
        raise


async def _check_entry(client: HomeAssistantClient, added: MinerInHomeAssistant, api: Api) -> None:
    """Check that the entry loaded, and that the identity it stored names the API generation.

    The entry's data is read from its diagnostics, as a user would download them.
    """
    entry = await client.config_entry(added.entry_id)
    assert entry["state"] == "loaded", entry
    diagnostics = await client.diagnostics(added.entry_id)
    stored = diagnostics["entry"]["data"]["identity"]
    assert stored["api_generation"] == api.generation, stored
    assert stored["model"] == added.miner.profile.model, stored
    assert diagnostics["last_update_success"] is True


async def _check_readings(client: HomeAssistantClient, added: MinerInHomeAssistant) -> None:
    """Check that hashrate, power and the mining switch show what the simulator reports."""
    miner = added.miner
    expected = read(miner.state, miner.profile)
    hashrate = await client.state(added.entity_id("sensor", "hashrate"))
    assert float(hashrate["state"]) == pytest.approx(expected.hashrate.average, rel=TOLERANCE)
    power = await client.state(added.entity_id("sensor", "power"))
    assert float(power["state"]) == pytest.approx(expected.power_w, rel=TOLERANCE)
    assert (await client.state(added.entity_id("switch", "mining")))["state"] == "on"
    assert expected.power_w > POWER_LIMIT_W


async def _switch_mining(
    client: HomeAssistantClient, added: MinerInHomeAssistant, api: Api, *, on: bool
) -> None:
    """Turn the mining switch off (the miner stops hashing) or on again (it hashes)."""
    miner = added.miner
    mining = added.entity_id("switch", "mining")
    shown = "on" if on else "off"
    start = len(miner.commands)
    await client.call_service("switch", f"turn_{shown}", {"entity_id": mining})
    sent = api.mining_on if on else api.mining_off
    assert sent.among(miner, start), miner.commands[start:]
    assert miner.state.mining == on
    await wait_for_state(client, mining, lambda state: state == shown, f"to turn {shown}")
    if not on:
        await wait_for_state(
            client,
            added.entity_id("sensor", "hashrate"),
            lambda state: float(state) == 0,
            "to drop to 0",
        )


async def _reboot(client: HomeAssistantClient, added: MinerInHomeAssistant, api: Api) -> None:
    """Press the reboot button; the uptime sensor must show the restart."""
    miner = added.miner
    start = len(miner.commands)
    pressed_at = time.time()
    await client.call_service("button", "press", {"entity_id": added.entity_id("button", "reboot")})
    assert api.reboot.among(miner, start), miner.commands[start:]
    # The uptime sensor is btminer's start time, and moves only by more than a minute (so
    # before the power limit, which restarts btminer too): a reboot moves it to about now.
    await wait_for_state(
        client,
        added.entity_id("sensor", "uptime"),
        lambda state: datetime.fromisoformat(state).timestamp() >= pressed_at - 5,
        "to show the reboot",
    )


async def _limit_power(client: HomeAssistantClient, added: MinerInHomeAssistant, api: Api) -> None:
    """Set the power limit number; it reaches the miner (debounced) and the draw follows."""
    miner = added.miner
    power_limit = added.entity_id("number", "power_limit")
    start = len(miner.commands)
    await client.call_service(
        "number", "set_value", {"entity_id": power_limit, "value": POWER_LIMIT_W}
    )

    async def limit_sent() -> bool:
        return api.power_limit.among(miner, start)

    await wait_until(limit_sent, f"the simulator to get {api.power_limit.command}")
    assert miner.state.power_limit == POWER_LIMIT_W
    await wait_for_state(
        client, power_limit, lambda state: float(state) == POWER_LIMIT_W, "to show the limit"
    )
    await wait_for_state(
        client,
        added.entity_id("sensor", "power"),
        lambda state: float(state) == pytest.approx(POWER_LIMIT_W, rel=TOLERANCE),
        f"to follow the {POWER_LIMIT_W} W limit",
    )
