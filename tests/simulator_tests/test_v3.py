"""API v3 on port 4433 over TCP: framing, heartbeat, reads, token check and every set.*."""

from __future__ import annotations

import asyncio
import json
import struct
import time
from typing import TYPE_CHECKING, Any

import pytest

from . import wire

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.simulator import MinerState, SimulatedMiner

PASSWORD = wire.V3_PASSWORD


def code_and_msg(reply: dict[str, Any]) -> tuple[object, object]:
    return reply["code"], reply["msg"]


async def test_frames_heartbeats_and_reply_shape(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    await conn.heartbeat()
    first = await conn.request({"cmd": "get.device.info"})
    await conn.heartbeat()
    await conn.heartbeat()
    second = await conn.request({"cmd": "get.fan.setting"})
    assert list(first) == ["code", "when", "msg", "desc"]
    assert (first["code"], first["desc"]) == (0, "get.device.info")
    assert (second["code"], second["desc"]) == (0, "get.fan.setting")
    assert v3_miner.commands == ["get.device.info", "get.fan.setting"]
    assert v3_miner.connections_accepted == v3_miner.v3_connections_accepted == 1


async def test_device_info_describes_the_miner(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    msg = (await conn.request({"cmd": "get.device.info"}))["msg"]
    assert set(msg) == {"miner", "system", "power", "network", "salt", "error-code"}
    assert msg["miner"]["type"] == "M60S_VK40"
    assert msg["miner"]["board-num"] == "4"
    assert [msg["miner"][f"pcbsn{board}"] for board in range(4)] == sorted(
        {msg["miner"][f"pcbsn{board}"] for board in range(4)}
    )
    assert msg["miner"]["working"] == "true"
    assert msg["network"]["mac"] == v3_miner.mac
    assert msg["system"] == {
        "api": "3.0.2",
        "platform": "H616",
        "fwversion": "20251209.16.Rel2",
        "control-board-version": "CB6V10",
        "apiswitch": "1",
        "ledstatus": "auto",
    }
    assert msg["error-code"] == []
    v2_salt = (await wire.ask(v3_miner.host, {"cmd": "get_token"}))["Msg"]["salt"]
    assert msg["salt"] == v2_salt


async def test_device_info_sections(v3_miner: SimulatedMiner, conn: wire.V3Connection) -> None:
    v3_miner.state.error_codes = [(264, "2026-05-23 09:19:10")]
    reply = await conn.request({"cmd": "get.device.info", "param": "error-code"})
    [error] = reply["msg"]["error-code"]
    assert error["264"] == "2026-05-23 09:19:10"
    assert error["reason"]
    salt = await conn.salt()
    assert len(salt) == 8
    reply = await conn.request({"cmd": "get.device.info", "param": "bogus"})
    assert code_and_msg(reply) == (-2, "invalid param: bogus")


async def test_miner_status_needs_and_joins_params(conn: wire.V3Connection) -> None:
    reply = await conn.request({"cmd": "get.miner.status"})
    assert code_and_msg(reply) == (-3, "param item is null")
    reply = await conn.request({"cmd": "get.miner.status", "param": "summary+nope"})
    assert code_and_msg(reply) == (-2, "invalid param: nope")
    msg = (await conn.request({"cmd": "get.miner.status", "param": "edevs+summary+pools"}))["msg"]
    assert set(msg) == {"edevs", "summary", "pools"}
    summary, edevs = msg["summary"], msg["edevs"]
    assert summary["hash-average"] == pytest.approx(186.0)
    assert summary["factory-hash"] == 186.0
    assert summary["power-realtime"] == 3422.0
    assert len(summary["board-temperature"]) == len(edevs) == 4
    assert sum(board["hash-average"] for board in edevs) == pytest.approx(186.0, abs=0.01)
    assert summary["chip-temp-max"] == max(board["chip-temp-max"] for board in edevs)
    assert [pool["stratum-active"] for pool in msg["pools"]] == [True, False, False]
    assert "accepted" not in msg["pools"][0]


async def test_settings_reads_follow_the_state(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    v3_miner.state.temp_offset = -10
    v3_miner.state.poweroff_cool = True
    v3_miner.state.power_limit = 3000
    fan = (await conn.request({"cmd": "get.fan.setting"}))["msg"]
    assert fan == {"fan-poweroff-cool": 1, "fan-zero-speed": 0, "fan-temp-offset": -10}
    setting = (await conn.request({"cmd": "get.miner.setting"}))["msg"]
    assert setting["power-limit"] == 3000
    assert setting["power-mode"] == "normal"
    system = (await conn.request({"cmd": "get.system.setting"}))["msg"]
    assert system["hostname"] == "WhatsMiner"


SET_COMMANDS: list[tuple[str, object, Callable[[MinerState], bool]]] = [
    ("set.miner.service", "stop", lambda s: not s.mining),
    ("set.miner.power_limit", 2500, lambda s: s.power_limit == 2500),
    ("set.miner.power_limit", "99999", lambda s: s.power_limit is None),
    ("set.miner.power_mode", "high", lambda s: s.power_mode == "high"),
    ("set.miner.fastboot", "enable", lambda s: s.fast_boot),
    ("set.miner.upfreq_speed", 10, lambda s: s.upfreq_speed == 10),
    ("set.miner.power_percent", {"percent": "80", "mode": "fast"}, lambda s: s.power_percent == 80),
    ("set.miner.power_percent", {"percent": 0, "mode": "normal"}, lambda s: s.power_percent == 0),
    ("set.system.led", "auto", lambda s: s.led == "auto"),
    (
        "set.system.led",
        [{"color": "red", "period": 200, "duration": 100, "start": 0}],
        lambda s: s.led == [{"color": "red", "period": 200, "duration": 100, "start": 0}],
    ),
    ("set.fan.poweroff_cool", 1, lambda s: s.poweroff_cool),
    ("set.fan.zero_speed", 1, lambda s: s.fan_zero_speed),
    ("set.fan.temp_offset", -15, lambda s: s.temp_offset == -15),
    ("set.system.hostname", "rack-1", lambda s: s.hostname == "rack-1"),
    ("set.system.hostname", {"hostname": "rack-2"}, lambda s: s.hostname == "rack-2"),
    ("set.system.webpools", "disable", lambda s: not s.web_pools),
    ("set.miner.target_freq", -20, lambda s: s.target_freq == -20),
    (
        "set.system.timezone",
        {"timezone": "CET-1CEST,M3.5.0,M10.5.0/3", "zonename": "Europe/Berlin"},
        lambda s: (s.timezone, s.zonename) == ("CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin"),
    ),
]


@pytest.mark.parametrize(("cmd", "param", "check"), SET_COMMANDS)
async def test_set_commands_change_the_state(
    v3_miner: SimulatedMiner,
    conn: wire.V3Connection,
    cmd: str,
    param: object,
    check: Callable[[MinerState], bool],
) -> None:
    v3_miner.state.power_limit = 1000
    v3_miner.state.led = {"color": "green", "period": 1, "duration": 1, "start": 0}
    assert not check(v3_miner.state)
    reply = await conn.write(cmd, param, PASSWORD)
    assert (reply["code"], reply["msg"], reply["desc"]) == (0, "ok", cmd)
    assert check(v3_miner.state)
    assert v3_miner.commands[-1] == cmd


async def test_service_start_and_restart(v3_miner: SimulatedMiner, conn: wire.V3Connection) -> None:
    v3_miner.state.mining = False
    assert (await conn.write("set.miner.service", "start", PASSWORD))["code"] == 0
    assert v3_miner.state.mining
    elapsed = v3_miner.state.elapsed
    assert (await conn.write("set.miner.service", "restart", PASSWORD))["code"] == 0
    assert v3_miner.state.elapsed < elapsed
    assert (await conn.write("set.system.reboot", None, PASSWORD))["code"] == 0
    assert v3_miner.state.uptime < 1


@pytest.mark.parametrize(
    ("cmd", "param"),
    [
        ("set.miner.service", "pause"),
        ("set.miner.power_limit", 100000),
        ("set.miner.power_limit", -1),
        ("set.miner.power_limit", 3000.0),  # clients must send an integer (PROTOCOL.md §4.9)
        ("set.miner.power_limit", "lots"),
        ("set.miner.power_percent", {"percent": "101", "mode": "normal"}),
        ("set.miner.power_percent", {"percent": "-1", "mode": "normal"}),
        ("set.miner.power_percent", {"percent": "50.5", "mode": "normal"}),
        ("set.miner.power_percent", {"percent": 50.0, "mode": "normal"}),
        ("set.miner.power_percent", {"percent": True, "mode": "normal"}),
        ("set.miner.power_percent", {"percent": "50", "mode": "turbo"}),
        ("set.miner.power_percent", {"percent": "50"}),
        ("set.miner.power_percent", {"mode": "fast"}),
        ("set.miner.power_percent", "50"),
        ("set.miner.power_mode", "turbo"),
        ("set.miner.fastboot", "on"),
        ("set.miner.upfreq_speed", 11),
        ("set.miner.upfreq_speed", -1),
        ("set.system.led", "blink"),
        ("set.system.led", [{"color": "blue", "period": 1, "duration": 1, "start": 0}]),
        ("set.fan.poweroff_cool", 2),
        ("set.fan.temp_offset", 1),
        ("set.fan.temp_offset", -31),
        ("set.system.hostname", "no spaces"),
        ("set.system.webpools", "off"),
        ("set.miner.target_freq", 101),
        ("set.system.timezone", "CST-8"),
        ("set.miner.pools", [{"pool": "stratum+tcp://plain.example:3333"}]),
        ("set.miner.pools", "bm90IGVuY3J5cHRlZA=="),
    ],
)
async def test_invalid_set_params_answer_minus_2(
    v3_miner: SimulatedMiner, conn: wire.V3Connection, cmd: str, param: object
) -> None:
    before = repr(v3_miner.state)
    reply = await conn.write(cmd, param, PASSWORD)
    assert reply["code"] == -2
    assert str(reply["msg"]).startswith("invalid param")
    assert repr(v3_miner.state) == before


async def test_missing_param_answers_minus_3(conn: wire.V3Connection) -> None:
    reply = await conn.write("set.miner.power_limit", None, PASSWORD)
    assert code_and_msg(reply) == (-3, "param item is null")


@pytest.mark.parametrize("pad", ["pkcs7", "nul"])
@pytest.mark.parametrize("wrapped", [False, True])
async def test_pools_param_is_encrypted(
    v3_miner: SimulatedMiner, conn: wire.V3Connection, pad: wire.Padding, *, wrapped: bool
) -> None:
    pools = [
        {"pool": "stratum+tcp://one.example:3333", "worker": "w.1", "passwd": "x"},
        {"pool": "stratum+tcp://two.example:443", "worker": "w.2", "passwd": "y"},
    ]
    ts = int(time.time())
    salt = await conn.salt()
    value = {"pools": pools} if wrapped else pools
    param = wire.v3_encrypted_param("set.miner.pools", PASSWORD, salt, ts, value=value, pad=pad)
    reply = await conn.write("set.miner.pools", param, PASSWORD, ts=ts)
    assert code_and_msg(reply) == (0, "ok")
    assert v3_miner.state.pools == [
        {"url": "stratum+tcp://one.example:3333", "worker": "w.1", "passwd": "x"},
        {"url": "stratum+tcp://two.example:443", "worker": "w.2", "passwd": "y"},
    ]


async def test_token_must_match(v3_miner: SimulatedMiner, conn: wire.V3Connection) -> None:
    """A token that does not check out is "no permission" (-4), as on real firmware, not -1."""
    assert code_and_msg(await conn.write("set.fan.zero_speed", 1, "wrong")) == (
        -4,
        "no permission",
    )
    salt = await conn.salt()
    ts = int(time.time())
    token = wire.v3_token("set.fan.zero_speed", PASSWORD, salt, ts)
    base = {"cmd": "set.fan.zero_speed", "param": 1, "ts": ts, "token": token}
    for request in (
        base | {"account": "user1"},
        base,
        base | {"account": "super", "ts": None},
        base | {"account": "super", "ts": ts + 1},
        base | {"account": "super", "token": "AAAAAAAA"},
        {"cmd": "set.fan.zero_speed", "param": 1, "ts": ts, "account": "super"},
    ):
        assert code_and_msg(await conn.request(request)) == (-4, "no permission")
    assert not v3_miner.state.fan_zero_speed
    assert "set.fan.zero_speed" not in v3_miner.commands
    reply = await conn.request(base | {"account": "super", "ts": str(ts)})
    assert reply["code"] == 0
    assert v3_miner.state.fan_zero_speed


async def test_api_switch_off_answers_minus_4(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    v3_miner.state.api_switch = False
    reply = await conn.write("set.fan.zero_speed", 1, PASSWORD)
    assert code_and_msg(reply) == (-4, "no permission")
    assert (await conn.request({"cmd": "get.device.info"}))["msg"]["system"]["apiswitch"] == "0"


async def test_unknown_command_and_bad_json(conn: wire.V3Connection) -> None:
    reply = await conn.request({"cmd": "get.version"})
    assert code_and_msg(reply) == (-2, "invalid command")
    await conn.send_frame(b"not json")
    assert code_and_msg(json.loads(await conn.read_frame())) == (-1, "invalid json")


async def test_oversized_request_frame_closes_the_connection(conn: wire.V3Connection) -> None:
    conn.writer.write(struct.pack("<I", 10 * 1024 * 1024))
    await conn.writer.drain()
    assert await asyncio.wait_for(conn.reader.read(), 5) == b""


async def test_idle_connection_is_closed(v3_miner: SimulatedMiner) -> None:
    v3_miner.v3_idle_timeout = 0.1
    conn = await wire.V3Connection.open(v3_miner.host)
    assert await asyncio.wait_for(conn.reader.read(), 5) == b""
    await conn.close()


async def test_v2_firmware_has_no_v3_port(miner: SimulatedMiner) -> None:
    with pytest.raises(ConnectionRefusedError):
        await wire.V3Connection.open(miner.host)


async def test_log_download_sends_raw_bytes_after_the_frame(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    v3_miner.state.log_history = b"older line\n"
    reply = await conn.request({"cmd": "get.log.download"})
    size = int(reply["msg"]["logsize"])
    log = await conn.reader.readexactly(size)

    assert reply["code"] == 0
    assert log.startswith(b"older line\n")
    assert b"btminer start" in log
    assert (await conn.request({"cmd": "get.miner.setting"}))["code"] == 0  # framing goes on
