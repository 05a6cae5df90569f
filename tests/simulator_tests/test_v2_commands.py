"""Every v2 privileged command of PROTOCOL.md §2.5: its state change and its parameter checks."""

from __future__ import annotations

import asyncio
import json
import struct
from typing import TYPE_CHECKING, Any

import pytest

from tests.simulator.telemetry import IDLE_POWER_W

from . import wire

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.simulator import MinerState, SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

    from .clocks import FakeClock

OK = ("S", 131, "API command OK")


def outcome(reply: dict[str, Any]) -> tuple[object, object, object]:
    return reply["STATUS"], reply["Code"], reply["Msg"]


STATE_CHANGES: list[tuple[str, dict[str, Any], Callable[[MinerState], bool]]] = [
    (
        "update_pools",
        {
            "pool1": "stratum+tcp://a.example:3333",
            "worker1": "me.1",
            "passwd1": "x",
            "pool2": "stratum+tcp://b.example:3333",
            "worker2": "me.2",
            "passwd2": "y",
            "pool3": "",
            "worker3": "",
            "passwd3": "",
        },
        lambda s: (
            s.pools
            == [
                {"url": "stratum+tcp://a.example:3333", "worker": "me.1", "passwd": "x"},
                {"url": "stratum+tcp://b.example:3333", "worker": "me.2", "passwd": "y"},
            ]
        ),
    ),
    ("power_off", {"respbefore": "false"}, lambda s: not s.mining),
    ("power_off", {}, lambda s: not s.mining),
    (
        "set_led",
        {"color": "red", "period": 200, "duration": 100, "start": 0},
        lambda s: s.led == {"color": "red", "period": 200, "duration": 100, "start": 0},
    ),
    (
        "set_led",
        {"color": "green", "period": "1000", "duration": "500", "start": "10"},
        lambda s: s.led == {"color": "green", "period": 1000, "duration": 500, "start": 10},
    ),
    ("set_low_power", {}, lambda s: s.power_mode == "low"),
    ("set_high_power", {}, lambda s: s.power_mode == "high"),
    ("set_target_freq", {"percent": "-10"}, lambda s: s.target_freq == -10),
    ("enable_btminer_fast_boot", {}, lambda s: s.fast_boot),
    ("disable_web_pools", {}, lambda s: not s.web_pools),
    ("set_hostname", {"hostname": "rack-7_a"}, lambda s: s.hostname == "rack-7_a"),
    (
        "set_zone",
        {"timezone": "CET-1", "zonename": "Europe/Paris"},
        lambda s: (s.timezone, s.zonename) == ("CET-1", "Europe/Paris"),
    ),
    (
        "load_log",
        {"ip": "192.168.1.9", "port": "514", "proto": "udp"},
        lambda s: s.log_target == {"ip": "192.168.1.9", "port": "514", "proto": "udp"},
    ),
    ("set_power_pct", {"percent": "50"}, lambda s: s.power_percent == 50),
    ("set_power_pct_v2", {"percent": "150"}, lambda s: s.power_percent == 150),
    ("set_temp_offset", {"temp_offset": "-30"}, lambda s: s.temp_offset == -30),
    ("adjust_power_limit", {"power_limit": "2000"}, lambda s: s.power_limit == 2000),
    ("adjust_power_limit", {"power_limit": 0}, lambda s: s.power_limit == 0),
    ("adjust_upfreq_speed", {"upfreq_speed": "9"}, lambda s: s.upfreq_speed == 9),
    ("set_poweroff_cool", {"poweroff_cool": 1}, lambda s: s.poweroff_cool),
    ("set_fan_zero_speed", {"fan_zero_speed": "1"}, lambda s: s.fan_zero_speed),
    (
        "net_config",
        {
            "ip": "192.168.2.16",
            "mask": "255.255.255.0",
            "gate": "192.168.2.1",
            "dns": "114.114.114.114 192.168.0.1",
            "host": "miner16",
        },
        lambda s: (
            (s.network.proto, s.network.ip, s.network.dns, s.hostname)
            == ("static", "192.168.2.16", "114.114.114.114 192.168.0.1", "miner16")
        ),
    ),
]


@pytest.mark.parametrize(("command", "params", "check"), STATE_CHANGES)
async def test_command_changes_the_state(
    miner: SimulatedMiner,
    command: str,
    params: dict[str, Any],
    check: Callable[[MinerState], bool],
) -> None:
    assert not check(miner.state)
    reply = await wire.V2Session(miner.host, "admin").run(command, **params)
    assert outcome(reply) == OK
    assert check(miner.state)
    assert miner.commands[-1] == command


