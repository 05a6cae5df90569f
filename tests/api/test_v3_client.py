"""V3Client against the simulator over real loopback TCP: polls, writes, auth, reconnects."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.whatsminer.api import (
    ApiGeneration,
    CommandOutcome,
    PoolConfig,
    PowerMode,
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerWriteDisabledError,
    operations as ops,
)
from custom_components.whatsminer.api.v3.client import SETTINGS_MAX_AGE_SECONDS, V3Client
from custom_components.whatsminer.api.v3.transport import V3Transport

from .conftest import V3_PASSWORD

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from freezegun.api import FrozenDateTimeFactory

    from custom_components.whatsminer.api import MinerData
    from tests.simulator.fixtures import MinerFactory
    from tests.simulator.miner import SimulatedMiner

SETTINGS_READS = {"get.miner.setting", "get.fan.setting"}


class Clock:
    """A Unix clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at the time of PROTOCOL.md's token test vector."""
        self.now = 1_773_869_570.0

    def __call__(self) -> float:
        """Return the time the test set."""
        return self.now


class RecordingTransport(V3Transport):
    """The real transport, remembering every request it sent (rejected ones too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the real transport."""
        super().__init__(*args, **kwargs)
        self.sent: list[dict[str, Any]] = []

    async def exchange(self, request: bytes, *, idempotent: bool = True) -> bytes:
        """Remember the request, then send it."""
        self.sent.append(json.loads(request))
        return await super().exchange(request, idempotent=idempotent)

    def commands(self) -> list[str]:
        """Return the commands sent, in order."""
        return [request["cmd"] for request in self.sent]


async def start_v3_miner(miner_factory: MinerFactory, **options: Any) -> SimulatedMiner:
    return await miner_factory(**{"profile": "m60_v3", "password": V3_PASSWORD, **options})


def client_for(
    v3_miner: SimulatedMiner, password: str = V3_PASSWORD, clock: Clock | None = None
) -> tuple[V3Client, RecordingTransport]:
    transport = RecordingTransport(
        v3_miner.host, v3_miner.v3_port, timeout=2.0, connect_timeout=2.0
    )
    client = V3Client(
        v3_miner.host, password, transport=transport, clock=clock or Clock(), timeout=2.0
    )
    return client, transport


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.005)


# Reads --------------------------------------------------------------------------------------


async def test_identity_is_one_device_info(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)

    identity = await client.identity()
    await transport.close()

    assert identity.mac == v3_miner.mac
    assert identity.model == "M60S_VK40"
    assert identity.api_generation is ApiGeneration.V3
    assert identity.api_version == "3.0.2"
    assert transport.sent == [{"cmd": "get.device.info"}]  # no "param": null


async def test_fetch_reads_status_joined_device_info_and_settings(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)

    data = await client.fetch()
    await transport.close()

    assert transport.sent == [
        {"cmd": "get.miner.status", "param": "summary+pools+edevs"},
        {"cmd": "get.device.info"},
        {"cmd": "get.miner.setting"},
        {"cmd": "get.fan.setting"},
        {"cmd": "get.system.setting"},
    ]
    assert data.mining is True
    assert len(data.boards) == v3_miner.profile.boards
    assert data.hashrate is not None
    assert data.hashrate > 100  # TH/s
    assert [pool.url for pool in data.pools] == [pool["url"] for pool in v3_miner.state.pools]
    assert data.power_mode is PowerMode.NORMAL
    assert (data.fast_boot, data.upfreq_speed, data.power_percent) == (False, 0, 100)
    assert (data.temp_offset, data.poweroff_cool, data.fan_zero_speed) == (0, False, False)
    assert data.led_auto is True
    assert (data.web_pools, data.target_freq, data.zone_name) == (True, 0, "Asia/Shanghai")
    assert data.firmware == v3_miner.profile.firmware


async def test_warm_up_is_ready_at_once_without_a_request(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)

    assert await client.warm_up(time_limit=60, poll_every=5) is True
    assert transport.sent == []


async def test_twenty_polls_share_one_connection(v3_miner: SimulatedMiner) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        for _ in range(20):
            await client.fetch()

        assert client.connections_opened == 1
    assert v3_miner.v3_connections_accepted == 1


