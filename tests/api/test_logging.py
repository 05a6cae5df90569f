"""Secrets never reach the logs, even at DEBUG."""

from __future__ import annotations

import logging

import pytest

from custom_components.whatsminer.api import (
    PoolConfig,
    V2Client,
    WhatsminerAuthError,
    WhatsminerConnectionError,
)
from custom_components.whatsminer.api.crypto import aes_key

from .conftest import run_inline
from .fake_miner import Action, FakeMiner

PASSWORD = "Sekr1t_x"
NEW_PASSWORD = "N3w_s3c"
POOL_PASSWORD = "pool-pass-42"


def _secrets(signs: list[str], keys: list[str]) -> list[str]:
    return [
        PASSWORD,
        NEW_PASSWORD,
        POOL_PASSWORD,
        *signs,
        *keys,
        *(aes_key(key).hex() for key in keys),
        *(repr(aes_key(key)) for key in keys),
    ]


async def test_privileged_commands_log_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeMiner(password=PASSWORD) as miner:
        old_key = miner.key
        client = V2Client("127.0.0.1", PASSWORD, port=miner.port, run_blocking=run_inline)
        await client.set_led(color="red", period=200, duration=100, start=0)
        pools = [PoolConfig(url="stratum+tcp://p:3333", worker="w", password=POOL_PASSWORD)]
        await client.update_pools(pools)
        await client.update_password(NEW_PASSWORD)
        await client.verify_password()
        signs = list(miner.signs)
        miner.signs.clear()
        await client.power_on()  # token rejected, fetched again
        wrong = V2Client("127.0.0.1", PASSWORD, port=miner.port, run_blocking=run_inline)
        with pytest.raises(WhatsminerAuthError):
            await wrong.power_on()

    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    logged += repr(pools)  # callers log what they pass in
    assert "sending privileged command update_pools" in logged  # the log is really captured
    signs += miner.signs
    assert len(signs) == 5
    for secret in _secrets(signs, [old_key, miner.key]):
        assert secret not in logged


async def test_lost_password_change_logs_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeMiner(password=PASSWORD) as miner:
        keys = [miner.key]
        miner.script["update_pwd"] = [Action.APPLY_THEN_DROP]
        client = V2Client("127.0.0.1", PASSWORD, port=miner.port, run_blocking=run_inline)
        with pytest.raises(WhatsminerConnectionError) as caught:
            await client.update_password(NEW_PASSWORD)
        await client.verify_password()  # the candidate is tried and adopted
        keys.append(miner.key)

    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    logged += str(caught.value) + repr(caught.value)
    assert "the password change had gone through" in logged
    for secret in _secrets(miner.signs, keys):
        assert secret not in logged
