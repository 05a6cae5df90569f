"""The command catalogue: wire forms, inclusive ranges, and refusals before sending."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.whatsminer.api import PoolConfig, WhatsminerInvalidArgumentError
from custom_components.whatsminer.api.v2.commands import (
    PRIVILEGED_COMMANDS,
    READ_COMMANDS,
    read_command,
)

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.1", password="x")

# name -> (arguments, the exact plaintext command before the token)
VALID: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "power_on": ({}, {"cmd": "power_on"}),
    "power_off": ({"respond_before": False}, {"cmd": "power_off", "respbefore": "false"}),
    "restart_btminer": ({}, {"cmd": "restart_btminer"}),
    "reboot": ({}, {"cmd": "reboot"}),
    "enable_btminer_fast_boot": ({}, {"cmd": "enable_btminer_fast_boot"}),
    "disable_btminer_fast_boot": ({}, {"cmd": "disable_btminer_fast_boot"}),
    "adjust_power_limit": (
        {"watts": 3000},
        {"cmd": "adjust_power_limit", "power_limit": "3000"},
    ),
    "adjust_upfreq_speed": ({"speed": 9}, {"cmd": "adjust_upfreq_speed", "upfreq_speed": "9"}),
    "set_power_pct": ({"percent": 0}, {"cmd": "set_power_pct", "percent": "0"}),
    "set_target_freq": ({"percent": -100}, {"cmd": "set_target_freq", "percent": "-100"}),
    "set_temp_offset": ({"offset": -30}, {"cmd": "set_temp_offset", "temp_offset": "-30"}),
    "set_led_auto": ({}, {"cmd": "set_led", "param": "auto"}),
    "set_led": (
        {"color": "red", "period": 200, "duration": 100, "start": 0},
        {"cmd": "set_led", "color": "red", "period": 200, "duration": 100, "start": 0},
    ),
    "set_low_power": ({}, {"cmd": "set_low_power"}),
    "set_normal_power": ({}, {"cmd": "set_normal_power"}),
    "set_high_power": ({}, {"cmd": "set_high_power"}),
    "update_pools": (
        {"pools": [POOL]},
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
    "set_hostname": ({"hostname": "WhatsMiner"}, {"cmd": "set_hostname", "hostname": "WhatsMiner"}),
    "set_poweroff_cool": ({"enabled": True}, {"cmd": "set_poweroff_cool", "poweroff_cool": "1"}),
    "set_fan_zero_speed": (
        {"enabled": False},
        {"cmd": "set_fan_zero_speed", "fan_zero_speed": "0"},
    ),
    "pre_power_on": (
        {"complete": True, "message": "adjust complete"},
        {"cmd": "pre_power_on", "complete": "true", "msg": "adjust complete"},
    ),
    "enable_web_pools": ({}, {"cmd": "enable_web_pools"}),
    "disable_web_pools": ({}, {"cmd": "disable_web_pools"}),
    "download_logs": ({}, {"cmd": "download_logs"}),
    "set_zone": (
        {"timezone": "CST-8", "zonename": "Asia/Shanghai"},
        {"cmd": "set_zone", "timezone": "CST-8", "zonename": "Asia/Shanghai"},
    ),
}

FORGETS_TOKEN = {
    "reboot",
    "restart_btminer",
    "adjust_power_limit",
    "set_target_freq",
    "set_low_power",
    "set_normal_power",
    "set_high_power",
}


def test_catalogue_covers_every_documented_privileged_command() -> None:
    assert set(PRIVILEGED_COMMANDS) == set(VALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_each_command_builds_its_documented_wire_form(name: str) -> None:
    arguments, wire = VALID[name]

    assert PRIVILEGED_COMMANDS[name].build(**arguments) == wire


def test_commands_that_restart_btminer_forget_the_token() -> None:
    forgetting = {name for name, command in PRIVILEGED_COMMANDS.items() if command.forgets_token}

    assert forgetting == FORGETS_TOKEN


def test_commands_whose_reply_is_often_lost_count_a_lost_reply_as_sent() -> None:
    lost_is_sent = {
        name for name, command in PRIVILEGED_COMMANDS.items() if command.lost_reply_is_sent
    }

    assert lost_is_sent == FORGETS_TOKEN | {"power_off"}  # power_off: PROTOCOL.md §2.5


@pytest.mark.parametrize(
    ("name", "argument", "low", "high"),
    [
        ("adjust_power_limit", "watts", 0, 99999),
        ("adjust_upfreq_speed", "speed", 0, 9),
        ("set_power_pct", "percent", 0, 100),
        ("set_target_freq", "percent", -100, 100),
        ("set_temp_offset", "offset", -30, 0),
    ],
)
def test_ranges_are_inclusive_and_enforced(name: str, argument: str, low: int, high: int) -> None:
    command = PRIVILEGED_COMMANDS[name]

    assert command.build(**{argument: low})
    assert command.build(**{argument: high})
    for wrong in (low - 1, high + 1, True, 1.0, str(low), None):
        with pytest.raises(WhatsminerInvalidArgumentError, match=f"{argument} must be an integer"):
            command.build(**{argument: wrong})


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("power_on", {"extra": 1}, "power_on takes exactly: nothing"),
        ("adjust_power_limit", {}, "takes exactly: watts"),
        ("power_off", {"respond_before": "true"}, "respond_before must be True or False"),
        (
            "set_led",
            {"color": "blue", "period": 1, "duration": 1, "start": 0},
            "color must be one of",
        ),
        ("set_led", {"color": "red", "period": -1, "duration": 1, "start": 0}, "period must be"),
        ("set_led", {"color": "red", "period": 1, "duration": 1, "start": 2**31}, "start must be"),
        ("pre_power_on", {"complete": True, "message": "go"}, "message must be one of"),
        ("set_hostname", {"hostname": "-bad"}, "hostname must be 1 to 63"),
        ("set_hostname", {"hostname": "a" * 64}, "hostname must be 1 to 63"),
        ("set_hostname", {"hostname": "has space"}, "hostname must be 1 to 63"),
        ("set_zone", {"timezone": "CST 8", "zonename": "Asia/Shanghai"}, "timezone must be"),
        ("set_zone", {"timezone": "X", "zonename": "Asia/Shanghai"}, "timezone must be"),
        ("set_zone", {"timezone": "CST-8", "zonename": "/etc/passwd"}, "zonename must be"),
        ("set_zone", {"timezone": "CST-8", "zonename": "A/" + "b" * 33}, "zonename must be"),
    ],
)
def test_malformed_arguments_are_refused(
    name: str, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError, match=message):
        PRIVILEGED_COMMANDS[name].build(**arguments)


def test_refusal_never_repeats_the_value() -> None:
    with pytest.raises(WhatsminerInvalidArgumentError) as caught:
        PRIVILEGED_COMMANDS["update_pools"].build(
            pools=[PoolConfig(url="u", worker="w", password="S3cret\npw")]
        )

    assert "S3cret" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_three_pools_fill_every_slot() -> None:
    pools = [PoolConfig(url=f"stratum+tcp://p{i}:1", worker=f"w{i}") for i in (1, 2, 3)]

    wire = PRIVILEGED_COMMANDS["update_pools"].build(pools=pools)

    assert [wire[f"pool{i}"] for i in (1, 2, 3)] == [pool.url for pool in pools]
    assert wire["passwd3"] == ""


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        ("stratum+tcp://p:1", "pools must be a list of 1 to 3 PoolConfig"),
        (None, "pools must be a list"),
        ([], "pools must be a list"),
        ([POOL] * 4, "pools must be a list"),
        ([{"url": "x", "worker": "y"}], "pools must be a list"),
        ([PoolConfig(url="", worker="w")], "pool 1 url must be"),
        ([POOL, PoolConfig(url="has space", worker="w")], "pool 2 url must be"),
        ([PoolConfig(url="u", worker="w\n")], "pool 1 worker and password must be"),
        ([PoolConfig(url="u", worker="w", password="p" * 256)], "pool 1 worker and password"),
        ([PoolConfig(url=b"stratum", worker="w")], "pool 1 url, worker and password must be text"),
        ([POOL, PoolConfig(url="u", worker=None)], "pool 2 url, worker and password must be text"),
        ([PoolConfig(url="u", worker="w", password=5)], "pool 1 url, worker and password"),
    ],
)
def test_pools_are_checked(pools: object, message: str) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError, match=message):
        PRIVILEGED_COMMANDS["update_pools"].build(pools=pools)


def test_pool_password_stays_out_of_repr() -> None:
    pool = PoolConfig(url="stratum+tcp://p:1", worker="w", password="pool-secret")

    assert "pool-secret" not in repr([pool])
    assert "stratum+tcp://p:1" in repr(pool)


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