async def test_a_poll_after_the_miner_closed_the_idle_connection_reconnects(
    v3_miner: SimulatedMiner,
) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.fetch()
        assert v3_miner.close_v3_connections() == 1
        await settle()

        data = await client.fetch()

        assert data.mining is True
        assert client.connections_opened == 2


async def test_a_poll_after_the_idle_timeout_reconnects(v3_miner: SimulatedMiner) -> None:
    v3_miner.v3_idle_timeout = 0.1
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.identity()
        await asyncio.sleep(0.3)

        await client.fetch()

        assert client.connections_opened == 2


async def test_concurrent_calls_share_the_one_connection(v3_miner: SimulatedMiner) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await asyncio.gather(
            *(client.fetch() for _ in range(12)),
            client.run(ops.SetFastBoot(enabled=True)),
            client.identity(),
        )

        assert client.connections_opened == 1
    assert (v3_miner.v3_connections_accepted, v3_miner.v3_connections_rejected) == (1, 0)


async def test_the_clock_defaults_to_the_wall_clock(
    v3_miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-03-18 21:32:50")
    transport = RecordingTransport(
        v3_miner.host, v3_miner.v3_port, timeout=2.0, connect_timeout=2.0
    )
    client = V3Client(v3_miner.host, V3_PASSWORD, transport=transport)

    await client.run(ops.SetFastBoot(enabled=True))
    await transport.close()

    assert transport.sent[-1]["ts"] == 1773869570


async def test_settings_are_read_again_after_five_minutes(v3_miner: SimulatedMiner) -> None:
    clock = Clock()
    client, transport = client_for(v3_miner, clock=clock)

    await client.fetch()
    clock.now += SETTINGS_MAX_AGE_SECONDS - 1
    await client.fetch()
    v3_miner.state.temp_offset = -20  # changed elsewhere, e.g. in WhatsMinerTool
    clock.now += 1
    data = await client.fetch()
    await transport.close()

    reads = [cmd for cmd in transport.commands() if cmd in SETTINGS_READS]
    assert len(reads) == 4  # the first poll and the third
    assert data.temp_offset == -20


async def test_settings_are_read_again_when_the_clock_jumps_back(v3_miner: SimulatedMiner) -> None:
    clock = Clock()
    client, transport = client_for(v3_miner, clock=clock)

    await client.fetch()
    clock.now -= 3600
    await client.fetch()
    await transport.close()

    assert len([cmd for cmd in transport.commands() if cmd in SETTINGS_READS]) == 4


async def test_btminer_down_is_a_poll_of_a_miner_that_does_not_hash(
    v3_miner: SimulatedMiner,
) -> None:
    v3_miner.state.btminer_down = True
    client, transport = client_for(v3_miner)

    data = await client.fetch()
    await transport.close()

    assert data.mining is False
    assert data.hashrate == 0.0
    assert data.boards == ()
    assert data.errors == ()
    assert data.firmware == v3_miner.profile.firmware


async def test_btminer_restart_window_shows_a_miner_that_does_not_hash(
    v3_miner: SimulatedMiner,
) -> None:
    # Long enough for the poll during it on a busy machine, whose event loop may stall for
    # most of a second (a full garbage collection); the sleep outlasts it.
    v3_miner.restart_seconds = 1.0
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        assert await client.run(ops.RestartMining()) is CommandOutcome.CONFIRMED
        during = await client.fetch()
        await asyncio.sleep(1.15)
        after = await client.fetch()

    assert (during.mining, during.hashrate) == (False, 0.0)
    assert after.mining is True


async def test_an_idle_miner_still_answers_the_joined_status(v3_miner: SimulatedMiner) -> None:
    v3_miner.state.mining = False
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        data = await client.fetch()

    assert data.mining is False
    assert len(data.pools) == len(v3_miner.state.pools)


# Writes -------------------------------------------------------------------------------------

type Write = Callable[[V3Client], Awaitable[CommandOutcome]]
type Check = Callable[[MinerData], object]

POOLS = [
    PoolConfig(url="stratum+tcp://new.pool.example:3333", worker="rig.1", password="pool-secret"),
    PoolConfig(url="stratum+tcp://backup.pool.example:443", worker="rig.1"),
]


@pytest.mark.parametrize(
    ("write", "check", "expected"),
    [
        (lambda c: c.run(ops.SetPowerLimit(3000)), lambda d: d.power_limit, 3000),
        (lambda c: c.run(ops.SetPowerMode(PowerMode.LOW)), lambda d: d.power_mode, PowerMode.LOW),
        (lambda c: c.run(ops.SetFastBoot(enabled=True)), lambda d: d.fast_boot, True),
        (lambda c: c.run(ops.SetUpfreqSpeed(10)), lambda d: d.upfreq_speed, 10),
        (lambda c: c.run(ops.SetTempOffset(-12)), lambda d: d.temp_offset, -12),
        (lambda c: c.run(ops.SetPowerPercent(80)), lambda d: d.power_percent, 80),
        (lambda c: c.run(ops.SetPowerPercent(60, fast=True)), lambda d: d.power_percent, 60),
        (lambda c: c.run(ops.SetPoweroffCool(enabled=True)), lambda d: d.poweroff_cool, True),
        (lambda c: c.run(ops.SetFanZeroSpeed(enabled=True)), lambda d: d.fan_zero_speed, True),
        (
            lambda c: c.run(ops.SetLed(color="red", period=400, duration=200, start=0)),
            lambda d: d.led_auto,
            False,
        ),
        (lambda c: c.run(ops.StopMining()), lambda d: d.mining, False),
        (lambda c: c.run(ops.SetWebPools(enabled=False)), lambda d: d.web_pools, False),
        (
            lambda c: c.run(ops.SetTimeZone("CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin")),
            lambda d: d.zone_name,
            "Europe/Berlin",
        ),
        (
            lambda c: c.run(ops.SetPools(POOLS)),
            lambda d: [(p.url, p.user) for p in d.pools],
            [(pool.url, pool.worker) for pool in POOLS],
        ),
    ],
    ids=[
        "power_limit",
        "power_mode",
        "fast_boot",
        "upfreq_speed",
        "temp_offset",
        "power_percent",
        "power_percent_fast",
        "poweroff_cool",
        "fan_zero_speed",
        "led",
        "power_off",
        "web_pools",
        "time_zone",
        "pools",
    ],
)
async def test_each_write_reaches_the_miner_and_the_next_poll_reads_it_back(
    v3_miner: SimulatedMiner, write: Write, check: Check, expected: object
) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        before = await client.fetch()
        assert check(before) != expected

        outcome = await write(client)
        after = await client.fetch()

    assert outcome is CommandOutcome.CONFIRMED
    assert check(after) == expected


async def test_power_on_led_auto_restart_and_reboot(v3_miner: SimulatedMiner) -> None:
    v3_miner.state.mining = False
    v3_miner.state.led = [{"color": "red", "period": 1, "duration": 1, "start": 0}]
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        outcomes = [
            await client.run(ops.StartMining()),
            await client.run(ops.SetLedAuto()),
            await client.run(ops.RestartMining()),
            await client.run(ops.Reboot()),
        ]
        data = await client.fetch()

    assert outcomes == [CommandOutcome.CONFIRMED] * 4
    assert (data.mining, data.led_auto) == (True, True)
    assert [cmd for cmd in v3_miner.commands if cmd.startswith("set.")] == [
        "set.miner.service",
        "set.system.led",
        "set.miner.service",
        "set.system.reboot",
    ]


async def test_writes_are_signed_for_account_super(v3_miner: SimulatedMiner) -> None:
    clock = Clock()
    client, transport = client_for(v3_miner, clock=clock)

    await client.run(ops.SetPowerLimit(3300))
    await client.run(ops.Reboot())
    await transport.close()

    salt_read, power_limit, reboot = transport.sent
    assert salt_read == {"cmd": "get.device.info", "param": "salt"}  # cached afterwards
    assert power_limit["param"] == 3300
    assert (power_limit["ts"], power_limit["account"]) == (int(clock.now), "super")
    assert len(power_limit["token"]) == 8
    assert "param" not in reboot


async def test_pools_travel_encrypted(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)

    await client.run(ops.SetPools(POOLS))
    await transport.close()

    param = transport.sent[-1]["param"]
    assert isinstance(param, str)
    assert "pool-secret" not in param
    assert "new.pool.example" not in param
    assert v3_miner.state.pools[0] == {
        "url": "stratum+tcp://new.pool.example:3333",
        "worker": "rig.1",
        "passwd": "pool-secret",
    }


async def test_a_write_marks_the_settings_for_the_next_poll(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)

    await client.fetch()
    await client.fetch()
    await client.run(ops.SetFanZeroSpeed(enabled=True))
    await client.fetch()
    await client.fetch()
    await transport.close()

    assert len([cmd for cmd in transport.commands() if cmd in SETTINGS_READS]) == 4


async def test_invalid_arguments_send_nothing(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)

    with pytest.raises(WhatsminerInvalidArgumentError, match="watts"):
        await client.run(ops.SetPowerLimit(3000.5))  # type: ignore[arg-type]

    assert transport.sent == []


# Auth ---------------------------------------------------------------------------------------


async def test_a_wrong_password_fetches_the_salt_again_once_then_fails(
    v3_miner: SimulatedMiner,
) -> None:
    client, transport = client_for(v3_miner, password="wrong")

    with pytest.raises(WhatsminerAuthError, match="password of account super"):
        await client.run(ops.SetFastBoot(enabled=True))
    await transport.close()

    assert transport.sent[0] == {"cmd": "get.device.info", "param": "salt"}
    assert transport.commands() == [
        "get.device.info",
        "set.miner.fastboot",
        "get.device.info",
        "set.miner.fastboot",
    ]
    assert transport.sent[2] == {"cmd": "get.device.info"}  # the full one: salt and switch
    assert "set.miner.fastboot" not in v3_miner.commands


async def test_a_write_with_the_api_switch_off_is_write_disabled(
    miner_factory: MinerFactory,
) -> None:
    miner = await start_v3_miner(miner_factory, api_switch=False)

    async with V3Client(miner.host, V3_PASSWORD, port=miner.v3_port) as client:
        with pytest.raises(WhatsminerWriteDisabledError, match="WhatsMinerTool"):
            await client.run(ops.StopMining())


async def test_a_changed_salt_is_fetched_again_and_the_write_goes_through(
    miner_factory: MinerFactory,
) -> None:
    miner = await start_v3_miner(miner_factory, password="old")
    client, transport = client_for(miner, password="new")
    await client.fetch()  # caches the salt of the old password
    miner.state.password = "new"  # the miner re-salts for its new password

    outcome = await client.run(ops.SetUpfreqSpeed(3))
    await transport.close()

    assert outcome is CommandOutcome.CONFIRMED
    assert miner.state.upfreq_speed == 3
    assert transport.commands()[-3:] == [
        "set.miner.upfreq_speed",
        "get.device.info",
        "set.miner.upfreq_speed",
    ]


async def test_verify_password_writes_fast_boot_back_unchanged(v3_miner: SimulatedMiner) -> None:
    v3_miner.state.fast_boot = True
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.verify_password()

    assert v3_miner.commands == ["get.device.info", "set.miner.fastboot"]
    assert v3_miner.requests[-1]["param"] == "enable"
    assert v3_miner.state.fast_boot is True


@pytest.mark.parametrize(
    ("password", "api_switch", "error"),
    [
        ("wrong", True, WhatsminerAuthError),
        (V3_PASSWORD, False, WhatsminerWriteDisabledError),
        ("wrong", False, WhatsminerWriteDisabledError),
    ],
)
async def test_verify_password_raises_what_stops_writes(
    miner_factory: MinerFactory, password: str, api_switch: bool, error: type[Exception]
) -> None:
    miner = await start_v3_miner(miner_factory, api_switch=api_switch)

    async with V3Client(miner.host, password, port=miner.v3_port) as client:
        with pytest.raises(error):
            await client.verify_password()


# Lost replies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda c: c.run(ops.Reboot()),
        lambda c: c.run(ops.StopMining()),
        lambda c: c.run(ops.RestartMining()),
        lambda c: c.run(ops.SetPowerLimit(2800)),
        lambda c: c.run(ops.SetPowerMode(PowerMode.HIGH)),
    ],
    ids=["reboot", "power_off", "restart_mining", "power_limit", "power_mode"],
)
async def test_a_lost_reply_to_a_restarting_write_is_sent_and_not_repeated(
    v3_miner: SimulatedMiner, write: Write
) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.fetch()  # the write goes out on a reused connection
        v3_miner.faults.count = 1
        v3_miner.faults.drop = True

        outcome = await write(client)

    assert outcome is CommandOutcome.SENT
    assert len([cmd for cmd in v3_miner.commands if cmd.startswith("set.")]) == 1


