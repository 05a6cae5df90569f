"""PROTOCOL.md's test vectors, checked against the test client and against the simulator.

Both implementations must reproduce the documented bytes on their own; the last test replays
the documented envelope over TCP so the simulator's whole v2 crypto path is pinned to it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.simulator import SimulatedMiner, crypto
from tests.simulator.auth import Credential

from . import wire

if TYPE_CHECKING:
    from tests.simulator.fixtures import MinerFactory
    from tests.simulator.state import LedSetting

    from .clocks import FakeClock

PASSWORD = "admin"
SALT = "BQ5hoXV9"
NEWSALT = "jbzkfQls"
TIME = "5626"
CRYPTED = "$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81"
KEY = "RxmaDUO33TS7O26yeMHZ81"
SIGN = "w.BNbkCV6n1aNWgiBWLzT/"
AES_KEY_HEX = "199e0a202039bb7b558db7a54697dca29cb278055b7e659a127fb844d5a2fbf6"
SET_LED = {"cmd": "set_led", "param": "auto", "token": SIGN}
REQUEST = (
    '{"enc": 1, "data": "K5NDiWBAqb++VrZy8g0NEQIjuugciGp5pA1ArzU2pL5XTmN6SQk3XqD3k1rRhHjK'
    'lfF7Lm0yZven4kgF8PwrGLDnbXgZ5IEyS3PufKegTuA="}'
)
REPLY_WHEN = 1594179080
REPLY_PLAIN = '{"STATUS":"S","When":1594179080,"Code":131,"Msg":"API command OK","Description":""}'
REPLY_ENC = (
    "C/UGIQ8LwD66stwLyOOcMyhtfE8PGHCkOTJfNcqQwg53lluOVpsOSpBcGhtOpg0QfXzqoVOPWCksKSnoq5Fd"
    "lDzf1zswfpjLBG0UghjHFmJyj0Iw94hY+ImJc0aQQ3bU"
)
V3_CMD = "set.miner.power_limit"
V3_PASSWORD = "super"
V3_SALT = "uhCiDyVj"
V3_TS = 1773869570
V3_DIGEST_HEX = "4da0746c276c5a4a8b3bcbaa5134a32e4e2d23c1dfecfc012e3a27e5de18e355"
V3_TOKEN = "TaB0bCds"


def test_reference_client_matches_the_v2_vectors() -> None:
    assert wire.v2_key(PASSWORD, SALT) == KEY
    assert wire.v2_sign(KEY, TIME, NEWSALT) == SIGN
    key = wire.aes_key(KEY)
    assert key.hex() == AES_KEY_HEX
    assert wire.envelope(key, SET_LED) == REQUEST.encode()
    assert wire.open_reply(key, {"enc": REPLY_ENC}) == json.loads(REPLY_PLAIN)


def test_reference_client_matches_the_v3_vector() -> None:
    digest = wire.v3_digest(V3_CMD, V3_PASSWORD, V3_SALT, V3_TS)
    assert digest.hex() == V3_DIGEST_HEX
    assert wire.v3_token(V3_CMD, V3_PASSWORD, V3_SALT, V3_TS) == V3_TOKEN


def test_simulator_crypto_matches_the_v2_vectors() -> None:
    assert crypto.md5_crypt(PASSWORD, SALT) == CRYPTED
    assert crypto.v2_sign(KEY, TIME, NEWSALT) == SIGN
    key = crypto.v2_aes_key(KEY)
    assert key.hex() == AES_KEY_HEX
    ciphertext = crypto.aes_encrypt_nul_padded(key, REPLY_PLAIN.encode())
    assert crypto.b64encode(ciphertext) == REPLY_ENC
    request_data = json.loads(REQUEST)["data"]
    plaintext = crypto.aes_decrypt(key, crypto.b64decode(request_data))
    assert json.loads(plaintext) == SET_LED


def test_simulator_crypto_matches_the_v3_vector() -> None:
    digest = crypto.v3_digest(V3_CMD, V3_PASSWORD, V3_SALT, V3_TS)
    assert digest.hex() == V3_DIGEST_HEX
    assert crypto.v3_token(digest) == V3_TOKEN


@pytest.mark.parametrize(
    ("padded", "expected"),
    [
        (b"{}" + b"\x00" * 14, b"{}"),
        (b"{}" + bytes([14]) * 14, b"{}"),
        (b"0123456789abcdef" + bytes([16]) * 16, b"0123456789abcdef"),
        (b"0123456789abcdef", b"0123456789abcdef"),
    ],
)
def test_simulator_strips_nul_and_pkcs7_padding(padded: bytes, expected: bytes) -> None:
    assert crypto.strip_padding(padded) == expected


def test_credential_stores_md5_crypt_of_the_password() -> None:
    credential = Credential(password=PASSWORD, salt=SALT)
    assert credential.crypted == CRYPTED
    assert credential.password_hash == KEY
    assert credential.aes_key.hex() == AES_KEY_HEX


def test_random_salts_use_the_md5_crypt_alphabet() -> None:
    salts = {crypto.random_salt() for _ in range(50)}
    assert len(salts) > 45
    assert all(len(salt) == 8 and set(salt) <= set(crypto.SALT_ALPHABET) for salt in salts)


async def test_miner_accepts_the_documented_envelope_and_replies_the_documented_bytes(
    miner_factory: MinerFactory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay PROTOCOL.md §2.3 byte for byte: same salt, newsalt, time, request and reply."""
    clock.now = 1592555626  # "time": "5626"
    miner: SimulatedMiner = await miner_factory(password=PASSWORD, clock=clock)
    miner.auth._credential = Credential(password=PASSWORD, salt=SALT)
    manual: LedSetting = {"color": "red", "period": 200, "duration": 100, "start": 0}
    miner.state.led = manual
    miner.auth.lifetime_s = 10**9  # the documented reply is 19 days younger than its token
    monkeypatch.setattr("tests.simulator.v2.random_salt", lambda: NEWSALT)

    token_reply = await wire.ask(miner.host, {"cmd": "get_token"})
    assert token_reply["Msg"] == {"time": TIME, "salt": SALT, "newsalt": NEWSALT}

    clock.now = REPLY_WHEN
    reply = wire.parse(await wire.exchange(miner.host, REQUEST.encode()))
    assert reply == {"enc": REPLY_ENC}
    assert miner.commands == ["get_token", "set_led"]
    assert miner.state.led == "auto"
