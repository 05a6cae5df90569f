"""Every v3 setting reads back what the matching `set.*` wrote, in the documented shapes.

A client shows settings by reading them back (`get.miner.setting`, `get.fan.setting`,
`get.device.info`, `get.system.setting`), so a write the reads did not reflect would hide bugs.
The reply shapes are pinned to the API doc examples in tests/fixtures/matroskin-apidoc_*.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

FIXTURES = Path(__file__).parent.parent / "fixtures"
PASSWORD = wire.V3_PASSWORD
STATUS = {"cmd": "get.miner.status", "param": "summary"}


def doc_example(cmd: str) -> dict[str, Any]:
    reply: dict[str, Any] = json.loads((FIXTURES / f"matroskin-apidoc_{cmd}.json").read_text())
    return reply


def types_of(msg: dict[str, Any]) -> dict[str, type]:
    return {key: type(value) for key, value in msg.items()}


@pytest.mark.parametrize("cmd", ["get.miner.setting", "get.fan.setting"])
async def test_settings_have_the_documented_shape(conn: wire.V3Connection, cmd: str) -> None:
    reply = await conn.request({"cmd": cmd})
    example = doc_example(cmd)
    assert list(reply) == list(example)
    assert types_of(reply["msg"]) == types_of(example["msg"])


async def test_factory_fresh_settings(conn: wire.V3Connection) -> None:
    setting = (await conn.request({"cmd": "get.miner.setting"}))["msg"]
    assert setting["power-percent"] == 100
    assert setting["power-mode"] == "normal"
    assert setting["fast-boot"] == "disable"
    assert (setting["upfreq-speed"], setting["target-freq"]) == (0, 0)
    fan = (await conn.request({"cmd": "get.fan.setting"}))["msg"]
    assert fan == {"fan-poweroff-cool": 0, "fan-zero-speed": 0, "fan-temp-offset": 0}


READ_BACK: list[tuple[str, object, str, str, object]] = [
    ("set.miner.power_limit", 3000, "get.miner.setting", "power-limit", 3000),
    ("set.miner.power_limit", "2800", "get.miner.setting", "power-limit", 2800),
    ("set.miner.power_mode", "low", "get.miner.setting", "power-mode", "low"),
    ("set.miner.power_mode", "high", "get.miner.setting", "power-mode", "high"),
    ("set.miner.upfreq_speed", 10, "get.miner.setting", "upfreq-speed", 10),
    ("set.miner.upfreq_speed", "3", "get.miner.setting", "upfreq-speed", 3),
    ("set.miner.fastboot", "enable", "get.miner.setting", "fast-boot", "enable"),
    (
        "set.miner.power_percent",
        {"percent": "80", "mode": "fast"},
        "get.miner.setting",
        "power-percent",
        80,
    ),
    (
        "set.miner.power_percent",
        {"percent": 55, "mode": "normal"},
        "get.miner.setting",
        "power-percent",
        55,
    ),
    ("set.fan.poweroff_cool", 1, "get.fan.setting", "fan-poweroff-cool", 1),
    ("set.fan.zero_speed", 1, "get.fan.setting", "fan-zero-speed", 1),
    ("set.fan.temp_offset", -30, "get.fan.setting", "fan-temp-offset", -30),
    ("set.fan.temp_offset", "-12", "get.fan.setting", "fan-temp-offset", -12),
    ("set.system.hostname", "rack-7", "get.system.setting", "hostname", "rack-7"),
]


@pytest.mark.parametrize(("cmd", "param", "read_cmd", "key", "expected"), READ_BACK)
async def test_writes_read_back(
    conn: wire.V3Connection,
    *,
    cmd: str,
    param: object,
    read_cmd: str,
    key: str,
    expected: object,
) -> None:
    assert (await conn.request({"cmd": read_cmd}))["msg"][key] != expected
    assert (await conn.write(cmd, param, PASSWORD))["msg"] == "ok"
    assert (await conn.request({"cmd": read_cmd}))["msg"][key] == expected


async def test_switches_back_off_read_back(conn: wire.V3Connection) -> None:
    for cmd in ("set.fan.poweroff_cool", "set.fan.zero_speed"):
        await conn.write(cmd, 1, PASSWORD)
        await conn.write(cmd, "0", PASSWORD)
    await conn.write("set.miner.fastboot", "enable", PASSWORD)
    await conn.write("set.miner.fastboot", "disable", PASSWORD)
    fan = (await conn.request({"cmd": "get.fan.setting"}))["msg"]
    assert (fan["fan-poweroff-cool"], fan["fan-zero-speed"]) == (0, 0)
    assert (await conn.request({"cmd": "get.miner.setting"}))["msg"]["fast-boot"] == "disable"


async def test_led_status_follows_set_system_led(conn: wire.V3Connection) -> None:
    async def ledstatus() -> object:
        reply = await conn.request({"cmd": "get.device.info", "param": "system"})
        return reply["msg"]["system"]["ledstatus"]

    assert await ledstatus() == "auto"
    steps = [{"color": "red", "period": 200, "duration": 100, "start": 0}]
    assert (await conn.write("set.system.led", steps, PASSWORD))["msg"] == "ok"
    assert await ledstatus() != "auto"
    assert (await conn.write("set.system.led", "auto", PASSWORD))["msg"] == "ok"
    assert await ledstatus() == "auto"


async def test_api_switch_and_salt_in_device_info(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    full = (await conn.request({"cmd": "get.device.info"}))["msg"]
    assert full["system"]["apiswitch"] == "1"
    assert full["salt"] == await conn.salt()
    assert len(full["salt"]) == 8
    v3_miner.state.api_switch = False
    system = (await conn.request({"cmd": "get.device.info", "param": "system"}))["msg"]
    assert system["system"]["apiswitch"] == "0"


async def test_power_limit_without_a_limit_reads_the_machine_maximum(
    conn: wire.V3Connection,
) -> None:
    await conn.write("set.miner.power_limit", 2000, PASSWORD)
    await conn.write("set.miner.power_limit", 99999, PASSWORD)
    limit = (await conn.request({"cmd": "get.miner.setting"}))["msg"]["power-limit"]
    assert limit > 2000


async def test_power_percent_scales_readings_without_a_restart(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(profile="m60_v3", password=PASSWORD, restart_seconds=5)
    conn = await wire.V3Connection.open(miner.host)
    before = (await conn.request(STATUS))["msg"]["summary"]
    param = {"percent": "50", "mode": "fast"}
    assert (await conn.write("set.miner.power_percent", param, PASSWORD))["msg"] == "ok"
    assert not miner.restarting
    assert miner.listening
    after = (await conn.request(STATUS))["msg"]["summary"]
    assert after["hash-average"] == pytest.approx(before["hash-average"] / 2)
    assert after["power-realtime"] == pytest.approx(before["power-realtime"] / 2, abs=1)
    assert after["elapsed"] >= before["elapsed"]  # btminer kept running
    await conn.close()


async def test_v2_set_power_pct_shares_the_setting(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    session = wire.V2Session(v3_miner.host, PASSWORD)
    assert (await session.run("set_power_pct", percent="70"))["Msg"] == "API command OK"
    assert (await conn.request({"cmd": "get.miner.setting"}))["msg"]["power-percent"] == 70
    await conn.write("set.miner.power_percent", {"percent": "90", "mode": "normal"}, PASSWORD)
    assert v3_miner.state.power_percent == 90