async def test_a_garbled_reply_to_a_restarting_write_is_sent(v3_miner: SimulatedMiner) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.identity()
        v3_miner.faults.count = 1
        v3_miner.faults.garbage = True

        assert await client.run(ops.Reboot()) is CommandOutcome.SENT


async def test_a_lost_reply_to_a_plain_write_is_sent_again_on_a_new_connection(
    v3_miner: SimulatedMiner,
) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.identity()
        v3_miner.faults.count = 1
        v3_miner.faults.drop = True

        assert await client.run(ops.SetTempOffset(-5)) is CommandOutcome.CONFIRMED
        assert client.connections_opened == 2


async def test_a_garbled_reply_to_a_plain_write_fails(v3_miner: SimulatedMiner) -> None:
    async with V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port) as client:
        await client.identity()
        v3_miner.faults.count = 1
        v3_miner.faults.garbage = True

        with pytest.raises(WhatsminerInvalidReplyError):
            await client.run(ops.SetTempOffset(-5))


async def test_a_write_to_an_unreachable_miner_fails_unsent(v3_miner: SimulatedMiner) -> None:
    v3_miner.faults.refuse = True

    async with V3Client(
        v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port, connect_timeout=1
    ) as client:
        with pytest.raises(WhatsminerConnectionError) as caught:
            await client.run(ops.Reboot())

    assert not caught.value.request_sent


