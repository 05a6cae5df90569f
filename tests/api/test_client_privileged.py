"""The privileged flow over loopback TCP: tokens, encryption, retries and outcomes."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.whatsminer.api import (
    CommandOutcome,
    V2Client,
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerTokenLimitError,
    WhatsminerWriteDisabledError,
    operations as ops,
)
from custom_components.whatsminer.api.v2 import crypto
from custom_components.whatsminer.api.v2.privileged import (
    TOKEN_LIMIT_BACKOFF_SECONDS,
    TOKEN_REUSE_SECONDS,
)

from .conftest import quick_client, run_inline
from .fake_miner import Action, FakeMiner, btminer_reply, encrypt_reply
from .test_v2_commands import VALID

if TYPE_CHECKING:
    from collections.abc import Callable


def token_requests(miner: FakeMiner) -> int:
    return sum(request.get("cmd") == "get_token" for request in miner.requests)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at an arbitrary time."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the time the test set."""
        return self.now


@pytest.mark.parametrize(("operation", "expected"), VALID, ids=lambda value: repr(value)[:40])
async def test_each_operation_sends_its_documented_command(
    miner: FakeMiner, client: V2Client, operation: ops.Operation, expected: dict[str, Any]
) -> None:
    """The miner decrypts exactly the encoder's plaintext, with the token's sign added."""
    outcome = await client.run(operation)

    assert outcome is CommandOutcome.CONFIRMED
    command = miner.requests[-1]
    assert command.pop("token") == miner.signs[-1]
    assert command == expected
    assert miner.executed == [expected["cmd"]]


async def test_token_is_fetched_once_and_reused(miner: FakeMiner, client: V2Client) -> None:
    await client.run(ops.StartMining())
    await client.run(ops.SetLedAuto())
    await client.verify_password()

    assert token_requests(miner) == 1
    assert client.connections_opened == 4


async def test_expired_token_is_replaced_without_recomputing_the_key(miner: FakeMiner) -> None:
    calls: list[str] = []

    async def counting[T](func: Callable[[], T]) -> T:
        calls.append("run")
        return func()

    clock = FakeClock()
    client = V2Client("127.0.0.1", "admin", port=miner.port, run_blocking=counting, clock=clock)
    await client.run(ops.StartMining())
    clock.now += TOKEN_REUSE_SECONDS  # the token is too old to reuse
    await client.run(ops.StartMining())

    assert token_requests(miner) == 2
    assert len(calls) == 3  # key + sign, then only the new sign


async def test_concurrent_commands_share_one_token(miner: FakeMiner, client: V2Client) -> None:
    outcomes = await asyncio.gather(
        client.run(ops.StartMining()),
        client.run(ops.SetLedAuto()),
        client.run(ops.SetHostname("a")),
    )

    assert set(outcomes) == {CommandOutcome.CONFIRMED}
    assert token_requests(miner) == 1


async def test_rejected_token_is_fetched_again_once(miner: FakeMiner, client: V2Client) -> None:
    await client.run(ops.StartMining())
    miner.signs.clear()  # the miner forgot every token (it restarted)

    assert await client.run(ops.StartMining()) is CommandOutcome.CONFIRMED
    assert token_requests(miner) == 2


async def test_token_rejected_twice_is_an_auth_error(miner: FakeMiner, client: V2Client) -> None:
    rejected = encrypt_reply(btminer_reply("check token err", code=135, status="E"), miner.aes_key)
    miner.script["power_on"] = [rejected, rejected]

    with pytest.raises(WhatsminerAuthError, match="rejected the token"):
        await client.run(ops.StartMining())
    assert token_requests(miner) == 2