async def test_switches_back(miner: SimulatedMiner) -> None:
    miner.state.led = {"color": "red", "period": 1, "duration": 1, "start": 0}
    miner.state.fast_boot = miner.state.poweroff_cool = miner.state.fan_zero_speed = True
    miner.state.web_pools = False
    miner.state.power_mode = "low"
    miner.state.power_limit = 1000
    miner.state.network.proto = "static"
    session = wire.V2Session(miner.host, "admin")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("set_led", {"param": "auto"}),
        ("disable_btminer_fast_boot", {}),
        ("enable_web_pools", {}),
        ("set_poweroff_cool", {"poweroff_cool": "0"}),
        ("set_fan_zero_speed", {"fan_zero_speed": False}),
        ("set_normal_power", {}),
        ("adjust_power_limit", {"power_limit": "99999"}),
        ("net_config", {"param": "dhcp"}),
    ]
    for command, params in steps:
        assert outcome(await session.run(command, **params)) == OK, command
        session.token = ""  # restarts forget tokens
    state = miner.state
    assert state.led == "auto"
    assert not state.fast_boot
    assert not state.poweroff_cool
    assert not state.fan_zero_speed
    assert state.web_pools
    assert state.power_mode == "normal"
    assert state.power_limit is None
    assert state.network.proto == "dhcp"


INVALID: list[tuple[str, dict[str, Any]]] = [
    ("update_pools", {"pool1": "", "worker1": "w"}),
    ("update_pools", {"pool1": 7}),
    ("power_off", {"respbefore": "maybe"}),
    ("set_led", {"param": "on"}),
    ("set_led", {"color": "blue", "period": 1, "duration": 1, "start": 0}),
    ("set_led", {"color": "red", "period": "-1", "duration": 1, "start": 0}),
    ("set_led", {"color": "red", "period": 1}),
    ("net_config", {"param": "static"}),
    ("net_config", {"ip": "300.1.1.1", "mask": "255.0.0.0", "gate": "1.1.1.1", "dns": "1.1.1.1"}),
    ("set_target_freq", {"percent": "101"}),
    ("set_target_freq", {"percent": "abc"}),
    ("set_target_freq", {}),
    ("set_hostname", {"hostname": "bad host"}),
    ("set_hostname", {"hostname": ""}),
    ("set_zone", {"timezone": "CST-8"}),
    ("load_log", {"ip": "1.2.3.4", "port": "514", "proto": "http"}),
    ("load_log", {"ip": "1.2.3.4", "port": "0", "proto": "tcp"}),
    ("set_power_pct", {"percent": "101"}),
    ("set_power_pct_v2", {"percent": "201"}),
    ("pre_power_on", {"complete": "true", "msg": "hello"}),
    ("pre_power_on", {"complete": "yes", "msg": "adjust complete"}),
    ("set_temp_offset", {"temp_offset": "1"}),
    ("set_temp_offset", {"temp_offset": "-31"}),
    ("adjust_power_limit", {"power_limit": "100000"}),
    ("adjust_power_limit", {"power_limit": "-1"}),
    ("adjust_power_limit", {"power_limit": True}),
    ("adjust_upfreq_speed", {"upfreq_speed": "10"}),
    ("set_poweroff_cool", {"poweroff_cool": "2"}),
    ("set_fan_zero_speed", {"fan_zero_speed": "yes"}),
]


@pytest.mark.parametrize(("command", "params"), INVALID)
async def test_invalid_values_answer_132(
    miner: SimulatedMiner, command: str, params: dict[str, Any]
) -> None:
    before = repr(miner.state)
    reply = await wire.V2Session(miner.host, "admin").run(command, **params)
    assert outcome(reply) == ("E", 132, "API command ERROR")
    assert repr(miner.state) == before


async def test_power_off_and_on_move_hashrate_and_power(miner: SimulatedMiner) -> None:
    miner.state.ramp_scale = 0  # the settled figures; test_state.py follows the ramp
    session = wire.V2Session(miner.host, "admin")
    await session.run("power_off", respbefore="true")
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    status = (await wire.ask(miner.host, {"cmd": "status"}))["Msg"]
    assert (summary["MHS av"], summary["MHS 5s"], summary["Power"]) == (0, 0, 13)
    assert summary["Power Limit"] == 0
    assert status["mineroff"] == "true"
    await session.run("power_on")
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    assert summary["MHS av"] == pytest.approx(118e6)
    assert summary["Power"] == 3306


async def test_a_start_boots_ramps_then_reports_the_tuning_done(
    miner: SimulatedMiner, clock: FakeClock
) -> None:
    miner.clock = clock
    session = wire.V2Session(miner.host, "admin")
    await session.run("power_off", respbefore="true")
    await session.run("power_on")

    async def summary() -> tuple[float, int, int]:
        row = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
        return row["MHS av"], row["Power"], row["Upfreq Complete"]

    profile = miner.profile
    clock.advance(profile.boot_s / 2)
    assert await summary() == (0, IDLE_POWER_W, 0)  # booting: on, nothing hashed yet
    clock.advance((profile.boot_s + profile.ramp_s) / 2 - profile.boot_s / 2)
    hashrate, power, done = await summary()
    assert (hashrate, done) == (pytest.approx(59e6), 0)  # halfway up the ramp
    assert power == round((IDLE_POWER_W + 3306) / 2)
    clock.advance(profile.ramp_s)
    assert await summary() == (pytest.approx(118e6), 3306, 1)


