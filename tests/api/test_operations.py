"""The operation catalogue: argument checks before anything is sent, restart kinds, capabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from custom_components.whatsminer.api import (
    ApiGeneration,
    Identity,
    PoolConfig,
    PowerMode,
    WhatsminerInvalidArgumentError,
    operations as ops,
)
from custom_components.whatsminer.api.operations import RestartKind
from custom_components.whatsminer.api.v2 import encoder as v2_encoder
from custom_components.whatsminer.api.v3 import encoder as v3_encoder

POOL = PoolConfig(url="stratum+tcp://pool.example:3333", worker="me.rig1", password="s3cret")

EVERY_OPERATION = {
    ops.StartMining,
    ops.StopMining,
    ops.RestartMining,
    ops.Reboot,
    ops.SetFastBoot,
    ops.SetPowerLimit,
    ops.SetUpfreqSpeed,
    ops.SetPowerMode,
    ops.SetTempOffset,
    ops.SetPowerPercent,
    ops.SetPoweroffCool,
    ops.SetFanZeroSpeed,
    ops.SetLedAuto,
    ops.SetLed,
    ops.SetPools,
    ops.SetWebPools,
    ops.SetTargetFreq,
    ops.SetHostname,
    ops.SetTimeZone,
}


@dataclass(frozen=True, slots=True)
class V3Only(ops.Operation):
    """A stand-in for an operation only API v3 has."""

    generations: ClassVar[frozenset[ApiGeneration]] = frozenset({ApiGeneration.V3})


def identity(generation: ApiGeneration) -> Identity:
    unknown = dict.fromkeys(("hostname", "model", "firmware", "api_version", "serial"))
    return Identity(mac="C4:08:28:00:A4:19", api_generation=generation, **unknown)


def test_each_generation_encodes_what_its_identity_says_it_supports() -> None:
    for generation, encoded in (
        (ApiGeneration.V2, v2_encoder.OPERATIONS),
        (ApiGeneration.V3, v3_encoder.OPERATIONS),
    ):
        supported = {op for op in EVERY_OPERATION if identity(generation).supports(op)}
        assert supported == set(encoded) == EVERY_OPERATION
    assert identity(ApiGeneration.V3).supports(V3Only)
    assert not identity(ApiGeneration.V2).supports(V3Only)


@pytest.mark.parametrize("encode", [v2_encoder.encode, v3_encoder.encode], ids=["v2", "v3"])
def test_an_operation_a_generation_lacks_is_refused(encode: Any) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError, match="has no V3Only"):
        encode(V3Only())


def test_restart_kinds() -> None:
    kinds = {op: op.restart for op in EVERY_OPERATION if op.restart is not RestartKind.NONE}

    assert kinds == {
        ops.StopMining: RestartKind.STOPS_MINING,
        ops.RestartMining: RestartKind.RESTARTS_MINING,
        ops.Reboot: RestartKind.REBOOTS,
        ops.SetPowerLimit: RestartKind.RESTARTS_MINING,
        ops.SetPowerMode: RestartKind.RESTARTS_MINING,
        ops.SetTargetFreq: RestartKind.RESTARTS_MINING,
    }
    assert not RestartKind.NONE.lost_reply_is_sent
    assert all(kind.lost_reply_is_sent for kind in kinds.values())


@pytest.mark.parametrize(
    ("build", "low", "high"),
    [
        (ops.SetPowerLimit, 0, 99999),
        (ops.SetUpfreqSpeed, 0, 10),
        (ops.SetPowerPercent, 0, 100),
        (ops.SetTargetFreq, -100, 100),
        (ops.SetTempOffset, -30, 0),
    ],
)
def test_ranges_are_inclusive_and_enforced(build: Any, low: int, high: int) -> None:
    assert build(low)
    assert build(high)
    for wrong in (low - 1, high + 1, True, 1.0, str(low), None):
        with pytest.raises(WhatsminerInvalidArgumentError, match="must be an integer"):
            build(wrong)


def test_a_power_mode_may_be_given_by_its_value() -> None:
    assert ops.SetPowerMode("high").mode is PowerMode.HIGH


@pytest.mark.parametrize(
    ("build", "argument", "rule"),
    [
        (lambda: ops.SetPowerLimit(100_000), "watts", "an integer from 0 to 99999"),
        (lambda: ops.SetPowerLimit(-1), "watts", "an integer from 0 to 99999"),
        (lambda: ops.SetPowerLimit(3000.0), "watts", "an integer"),
        (lambda: ops.SetPowerLimit(True), "watts", "an integer"),  # noqa: FBT003
        (lambda: ops.SetPowerLimit("3000"), "watts", "an integer"),
        (lambda: ops.SetPowerMode("turbo"), "mode", "one of 'low', 'normal', 'high'"),
        (lambda: ops.SetFastBoot(1), "enabled", "True or False"),
        (lambda: ops.SetUpfreqSpeed(11), "speed", "an integer from 0 to 10"),
        (lambda: ops.SetWebPools("yes"), "enabled", "True or False"),
        (lambda: ops.SetTargetFreq(101), "percent", "an integer from -100 to 100"),
        (lambda: ops.SetHostname("rack_7"), "hostname", "1 to 63 letters"),
        (lambda: ops.SetHostname("-bad"), "hostname", "1 to 63"),
        (lambda: ops.SetHostname("a" * 64), "hostname", "1 to 63"),
        (lambda: ops.SetHostname("has space"), "hostname", "1 to 63"),
        (lambda: ops.SetTimeZone("CST 8", "Asia/Shanghai"), "timezone", "a POSIX time zone"),
        (lambda: ops.SetTimeZone("X", "Asia/Shanghai"), "timezone", "a POSIX time zone"),
        (lambda: ops.SetTimeZone("CST-8", "Asia/../etc"), "zonename", "an IANA time zone"),
        (lambda: ops.SetTimeZone("CST-8", "/etc/passwd"), "zonename", "an IANA time zone"),
        (lambda: ops.SetTimeZone("CST-8", "A/" + "b" * 33), "zonename", "an IANA time zone"),
        (lambda: ops.SetLed(color="blue", period=1, duration=1, start=0), "color", "one of"),
        (lambda: ops.SetLed(color="red", period=-1, duration=1, start=0), "period", "an integer"),
        (lambda: ops.SetLed(color="red", period=1, duration=2**31, start=0), "duration", "integer"),
        (lambda: ops.SetLed(color="red", period=1, duration=1, start=2**31), "start", "an integer"),
        (lambda: ops.SetLed(color="red", period=1, duration=1, start=None), "start", "an integer"),
        (lambda: ops.SetTempOffset(1), "offset", "an integer from -30 to 0"),
        (lambda: ops.SetTempOffset(-31), "offset", "an integer from -30 to 0"),
        (lambda: ops.SetPoweroffCool("1"), "enabled", "True or False"),
        (lambda: ops.SetFanZeroSpeed(None), "enabled", "True or False"),
        (lambda: ops.SetPowerPercent(101), "percent", "an integer from 0 to 100"),
        (lambda: ops.SetPowerPercent(50, fast=1), "fast", "True or False"),
        (lambda: ops.SetPools([]), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: ops.SetPools([POOL] * 4), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: ops.SetPools("stratum+tcp://x"), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: ops.SetPools([{"url": "x"}]), "pools", "a list of 1 to 3 PoolConfig"),
        (lambda: ops.SetPools(None), "pools", "a list of 1 to 3 PoolConfig"),
        (
            lambda: ops.SetPools([PoolConfig(url="has space", worker="w")]),
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
    for value in ("100000", "3000.0", "turbo", "blue", "has space", "rack_7"):
        assert value not in message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("pools", "message"),
    [
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
        ops.SetPools(pools)


def test_pool_passwords_stay_out_of_messages_and_repr() -> None:
    with pytest.raises(WhatsminerInvalidArgumentError) as caught:
        ops.SetPools([PoolConfig(url="u", worker="w", password="S3cret\npw")])
    pool = PoolConfig(url="stratum+tcp://p:1", worker="w", password="pool-secret")

    assert "S3cret" not in str(caught.value)
    assert "pool-secret" not in repr([pool])
    assert "pool-secret" not in repr(ops.SetPools([pool]))
    assert "stratum+tcp://p:1" in repr(pool)
    assert ops.SetPools([pool]).pools == (pool,)
