"""btminer restart windows on v3 firmware: port 4433 stays up and says btminer is down.

When a command restarts only the mining process (service restart, power mode, power limit),
the v3 API keeps answering: status reads carry the string "btminer process is down err" as
`msg` and device info carries it as `error-code` (PROTOCOL.md §4.2, §5 item 13), so a client
must type-check `msg`. Port 4028, which btminer itself serves, refuses meanwhile. Reboots
still take both ports down (test_faults_and_restarts.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from tests.simulator import RestartKind

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

DOWN = "btminer process is down err"
STATUS = {"cmd": "get.miner.status", "param": "summary+pools+edevs"}
# A window that outlasts each test (the miner's stop ends it): the checks made during it
# hold however slowly a busy machine runs them.
LONG_WINDOW_S = 30.0
# The window of the test that waits for its end: long enough for the check made during it
# when a busy machine stalls the event loop (a full garbage collection can take most of a
# second there). Waiting WINDOW_S + 0.15 s sees it over: its timer fires first.
WINDOW_S = 1.0


@pytest.fixture
async def restarting_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    return await miner_factory(
        profile="m60_v3", password=wire.V3_PASSWORD, restart_seconds=LONG_WINDOW_S
    )


@pytest.mark.parametrize(
    ("cmd", "param"),
    [
        ("set.miner.service", "restart"),
        ("set.miner.power_mode", "low"),
        ("set.miner.power_limit", 3000),
    ],
)
async def test_restarting_writes_leave_v3_up_and_report_btminer_down(
    restarting_miner: SimulatedMiner, cmd: str, param: object
) -> None:
    miner = restarting_miner
    bystander = await wire.V3Connection.open(miner.host)
    assert (await bystander.request(STATUS))["code"] == 0
    actor = await wire.V3Connection.open(miner.host)
    assert (await actor.write(cmd, param, wire.V3_PASSWORD))["msg"] == "ok"
    assert miner.restart_kind is RestartKind.BTMINER
    assert miner.state.btminer_down
    for connection in (bystander, actor, await wire.V3Connection.open(miner.host)):
        reply = await connection.request(STATUS)
        assert (reply["code"], reply["msg"], reply["desc"]) == (0, DOWN, "get.miner.status")
        await connection.close()
    with pytest.raises(ConnectionRefusedError):
        await wire.ask(miner.host, {"cmd": "summary"})


async def test_device_info_error_code_is_the_down_string(
    restarting_miner: SimulatedMiner,
) -> None:
    conn = await wire.V3Connection.open(restarting_miner.host)
    restarting_miner.state.error_codes = [(264, "2026-05-23 09:19:10")]
    await conn.write("set.miner.service", "restart", wire.V3_PASSWORD)
    full = (await conn.request({"cmd": "get.device.info"}))["msg"]
    assert full["error-code"] == DOWN
    assert full["miner"]["working"] == "false"
    assert full["salt"]
    section = await conn.request({"cmd": "get.device.info", "param": "error-code"})
    assert section["msg"] == {"error-code": DOWN}
    setting = await conn.request({"cmd": "get.miner.setting"})
    assert setting["code"] == 0
    assert isinstance(setting["msg"], dict)  # settings are still readable
    await conn.close()


async def test_window_ends_with_btminer_back(restarting_miner: SimulatedMiner) -> None:
    miner = restarting_miner
    miner.restart_seconds = WINDOW_S
    conn = await wire.V3Connection.open(miner.host)
    await conn.write("set.miner.service", "restart", wire.V3_PASSWORD)
    assert not miner.listening  # 4028 is closed
    await asyncio.sleep(WINDOW_S + 0.15)
    assert (miner.restarting, miner.restart_kind, miner.listening) == (False, None, True)
    assert not miner.state.btminer_down
    status = (await conn.request(STATUS))["msg"]
    assert status["summary"]["elapsed"] <= 1
    info = (await conn.request({"cmd": "get.device.info"}))["msg"]
    assert info["error-code"] == []
    assert info["miner"]["working"] == "true"
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]
    assert miner.v3_connections_accepted == 1  # the same connection throughout
    await conn.close()


async def test_status_params_are_still_checked_while_down(
    restarting_miner: SimulatedMiner,
) -> None:
    restarting_miner.restart()
    conn = await wire.V3Connection.open(restarting_miner.host)
    assert (await conn.request({"cmd": "get.miner.status"}))["code"] == -3
    assert (await conn.request({"cmd": "get.miner.status", "param": "nope"}))["code"] == -2
    assert (await conn.request({"cmd": "get.miner.status", "param": "pools"}))["msg"] == DOWN
    await conn.close()


async def test_restart_hook_and_hand_set_flag(v3_miner: SimulatedMiner) -> None:
    """`miner.restart()` opens a window like a command; `state.btminer_down` alone also works."""
    conn = await wire.V3Connection.open(v3_miner.host)
    v3_miner.restart()  # restart_seconds is 0: btminer is back at once
    assert (await conn.request(STATUS))["msg"] != DOWN
    v3_miner.state.btminer_down = True
    assert (await conn.request(STATUS))["msg"] == DOWN
    v3_miner.state.btminer_down = False
    assert isinstance((await conn.request(STATUS))["msg"], dict)
    await conn.close()


async def test_a_reboot_during_a_btminer_window_wins(restarting_miner: SimulatedMiner) -> None:
    conn = await wire.V3Connection.open(restarting_miner.host)
    restarting_miner.restart(RestartKind.BTMINER)
    await conn.write("set.system.reboot", None, wire.V3_PASSWORD)
    assert restarting_miner.restart_kind is RestartKind.SYSTEM
    restarting_miner.restart(RestartKind.BTMINER)
    assert restarting_miner.restart_kind is RestartKind.SYSTEM
    assert await conn.read_to_end() == b""
    await conn.close()