async def test_transient_decryption_failure_is_retried_with_a_new_token(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.script["power_on"] = [btminer_reply("enc json load err", code=23, status="E")]

    assert await client.run(ops.StartMining()) is CommandOutcome.CONFIRMED
    assert token_requests(miner) == 2
    assert miner.executed == ["power_on"]


async def test_wrong_password_is_an_auth_error_after_one_retry(miner: FakeMiner) -> None:
    client = V2Client("127.0.0.1", "wrong", port=miner.port, run_blocking=run_inline)

    with pytest.raises(WhatsminerAuthError, match="wrong password"):
        await client.verify_password()
    assert token_requests(miner) == 2
    assert miner.executed == []


async def test_disabled_write_api(miner: FakeMiner, client: V2Client) -> None:
    miner.api_switch = False

    with pytest.raises(WhatsminerWriteDisabledError, match="WhatsMinerTool"):
        await client.run(ops.Reboot())
    assert token_requests(miner) == 1


async def test_token_limit_backs_off_and_expires_although_callers_keep_retrying(
    miner: FakeMiner,
) -> None:
    clock = FakeClock()
    client = quick_client("127.0.0.1", miner.password, port=miner.port, clock=clock)
    miner.tokens_left = 0
    with pytest.raises(WhatsminerTokenLimitError):
        await client.run(ops.StartMining())
    opened = client.connections_opened
    with pytest.raises(WhatsminerTokenLimitError, match="retrying in 18"):
        await client.run(ops.StartMining())  # at once: nothing is asked again

    for _ in range(int(TOKEN_LIMIT_BACKOFF_SECONDS // 30)):  # a caller retrying every 30 s
        clock.now += 30
        with pytest.raises(WhatsminerTokenLimitError, match="retrying in"):
            await client.run(ops.StartMining())
    assert client.connections_opened == opened  # nothing reached the miner meanwhile

    clock.now += 6  # 186 s after the miner's refusal, not after the last retry
    miner.tokens_left = 1
    assert await client.run(ops.StartMining()) is CommandOutcome.CONFIRMED
    assert miner.executed == ["power_on"]


async def test_token_limit_on_a_command_also_backs_off(miner: FakeMiner, client: V2Client) -> None:
    miner.script["power_on"] = [btminer_reply("over max connect", code=136, status="E")]

    with pytest.raises(WhatsminerTokenLimitError):
        await client.run(ops.StartMining())
    with pytest.raises(WhatsminerTokenLimitError, match="retrying"):
        await client.run(ops.StartMining())
    assert client._privileged._token is None


@pytest.mark.parametrize(
    "lost",
    [
        Action.DROP,
        Action.RESET,
        Action.HANG,
        Action.PARTIAL_THEN_RESET,
        b'{"enc": "C/UGIQ8LwD66stwL',  # cut short, then closed
        b'{"STATUS":"S","When":1594179080,"Co',
        b'{"enc": "not base64"}',
    ],
    ids=["drop", "reset", "hang", "partial-reset", "partial-enc", "partial-plain", "garbled"],
)
async def test_lost_reply_to_a_restarting_command_counts_as_sent(
    miner: FakeMiner, client: V2Client, lost: Action
) -> None:
    miner.script["reboot"] = [lost]

    assert await client.run(ops.Reboot()) is CommandOutcome.SENT
    assert client._privileged._token is None  # the reboot invalidates it
    assert await client.run(ops.StartMining()) is CommandOutcome.CONFIRMED
    assert token_requests(miner) == 2


@pytest.mark.parametrize("lost", [Action.DROP, b'{"enc": "C/UGIQ8L'], ids=["drop", "partial"])
async def test_lost_power_off_reply_counts_as_sent_and_keeps_the_token(
    miner: FakeMiner, client: V2Client, lost: Action | bytes
) -> None:
    miner.script["power_off"] = [lost]

    assert await client.run(ops.StopMining()) is CommandOutcome.SENT
    assert await client.run(ops.StartMining()) is CommandOutcome.CONFIRMED
    assert token_requests(miner) == 1  # hashing stopped; btminer kept its tokens


async def test_lost_reply_to_another_command_is_an_error(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.script["set_led"] = [Action.DROP]

    with pytest.raises(WhatsminerConnectionError) as caught:
        await client.run(ops.SetLedAuto())
    assert caught.value.request_sent is True


async def test_lost_token_reply_fails_even_a_restarting_command(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.script["get_token"] = [Action.DROP]

    with pytest.raises(WhatsminerConnectionError):
        await client.run(ops.Reboot())
    assert miner.executed == []


async def test_unreachable_miner_fails_a_restarting_command(
    miner: FakeMiner, client: V2Client
) -> None:
    await client.run(ops.StartMining())
    await miner.stop()

    with pytest.raises(WhatsminerConnectionError) as caught:
        await client.run(ops.Reboot())
    assert caught.value.request_sent is False


async def test_plaintext_success_reply_is_accepted(miner: FakeMiner, client: V2Client) -> None:
    miner.script["power_on"] = [btminer_reply("API command OK")]

    assert await client.run(ops.StartMining()) is CommandOutcome.CONFIRMED


@pytest.mark.parametrize(
    "reply",
    [
        b'{"enc": "AAAAAAAAAAAAAAAAAAAAAA=="}',
        b'{"enc": 5}',
        b'{"enc": "not base64"}',
    ],
)
async def test_undecryptable_reply_is_invalid(
    miner: FakeMiner, client: V2Client, reply: bytes
) -> None:
    miner.script["power_on"] = [reply]

    with pytest.raises(WhatsminerInvalidReplyError):
        await client.run(ops.StartMining())


@pytest.mark.parametrize(
    "offer",
    [
        "not an object",
        {"time": "5626", "salt": "BQ5hoXV9"},
        {"time": "5626", "salt": "bad salt", "newsalt": "jbzkfQls"},
        {"time": "56:26", "salt": "BQ5hoXV9", "newsalt": "jbzkfQls"},
        {"time": "5626", "salt": "BQ5hoXV9", "newsalt": 12345678},
    ],
)
async def test_malformed_token_offer_is_invalid(
    miner: FakeMiner, client: V2Client, offer: object
) -> None:
    miner.script["get_token"] = [btminer_reply(offer, code=134)]

    with pytest.raises(WhatsminerInvalidReplyError):
        await client.run(ops.StartMining())


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.run(ops.SetPowerLimit(100000)),
        lambda c: c.run(ops.SetUpfreqSpeed(10)),
        lambda c: c.run(ops.SetTargetFreq(-101)),
        lambda c: c.run(ops.SetTempOffset(1)),
        lambda c: c.run(ops.SetPowerPercent(101)),
        lambda c: c.run(ops.SetPowerMode("turbo")),
        lambda c: c.run(ops.SetPowerMode(None)),
        lambda c: c.run(ops.SetFastBoot(1)),
        lambda c: c.run(ops.SetWebPools("yes")),
        lambda c: c.run(ops.SetPoweroffCool(None)),
        lambda c: c.run(ops.SetLed(color="blue", period=1, duration=1, start=0)),
        lambda c: c.run(ops.SetPools([])),
        lambda c: c.run(ops.SetHostname("bad_host")),
        lambda c: c.run(ops.SetTimeZone("CST 8", "Asia/Shanghai")),
        lambda c: c.run(ops.SetTimeZone("CST-8", "../etc/passwd")),
    ],
)
async def test_invalid_arguments_send_nothing(client: V2Client, call: Any) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError):
        await call(client)
    assert client.connections_opened == 0


async def test_settings_no_poll_reads_are_not_made_up_from_writes(
    miner: FakeMiner, client: V2Client
) -> None:
    """Written settings stay unknown in the data: the entities remember what they wrote.

    The power percentage is the exception: btminer starts at 100 %, and a write since
    its start is what it runs at.
    """
    miner.replies["get_miner_info"] = btminer_reply(
        {"mac": "D4:01:02:03:04:05", "ledstat": "manual", "upfreq_speed": "4"}
    )
    await client.identity()
    await client.run(ops.SetLed(color="red", period=200, duration=100, start=0))
    await client.run(ops.SetUpfreqSpeed(3))
    await client.run(ops.SetPowerPercent(50))

    snapshot = await client.fetch()

    assert miner.executed == ["set_led", "adjust_upfreq_speed", "set_power_pct"]
    assert (snapshot.led_auto, snapshot.upfreq_speed) == (None, None)
    assert snapshot.power_percent == 50


async def test_close_forgets_the_token(miner: FakeMiner, client: V2Client) -> None:
    await client.run(ops.StartMining())
    await client.close()
    await client.run(ops.StartMining())

    assert token_requests(miner) == 2


async def test_default_runner_uses_a_worker_thread(
    miner: FakeMiner, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    derive_key = crypto.derive_key

    def recording_derive_key(password: str, salt: str) -> str:
        threads.append(threading.get_ident())
        return derive_key(password, salt)

    monkeypatch.setattr(crypto, "derive_key", recording_derive_key)
    client = V2Client("127.0.0.1", "admin", port=miner.port)

    await client.verify_password()

    assert miner.executed == ["status"]
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()
