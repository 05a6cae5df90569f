"""API v3's wire forms: operations as ``set.*`` writes, and which replies may be lost."""

from __future__ import annotations

import pytest

from custom_components.whatsminer.api import (
    PoolConfig,
    PowerMode,
    operations as ops,
)
from custom_components.whatsminer.api.v3.encoder import Write, encode

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.rig1", password="s3cret")


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (encode(ops.StartMining()), Write(cmd="set.miner.service", param="start")),
        (
            encode(ops.StopMining()),
            Write(cmd="set.miner.service", param="stop", lost_reply_is_sent=True),
        ),
        (
            encode(ops.RestartMining()),
            Write(cmd="set.miner.service", param="restart", lost_reply_is_sent=True),
        ),
        (encode(ops.Reboot()), Write(cmd="set.system.reboot", param=None, lost_reply_is_sent=True)),
        (
            encode(ops.SetPowerLimit(3000)),
            Write(cmd="set.miner.power_limit", param=3000, lost_reply_is_sent=True),
        ),
        (
            encode(ops.SetPowerMode(PowerMode.HIGH)),
            Write(cmd="set.miner.power_mode", param="high", lost_reply_is_sent=True),
        ),
        (encode(ops.SetFastBoot(enabled=True)), Write(cmd="set.miner.fastboot", param="enable")),
        (encode(ops.SetFastBoot(enabled=False)), Write(cmd="set.miner.fastboot", param="disable")),
        (encode(ops.SetUpfreqSpeed(10)), Write(cmd="set.miner.upfreq_speed", param=10)),
        (encode(ops.SetLedAuto()), Write(cmd="set.system.led", param="auto")),
        (
            encode(ops.SetLed(color="green", period=200, duration=100, start=0)),
            Write(
                cmd="set.system.led",
                param=[{"color": "green", "period": 200, "duration": 100, "start": 0}],
            ),
        ),
        (encode(ops.SetTempOffset(-30)), Write(cmd="set.fan.temp_offset", param=-30)),
        (encode(ops.SetPoweroffCool(enabled=True)), Write(cmd="set.fan.poweroff_cool", param=1)),
        (encode(ops.SetFanZeroSpeed(enabled=False)), Write(cmd="set.fan.zero_speed", param=0)),
        (encode(ops.SetWebPools(enabled=True)), Write(cmd="set.system.webpools", param="enable")),
        (encode(ops.SetWebPools(enabled=False)), Write(cmd="set.system.webpools", param="disable")),
        (
            encode(ops.SetTargetFreq(-100)),
            Write(cmd="set.miner.target_freq", param=-100, lost_reply_is_sent=True),
        ),
        (
            encode(ops.SetHostname("rack-7")),
            Write(cmd="set.system.hostname", param={"hostname": "rack-7"}),
        ),
        (
            encode(ops.SetTimeZone("CST-8", "Asia/Shanghai")),
            Write(
                cmd="set.system.timezone",
                param={"timezone": "CST-8", "zonename": "Asia/Shanghai"},
            ),
        ),
        (
            encode(ops.SetPowerPercent(0)),
            Write(cmd="set.miner.power_percent", param={"percent": "0", "mode": "normal"}),
        ),
        (
            encode(ops.SetPowerPercent(75, fast=True)),
            Write(cmd="set.miner.power_percent", param={"percent": "75", "mode": "fast"}),
        ),
        (
            encode(ops.SetPools([POOL])),
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

    param = encode(ops.SetPools(pools)).param

    assert param == [
        {"pool": f"stratum+tcp://p{i}:3333", "worker": f"w{i}", "passwd": ""} for i in range(3)
    ]


def test_a_write_keeps_its_param_out_of_repr() -> None:
    assert "s3cret" not in repr(encode(ops.SetPools([POOL])))
