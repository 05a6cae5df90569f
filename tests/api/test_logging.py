"""Secrets never reach the logs, even at DEBUG, nor the texts of the errors raised."""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, cast

import pytest

from custom_components.whatsminer.api import (
    PoolConfig,
    Reboot,
    SetHostname,
    SetLed,
    SetLedAuto,
    SetPools,
    StartMining,
    V2Client,
    V3Client,
    WhatsminerAuthError,
    WhatsminerError,
)
from custom_components.whatsminer.api.v2.crypto import aes_key

from .conftest import run_inline
from .fake_miner import FakeMiner, _body, btminer_reply
from .test_v3_client_replies import ScriptedTransport

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from custom_components.whatsminer.api.v3.transport import V3Transport

PASSWORD = "Sekr1t_x"
POOL_PASSWORD = "pool-pass-42"


def _secrets(signs: list[str], keys: list[str]) -> list[str]:
    return [
        PASSWORD,
        POOL_PASSWORD,
        *signs,
        *keys,
        *(aes_key(key).hex() for key in keys),
        *(repr(aes_key(key)) for key in keys),
    ]


async def test_privileged_commands_log_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeMiner(password=PASSWORD) as miner:
        client = V2Client("127.0.0.1", PASSWORD, port=miner.port, run_blocking=run_inline)
        await client.run(SetLed(color="red", period=200, duration=100, start=0))
        pools = [PoolConfig(url="stratum+tcp://p:3333", worker="w", password=POOL_PASSWORD)]
        await client.run(SetPools(pools))
        await client.verify_password()
        signs = list(miner.signs)
        miner.signs.clear()
        await client.run(StartMining())  # token rejected, fetched again
        wrong = V2Client("127.0.0.1", "Wr0ng_pw", port=miner.port, run_blocking=run_inline)
        with pytest.raises(WhatsminerAuthError):
            await wrong.run(StartMining())

    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    logged += repr(pools)  # callers log what they pass in
    assert "sending privileged command update_pools" in logged  # the log is really captured
    signs += miner.signs
    assert len(signs) == 4  # the first token, a fresh one after the rejection, two refused
    for secret in _secrets(signs, [miner.key]):
        assert secret not in logged


# Exception texts -----------------------------------------------------------------------
#
# A peer that echoes our own ciphertext back (a service on the miner's port, a relay)
# cannot read it, but the client can: decrypted, it is our request with the token sign in
# it. No error text, or text of the errors chained to it, may quote it.

TOKEN_TIME = "4321"
NEWSALT = "abcd1234"
SALT = "BQ5hoXV9"


def _v2_sign() -> str:
    return _body(_body(PASSWORD, SALT) + TOKEN_TIME, NEWSALT)


def _texts(err: BaseException) -> str:
    """Return the texts of ``err`` and of every error chained to it."""
    texts = []
    current: BaseException | None = err
    while current is not None:
        texts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return " ".join(texts)


async def _error_texts(command: str, sending: Awaitable[object]) -> str:
    """Send a write to an echoing peer; return the texts of the error it ends in.

    Only a reboot may end without one: its lost reply counts as sent.
    """
    try:
        await sending
    except WhatsminerError as err:
        return _texts(err)
    assert command == "reboot"
    return ""


def _ciphertext(request: bytes) -> bytes:
    return base64.b64decode(json.loads(request)["data"])


ECHOES: dict[str, Callable[[bytes], bytes]] = {
    "request": lambda request: request,
    "envelope": lambda request: json.dumps({"enc": json.loads(request)["data"]}).encode(),
    "cut-block": lambda request: _enc(_ciphertext(request)[:-16]),
    "first-blocks": lambda request: _enc(_ciphertext(request)[:48]),
    "first-block": lambda request: _enc(_ciphertext(request)[:16]),
    "not-blocks": lambda request: _enc(_ciphertext(request)[:-3]),
    "not-base64": lambda request: json.dumps({"enc": json.loads(request)["data"][:-2]}).encode(),
}


def _enc(ciphertext: bytes) -> bytes:
    return json.dumps({"enc": base64.b64encode(ciphertext).decode()}).encode()


class EchoingV2Peer:
    """Hands out tokens in plaintext, then answers every encrypted request with an echo."""

    connections_opened = 0

    def __init__(self, echo: Callable[[bytes], bytes]) -> None:
        """Echo with ``echo``."""
        self.echo = echo

    async def exchange(self, request: bytes) -> bytes:
        """Answer one request."""
        if json.loads(request).get("cmd") == "get_token":
            offer = {"time": TOKEN_TIME, "salt": SALT, "newsalt": NEWSALT}
            return json.dumps(btminer_reply(offer, code=134)).encode()
        return self.echo(request)

    async def close(self) -> None:
        """Nothing to release."""


