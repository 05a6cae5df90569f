"""A simulated miner in a real Home Assistant: added, read and commanded over the public APIs.

Everything goes through what the UI uses (config flow REST API, states, services), and
each command is checked twice: the simulator must have executed it, and Home Assistant's
state must follow.
"""

from __future__ import annotations

from datetime import datetime
import time
from typing import TYPE_CHECKING

import pytest

from tests.simulator.telemetry import read

from .polling import wait_for_state, wait_until

if TYPE_CHECKING:
    from .stack import MinerInHomeAssistant, RunningHomeAssistant

# The simulator's readings wobble by a few percent between polls.
TOLERANCE = 0.1
POWER_LIMIT_W = 3000  # below the simulated M50's draw (about 3300 W), so the draw must follow


@pytest.mark.e2e
@pytest.mark.timeout(300)
async def test_miner_in_home_assistant(
    home_assistant: RunningHomeAssistant, miner_in_home_assistant: MinerInHomeAssistant
) -> None:
    """Readings match the simulator; mining off/on, reboot and power limit reach it."""
    client = home_assistant.client
    added = miner_in_home_assistant
    miner = added.miner
    hashrate = added.entity_id("sensor", "hashrate")
    power = added.entity_id("sensor", "power")
    mining = added.entity_id("switch", "mining")
    power_limit = added.entity_id("number", "power_limit")
    reboot = added.entity_id("button", "reboot")
    uptime = added.entity_id("sensor", "uptime")

    expected = read(miner.state, miner.profile)
    assert float((await client.state(hashrate))["state"]) == pytest.approx(
        expected.hashrate.average, rel=TOLERANCE
    )
    assert float((await client.state(power))["state"]) == pytest.approx(
        expected.power_w, rel=TOLERANCE
    )
    assert (await client.state(mining))["state"] == "on"
    assert expected.power_w > POWER_LIMIT_W

    start = len(miner.commands)
    await client.call_service("switch", "turn_off", {"entity_id": mining})
    assert "power_off" in miner.commands[start:]
    assert not miner.state.mining
    await wait_for_state(client, mining, lambda state: state == "off", "to turn off")
    await wait_for_state(client, hashrate, lambda state: float(state) == 0, "to drop to 0")

    start = len(miner.commands)
    await client.call_service("switch", "turn_on", {"entity_id": mining})
    assert "power_on" in miner.commands[start:]
    assert miner.state.mining
    await wait_for_state(client, mining, lambda state: state == "on", "to turn on")

    start = len(miner.commands)
    pressed_at = time.time()
    await client.call_service("button", "press", {"entity_id": reboot})
    assert "reboot" in miner.commands[start:]
    # The uptime sensor is btminer's start time, and moves only by more than a minute (so
    # before the power limit, which restarts btminer too): a reboot moves it to about now.
    await wait_for_state(
        client,
        uptime,
        lambda state: datetime.fromisoformat(state).timestamp() >= pressed_at - 5,
        "to show the reboot",
    )

    start = len(miner.commands)
    await client.call_service(
        "number", "set_value", {"entity_id": power_limit, "value": POWER_LIMIT_W}
    )

    async def limit_sent() -> bool:
        return "adjust_power_limit" in miner.commands[start:]

    await wait_until(limit_sent, "the simulator to get adjust_power_limit")
    assert miner.state.power_limit == POWER_LIMIT_W
    await wait_for_state(
        client, power_limit, lambda state: float(state) == POWER_LIMIT_W, "to show the limit"
    )
    await wait_for_state(
        client,
        power,
        lambda state: float(state) == pytest.approx(POWER_LIMIT_W, rel=TOLERANCE),
        f"to follow the {POWER_LIMIT_W} W limit",
    )

    assert home_assistant.runtime_installs() == []
    assert home_assistant.integration_errors() == []
