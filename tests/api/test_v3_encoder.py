"""API v3's wire forms: operations as ``set.*`` writes, and which replies may be lost."""

from __future__ import annotations

import pytest

from custom_components.whatsminer.api import (
    PoolConfig,
    PowerMode,
    Reboot,
    RestartMining,
    SetFanZeroSpeed,
    SetFastBoot,
    SetHostname,
    SetLed,
    SetLedAuto,
    SetPools,
    SetPowerLimit,
    SetPowerMode,
    SetPoweroffCool,
    SetPowerPercent,
    SetTargetFreq,
    SetTempOffset,
    SetTimeZone,
    SetUpfreqSpeed,
    SetWebPools,
    StartMining,
    StopMining,
)
from custom_components.whatsminer.api.v3.encoder import Write, encode

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.rig1", password="s3cret")


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (encode(StartMining()), Write(cmd="set.miner.service", param="start")),
        (
            encode(StopMining()),
            Write(cmd="set.miner.service", param="stop", lost_reply_is_sent=True),
        ),
        (
            encode(RestartMining()),
            Write(cmd="set.miner.service", param="restart", lost_reply_is_sent=True),
        ),
        (encode(Reboot()), Write(cmd="set.system.reboot", param=None, lost_reply_is_sent=True)),
        (
            encode(SetPowerLimit(3000)),
            Write(cmd="set.miner.power_limit", param=3000, lost_reply_is_sent=True),
        ),
        (
            encode(SetPowerMode(PowerMode.HIGH)),
            Write(cmd="set.miner.power_mode", param="high", lost_reply_is_sent=True),
        ),
        (encode(SetFastBoot(enabled=True)), Write(cmd="set.miner.fastboot", param="enable")),
        (encode(SetFastBoot(enabled=False)), Write(cmd="set.miner.fastboot", param="disable")),
        (encode(SetUpfreqSpeed(10)), Write(cmd="set.miner.upfreq_speed", param=10)),
        (encode(SetLedAuto()), Write(cmd="set.system.led", param="auto")),
        (
            encode(SetLed(color="green", period=200, duration=100, start=0)),
            Write(
                cmd="set.system.led",
                param=[{"color": "green", "period": 200, "duration": 100, "start": 0}],
            ),
        ),
        (encode(SetTempOffset(-30)), Write(cmd="set.fan.temp_offset", param=-30)),
        (encode(SetPoweroffCool(enabled=True)), Write(cmd="set.fan.poweroff_cool", param=1)),
        (encode(SetFanZeroSpeed(enabled=False)), Write(cmd="set.fan.zero_speed", param=0)),
        (encode(SetWebPools(enabled=True)), Write(cmd="set.system.webpools", param="enable")),
        (encode(SetWebPools(enabled=False)), Write(cmd="set.system.webpools", param="disable")),
        (
            encode(SetTargetFreq(-100)),
            Write(cmd="set.miner.target_freq", param=-100, lost_reply_is_sent=True),
        ),
        (
            encode(SetHostname("rack-7")),
            Write(cmd="set.system.hostname", param={"hostname": "rack-7"}),
        ),
        (
            encode(SetTimeZone("CST-8", "Asia/Shanghai")),
            Write(
                cmd="set.system.timezone",
                param={"timezone": "CST-8", "zonename": "Asia/Shanghai"},
            ),
        ),
        (
            encode(SetPowerPercent(0)),
            Write(cmd="set.miner.power_percent", param={"percent": "0", "mode": "normal"}),
        ),
        (
            encode(SetPools([POOL])),
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

    param = encode(SetPools(pools)).param

    assert param == [
        {"pool": f"stratum+tcp://p{i}:3333", "worker": f"w{i}", "passwd": ""} for i in range(3)
    ]


def test_a_write_keeps_its_param_out_of_repr() -> None:
    assert "s3cret" not in repr(encode(SetPools([POOL])))