V2_PRIVILEGED: dict[str, Callable[[V2Client], Awaitable[object]]] = {
    "verify_password": lambda client: client.verify_password(),
    "set_led": lambda client: client.run(SetLed(color="red", period=200, duration=100, start=0)),
    "update_pools": lambda client: client.run(SetPools(POOLS)),
    "set_hostname": lambda client: client.run(SetHostname("rig-7")),
    "reboot": lambda client: client.run(Reboot()),  # whose unreadable reply counts as sent
}
POOLS = [PoolConfig(url="stratum+tcp://p:3333", worker="w", password=POOL_PASSWORD)]


@pytest.mark.parametrize("command", sorted(V2_PRIVILEGED))
@pytest.mark.parametrize("echo", sorted(ECHOES))
async def test_v2_errors_quote_no_plaintext_of_an_echoed_ciphertext(
    echo: str, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    peer = EchoingV2Peer(ECHOES[echo])
    client = V2Client("127.0.0.1", PASSWORD, transport=peer, run_blocking=run_inline)

    texts = await _error_texts(command, V2_PRIVILEGED[command](client)) + caplog.text
    assert '"token"' not in texts  # no decrypted request
    assert '"cmd"' not in texts
    for secret in _secrets([_v2_sign()], [_body(PASSWORD, SALT)]):
        assert secret not in texts


@pytest.mark.parametrize(
    "answer",
    [
        btminer_reply("enc json load err", code=23, status="E"),
        btminer_reply("can't access write cmd", code=45, status="E"),
        btminer_reply("over max connect", code=136, status="E"),
        btminer_reply("invalid cmd", code=14, status="E"),
        {"STATUS": [{"STATUS": ["E"], "Msg": PASSWORD}]},
        b"\xff" * 40,
    ],
    ids=["wrong-password", "write-off", "token-limit", "refused", "odd-status", "binary"],
)
async def test_v2_typed_errors_of_the_privileged_path_quote_no_secret(answer: object) -> None:
    async with FakeMiner(password=PASSWORD) as miner:
        client = V2Client("127.0.0.1", PASSWORD, port=miner.port, run_blocking=run_inline)
        miner.script["update_pools"] = [answer, answer]  # type: ignore[list-item]
        with pytest.raises(WhatsminerError) as caught:
            await client.run(SetPools(POOLS))

    texts = _texts(caught.value)
    for secret in _secrets(miner.signs, [miner.key]):
        assert secret not in texts


class EchoingV3Peer:
    """Answers reads from the captures and echoes every write, whole or in part."""

    connections_opened = 0

    def __init__(self, echo: Callable[[bytes], bytes]) -> None:
        """Echo writes with ``echo``; note the tokens they carried."""
        self.echo = echo
        self.scripted = ScriptedTransport()
        self.tokens: list[str] = []

    async def exchange(self, request: bytes, *, idempotent: bool = True) -> bytes:
        """Answer one request."""
        body = json.loads(request)
        if "token" not in body:
            return await self.scripted.exchange(request, idempotent=idempotent)
        self.tokens.append(body["token"])
        return self.echo(request)


V3_ECHOES: dict[str, Callable[[bytes], bytes]] = {
    "request": lambda request: request,
    "cut": lambda request: request[:-5],
    "refused": lambda request: json.dumps(json.loads(request) | {"code": -1}).encode(),
    "no-permission": lambda request: json.dumps(json.loads(request) | {"code": -4}).encode(),
    "as-msg": lambda request: json.dumps({"code": -2, "msg": request.decode()}).encode(),
}
V3_WRITES: dict[str, Callable[[V3Client], Awaitable[object]]] = {
    "verify_password": lambda client: client.verify_password(),
    "update_pools": lambda client: client.run(SetPools(POOLS)),
    "set_led_auto": lambda client: client.run(SetLedAuto()),
    "reboot": lambda client: client.run(Reboot()),
}


@pytest.mark.parametrize("command", sorted(V3_WRITES))
@pytest.mark.parametrize("echo", sorted(V3_ECHOES))
async def test_v3_errors_quote_no_part_of_an_echoed_write(
    echo: str, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    peer = EchoingV3Peer(V3_ECHOES[echo])
    client = V3Client("10.0.0.9", PASSWORD, transport=cast("V3Transport", peer))

    texts = await _error_texts(command, V3_WRITES[command](client)) + caplog.text
    assert peer.tokens
    assert '"token"' not in texts
    for secret in [PASSWORD, POOL_PASSWORD, *peer.tokens]:
        assert secret not in texts