# Lifecycle and secrets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "password", "argument"),
    [
        ("", 4433, "x", "host"),
        ("miner.local", 0, "x", "port"),
        ("miner.local", 4433, "a\0b", "password"),
    ],
)
def test_constructor_checks_its_arguments(
    host: str, port: int, password: str, argument: str
) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError, match=argument):
        V3Client(host, password, port=port)


def test_host_property() -> None:
    assert V3Client("miner.local", "x").host == "miner.local"


async def test_close_forgets_the_salt_and_closes_its_own_connection(
    v3_miner: SimulatedMiner,
) -> None:
    client = V3Client(v3_miner.host, V3_PASSWORD, port=v3_miner.v3_port)
    await client.run(ops.SetFastBoot(enabled=True))
    await client.close()
    await settle()

    assert v3_miner.v3_open_connections == 0
    await client.run(ops.SetFastBoot(enabled=False))
    await client.close()

    assert v3_miner.commands.count("get.device.info") == 2  # the salt, once per session


async def test_an_injected_transport_stays_open(v3_miner: SimulatedMiner) -> None:
    client, transport = client_for(v3_miner)
    async with client:
        await client.identity()
    await settle()

    assert v3_miner.v3_open_connections == 1
    await transport.close()


async def test_secrets_stay_out_of_logs_and_errors(
    v3_miner: SimulatedMiner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.whatsminer")
    client, transport = client_for(v3_miner, password="wrong-secret")

    with pytest.raises(WhatsminerAuthError) as caught:
        await client.run(ops.SetPools(POOLS))
    good, good_transport = client_for(v3_miner)
    await good.run(ops.SetPools(POOLS))
    await transport.close()
    await good_transport.close()

    salt = v3_miner.auth.credential(v3_miner.state.password).salt
    tokens = [
        request["token"] for request in transport.sent + good_transport.sent if "token" in request
    ]
    secrets = ["wrong-secret", V3_PASSWORD, "pool-secret", salt, *tokens]
    for text in (caplog.text, str(caught.value)):
        for secret in secrets:
            assert secret not in text
    assert "set.miner.pools" in caplog.text
