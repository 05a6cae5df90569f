"""API v2's wire forms: operations as privileged commands, and the read catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.whatsminer.api import (
    PoolConfig,
    PowerMode,
    WhatsminerInvalidArgumentError,
    operations as ops,
)
from custom_components.whatsminer.api.v2.commands import READ_COMMANDS, read_command
from custom_components.whatsminer.api.v2.encoder import DOWNLOAD_LOGS, PRE_POWER_ON, encode

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.1", password="x")

# (operation, the exact plaintext command before the token)
VALID: list[tuple[ops.Operation, dict[str, Any]]] = [
    (ops.StartMining(), {"cmd": "power_on"}),
    (ops.StopMining(), {"cmd": "power_off", "respbefore": "true"}),
    (ops.RestartMining(), {"cmd": "restart_btminer"}),
    (ops.Reboot(), {"cmd": "reboot"}),
    (ops.SetFastBoot(enabled=True), {"cmd": "enable_btminer_fast_boot"}),
    (ops.SetFastBoot(enabled=False), {"cmd": "disable_btminer_fast_boot"}),
    (ops.SetPowerLimit(3000), {"cmd": "adjust_power_limit", "power_limit": "3000"}),
    (ops.SetUpfreqSpeed(9), {"cmd": "adjust_upfreq_speed", "upfreq_speed": "9"}),
    (ops.SetPowerPercent(0), {"cmd": "set_power_pct", "percent": "0"}),
    # v2 has one mode: the fast flag changes nothing on the wire.
    (ops.SetPowerPercent(40, fast=True), {"cmd": "set_power_pct", "percent": "40"}),
    (ops.SetTargetFreq(-100), {"cmd": "set_target_freq", "percent": "-100"}),
    (ops.SetTempOffset(-30), {"cmd": "set_temp_offset", "temp_offset": "-30"}),
    (ops.SetLedAuto(), {"cmd": "set_led", "param": "auto"}),
    (
        ops.SetLed(color="red", period=200, duration=100, start=0),
        {"cmd": "set_led", "color": "red", "period": 200, "duration": 100, "start": 0},
    ),
    (ops.SetPowerMode(PowerMode.LOW), {"cmd": "set_low_power"}),
    (ops.SetPowerMode(PowerMode.NORMAL), {"cmd": "set_normal_power"}),
    (ops.SetPowerMode(PowerMode.HIGH), {"cmd": "set_high_power"}),
    (
        ops.SetPools([POOL]),
        {
            "cmd": "update_pools",
            "pool1": POOL.url,
            "worker1": "me.1",
            "passwd1": "x",
            "pool2": "",
            "worker2": "",
            "passwd2": "",
            "pool3": "",
            "worker3": "",
            "passwd3": "",
        },
    ),
    (ops.SetHostname("WhatsMiner"), {"cmd": "set_hostname", "hostname": "WhatsMiner"}),
    (ops.SetPoweroffCool(enabled=True), {"cmd": "set_poweroff_cool", "poweroff_cool": "1"}),
    (ops.SetFanZeroSpeed(enabled=False), {"cmd": "set_fan_zero_speed", "fan_zero_speed": "0"}),
    (ops.SetWebPools(enabled=True), {"cmd": "enable_web_pools"}),
    (ops.SetWebPools(enabled=False), {"cmd": "disable_web_pools"}),
    (
        ops.SetTimeZone("CST-8", "Asia/Shanghai"),
        {"cmd": "set_zone", "timezone": "CST-8", "zonename": "Asia/Shanghai"},
    ),
]

FORGETS_TOKEN = {
    "reboot",
    "restart_btminer",
    "adjust_power_limit",
    "set_target_freq",
    "set_low_power",
    "set_normal_power",
    "set_high_power",
}


@pytest.mark.parametrize(("operation", "wire"), VALID, ids=lambda value: repr(value)[:40])
def test_each_operation_builds_its_documented_wire_form(
    operation: ops.Operation, wire: dict[str, Any]
) -> None:
    assert encode(operation).payload == wire


def test_the_commands_beside_the_operations() -> None:
    assert PRE_POWER_ON == {
        "cmd": "pre_power_on",
        "complete": "false",
        "msg": "wait for adjust temp",
    }
    assert DOWNLOAD_LOGS == {"cmd": "download_logs"}


def test_commands_that_restart_btminer_forget_the_token() -> None:
    forgetting = {str(encode(op).payload["cmd"]) for op, _ in VALID if encode(op).forgets_token}

    assert forgetting == FORGETS_TOKEN


def test_commands_whose_reply_is_often_lost_count_a_lost_reply_as_sent() -> None:
    lost_is_sent = {
        str(encode(op).payload["cmd"]) for op, _ in VALID if encode(op).lost_reply_is_sent
    }

    assert lost_is_sent == FORGETS_TOKEN | {"power_off"}  # power_off: PROTOCOL.md §2.5


def test_v2_takes_ramp_up_speeds_up_to_9_only() -> None:
    with pytest.raises(
        WhatsminerInvalidArgumentError, match="speed must be an integer from 0 to 9"
    ):
        encode(ops.SetUpfreqSpeed(10))


def test_three_pools_fill_every_slot() -> None:
    pools = [PoolConfig(url=f"stratum+tcp://p{i}:1", worker=f"w{i}") for i in (1, 2, 3)]

    wire = encode(ops.SetPools(pools)).payload

    assert [wire[f"pool{i}"] for i in (1, 2, 3)] == [pool.url for pool in pools]
    assert wire["passwd3"] == ""


def test_a_command_keeps_its_payload_out_of_repr() -> None:
    assert "x" not in repr(encode(ops.SetPools([POOL]))).replace("lost_reply", "")


def test_read_catalogue() -> None:
    assert set(READ_COMMANDS) == {
        "summary",
        "pools",
        "devs",
        "edevs",
        "devdetails",
        "get_psu",
        "get_version",
        "status",
        "get_miner_info",
        "get_error_code",
    }
    assert {name for name, read in READ_COMMANDS.items() if read.joinable} == {
        "summary",
        "pools",
        "devs",
        "edevs",
        "devdetails",
    }
    assert read_command("summary").request() == {"cmd": "summary"}
    assert read_command("get_miner_info").request() == {
        "cmd": "get_miner_info",
        "info": "ip,proto,netmask,gateway,dns,hostname,mac,ledstat",
    }
    with pytest.raises(WhatsminerInvalidArgumentError, match="not a v2 read command"):
        read_command("get_token")
