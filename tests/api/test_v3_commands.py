"""The v3 write catalogue: wire shapes, argument checks, which replies may be lost."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.whatsminer.api import (
    PoolConfig,
    PowerMode,
    WhatsminerInvalidArgumentError,
)
from custom_components.whatsminer.api.v3 import commands as v3
from custom_components.whatsminer.api.v3.commands import Write

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.rig1", password="s3cret")


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (v3.service("start"), Write(cmd="set.miner.service", param="start")),
        (
            v3.service("stop"),
            Write(cmd="set.miner.service", param="stop", lost_reply_is_sent=True),
        ),
        (
            v3.service("restart"),
            Write(cmd="set.miner.service", param="restart", lost_reply_is_sent=True),
        ),
        (v3.REBOOT, Write(cmd="set.system.reboot", param=None, lost_reply_is_sent=True)),
        (
            v3.power_limit(3000),
            Write(cmd="set.miner.power_limit", param=3000, lost_reply_is_sent=True),
        ),
        (
            v3.power_mode(PowerMode.HIGH),
            Write(cmd="set.miner.power_mode", param="high", lost_reply_is_sent=True),
        ),
        (v3.fast_boot(enabled=True), Write(cmd="set.miner.fastboot", param="enable")),
        (v3.fast_boot(enabled=False), Write(cmd="set.miner.fastboot", param="disable")),
        (v3.upfreq_speed(10), Write(cmd="set.miner.upfreq_speed", param=10)),
        (v3.LED_AUTO, Write(cmd="set.system.led", param="auto")),
        (
            v3.led(color="green", period=200, duration=100, start=0),
            Write(
                cmd="set.system.led",
                param=[{"color": "green", "period": 200, "duration": 100, "start": 0}],
            ),
        ),
        (v3.temp_offset(-30), Write(cmd="set.fan.temp_offset", param=-30)),
        (v3.poweroff_cool(enabled=True), Write(cmd="set.fan.poweroff_cool", param=1)),
        (v3.fan_zero_speed(enabled=False), Write(cmd="set.fan.zero_speed", param=0)),
        (v3.web_pools(enabled=True), Write(cmd="set.system.webpools", param="enable")),
        (v3.web_pools(enabled=False), Write(cmd="set.system.webpools", param="disable")),
        (
            v3.target_freq(-100),
            Write(cmd="set.miner.target_freq", param=-100, lost_reply_is_sent=True),
        ),
        (v3.hostname("rack-7"), Write(cmd="set.system.hostname", param={"hostname": "rack-7"})),
        (
            v3.time_zone("CST-8", "Asia/Shanghai"),
            Write(
                cmd="set.system.timezone",
                param={"timezone": "CST-8", "zonename": "Asia/Shanghai"},
            ),
        ),
        (
            v3.power_percent(0),
            Write(cmd="set.miner.power_percent", param={"percent": "0", "mode": "normal"}),
        ),
        (
            v3.power_percent(100, "fast"),
            Write(cmd="set.miner.power_percent", param={"percent": "100", "mode": "fast"}),
        ),
        (
            v3.pools([POOL]),
            Write(
                cmd="set.miner.pools",
                param=[
                    {
                        "pool": "stratum+tcp://pool.example:3333",
                        "worker": "me.rig1",
                        "passwd": "s3cret",
                    }
                ],
                encrypted=True,
            ),
        ),
    ],
    ids=lambda value: value.cmd if isinstance(value, Write) else "",
)
def test_writes_have_their_wire_shape(write: Write, expected: Write) -> None:
    assert write == expected
    assert type(write.param) is type(expected.param)  # 3000, never 3000.0; "high", no enum


def test_three_pools_keep_their_order() -> None:
    pools = [PoolConfig(url=f"stratum+tcp://p{i}:3333", worker=f"w{i}") for i in range(3)]

    param = v3.pools(pools).param

    assert param == [
        {"pool": f"stratum+tcp://p{i}:3333", "worker": f"w{i}", "passwd": ""} for i in range(3)
    ]


def test_a_write_keeps_its_param_out_of_repr() -> None:
    assert "s3cret" not in repr(v3.pools([POOL]))


@pytest.mark.parametrize(
    ("build", "argument", "rule"),
    [
        (lambda: v3.service("enable"), "action", "one of 'start', 'stop', 'restart'"),
        (lambda: v3.power_limit(100_000), "watts", "an integer from 0 to 99999"),
        (lambda: v3.power_limit(-1), "watts", "an integer from 0 to 99999"),
        (lambda: v3.power_limit(3000.0), "watts", "an integer"),
        (lambda: v3.power_limit(True), "watts", "an integer"),  # noqa: FBT003
        (lambda: v3.power_limit("3000"), "watts", "an integer"),
        (lambda: v3.power_mode("turbo"), "mode", "one of 'low', 'normal', 'high'"),
        (lambda: v3.fast_boot(1), "enabled", "True or False"),
        (lambda: v3.upfreq_speed(11), "speed", "an integer from 0 to 10"),
        (lambda: v3.web_pools("yes"), "enabled", "True or False"),
        (lambda: v3.target_freq(101), "percent", "an integer from -100 to 100"),
        (lambda: v3.hostname("rack_7"), "hostname", "1 to 63 letters"),
        (lambda: v3.time_zone("CST 8", "Asia/Shanghai"), "timezone", "a POSIX time zone"),
        (lambda: v3.time_zone("CST-8", "Asia/../etc"), "zonename", "an IANA time zone"),
        (lambda: v3.led(color="blue", period=1, duration=1, start=0), "color", "one of"),
        (lambda: v3.led(color="red", period=-1, duration=1, start=0), "period", "an integer"),
        (lambda: v3.led(color="red", period=1, duration=2**31, start=0), "duration", "integer"),
        (lambda: v3.led(color="red", period=1, duration=1, start=None), "start", "an integer"),
        (lambda: v3.temp_offset(1), "offset", "an integer from -30 to 0"),
        (lambda: v3.temp_offset(-31), "offset", "an integer from -30 to 0"),
        (lambda: v3.poweroff_cool("1"), "enabled", "True or False"),
        (lambda: v3.fan_zero_speed(None), "enabled", "True or False"),
        (lambda: v3.power_percent(101), "percent", "an integer from 0 to 100"),
        (lambda: v3.power_percent(50, "slow"), "mode", "one of 'normal', 'fast'"),
        (lambda: v3.pools([]), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: v3.pools([POOL] * 4), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: v3.pools("stratum+tcp://x"), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: v3.pools([{"url": "x"}]), "pools", "a list of 1 to 3 PoolConfig"),
        (
            lambda: v3.pools([PoolConfig(url="has space", worker="w")]),
            "pool 1 url",
            "without spaces",
        ),
    ],
)
def test_invalid_arguments_name_the_argument_and_rule_not_the_value(
    build: Any, argument: str, rule: str
) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError) as caught:
        build()

    message = str(caught.value)
    assert message.startswith(f"{argument} must be ")
    assert rule in message
    for value in ("100000", "3000.0", "turbo", "blue", "slow", "has space"):
        assert value not in message