async def test_power_limit_caps_power_and_scales_hashrate(miner: SimulatedMiner) -> None:
    miner.state.ramp_scale = 0  # the limit restarts btminer: the settled figures
    session = wire.V2Session(miner.host, "admin")
    await session.run("adjust_power_limit", power_limit="1653")
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    status = (await wire.ask(miner.host, {"cmd": "status"}))["Msg"]
    assert summary["Power"] == 1653
    assert summary["Power Limit"] == 1653
    assert summary["MHS av"] == pytest.approx(59e6)
    assert status["power_limit_set"] == "1653"
    miner.state.power_limit = 5000  # above the draw: no effect
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    assert (summary["Power"], summary["Power Limit"]) == (3306, 5000)


@pytest.mark.parametrize(
    ("command", "mode", "hash_factor", "power_factor"),
    [("set_low_power", "Low", 0.85, 0.75), ("set_high_power", "High", 1.12, 1.22)],
)
async def test_power_modes_scale_hashrate_and_power(
    miner: SimulatedMiner, command: str, mode: str, hash_factor: float, power_factor: float
) -> None:
    miner.state.ramp_scale = 0  # a power mode restarts btminer: the settled figures
    await wire.V2Session(miner.host, "admin").run(command)
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    assert summary["Power Mode"] == mode
    assert summary["MHS av"] == pytest.approx(118e6 * hash_factor)
    assert summary["Power"] == round(3306 * power_factor)
    status = (await wire.ask(miner.host, {"cmd": "status"}))["Msg"]
    assert status["power_mode"] == mode.lower()


async def test_fast_boot_and_led_show_in_reads(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    await session.run("enable_btminer_fast_boot")
    await session.run("set_led", color="red", period=200, duration=100, start=0)
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    info = (await wire.ask(miner.host, {"cmd": "get_miner_info"}))["Msg"]
    assert summary["Btminer Fast Boot"] == "enable"
    assert info["ledstat"] == "manual"


async def test_pre_power_on_reports_its_progress(miner: SimulatedMiner) -> None:
    reply = await wire.V2Session(miner.host, "admin").run(
        "pre_power_on", complete="false", msg="wait for adjust temp"
    )
    assert reply["Msg"] == {"complete": "true", "msg": "adjust complete"}


async def test_restart_btminer_resets_elapsed_but_not_uptime(
    miner_factory: MinerFactory, clock: FakeClock
) -> None:
    miner = await miner_factory(clock=clock)
    await wire.V2Session(miner.host, "admin").run("restart_btminer")
    clock.advance(5)
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    assert summary["Elapsed"] == 5
    assert summary["Uptime"] == 7205


async def test_reboot_resets_uptime(miner_factory: MinerFactory, clock: FakeClock) -> None:
    miner = await miner_factory(clock=clock)
    await wire.V2Session(miner.host, "admin").run("reboot")
    clock.advance(3)
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    assert (summary["Elapsed"], summary["Uptime"]) == (3, 3)


async def test_factory_reset_restores_factory_settings(miner: SimulatedMiner) -> None:
    miner.state.error_codes = [(110, "2024-01-01 00:00:00")]
    session = wire.V2Session(miner.host, "admin")
    await session.run("update_pwd", old="admin", new="other")
    session = wire.V2Session(miner.host, "other")
    await session.run("adjust_power_limit", power_limit="2000")
    session.token = ""
    assert outcome(await session.run("factory_reset")) == OK
    state = miner.state
    assert (state.password, state.api_switch, state.pools) == ("admin", False, [])
    assert (state.power_limit, state.power_mode, state.hostname) == (None, "normal", "WhatsMiner")
    assert state.error_codes == [(110, "2024-01-01 00:00:00")]
    assert state.mac == miner.mac


async def test_download_logs_sends_the_file_after_the_header(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    raw = await wire.exchange(
        miner.host, wire.envelope(session.key, {"cmd": "download_logs", "token": session.token})
    )
    header, end = json.JSONDecoder().raw_decode(raw.decode("latin-1"))
    log = raw[end:]
    msg = wire.open_reply(session.key, header)["Msg"]
    assert int(msg["logfilelen"]) == len(log) > 0
    assert b"btminer start" in log


async def test_update_firmware_receives_the_image_then_reboots(
    miner_factory: MinerFactory, clock: FakeClock
) -> None:
    miner = await miner_factory(clock=clock)
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    reader, writer = await asyncio.open_connection(miner.host, 4028)
    writer.write(wire.envelope(session.key, {"cmd": "update_firmware", "token": session.token}))
    await writer.drain()
    header = await asyncio.wait_for(reader.read(4096), 5)
    assert wire.open_reply(session.key, json.loads(header))["Msg"] == "ready"
    image = bytes(range(256)) * 40
    writer.write(struct.pack("<I", len(image)) + image)
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    await writer.wait_closed()
    assert miner.state.firmware_uploads == [len(image)]
    assert miner.state.uptime == 0
