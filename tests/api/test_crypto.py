"""The v2 key, sign and envelope, the v3 token and parameter encryption, against PROTOCOL.md."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
import pytest

from custom_components.whatsminer.api import WhatsminerInvalidReplyError
from custom_components.whatsminer.api.v2.crypto import (
    aes_key,
    decrypt_reply,
    derive_key,
    derive_sign,
    encrypt_command,
)
from custom_components.whatsminer.api.v3.crypto import encrypt_v3_param, v3_digest, v3_token

# PROTOCOL.md §2.2 and §2.3 (computed with openssl from the vendor's example values).
PASSWORD, SALT, NEWSALT, TIME = "admin", "BQ5hoXV9", "jbzkfQls", "5626"
KEY = "RxmaDUO33TS7O26yeMHZ81"
SIGN = "w.BNbkCV6n1aNWgiBWLzT/"
AES_KEY_HEX = "199e0a202039bb7b558db7a54697dca29cb278055b7e659a127fb844d5a2fbf6"
REQUEST_DATA = (
    "K5NDiWBAqb++VrZy8g0NEQIjuugciGp5pA1ArzU2pL5XTmN6SQk3XqD3k1rRhHjKlfF7Lm0yZven4kgF8PwrGLDnbX"
    "gZ5IEyS3PufKegTuA="
)
REPLY_ENC = (
    "C/UGIQ8LwD66stwLyOOcMyhtfE8PGHCkOTJfNcqQwg53lluOVpsOSpBcGhtOpg0QfXzqoVOPWCksKSnoq5FdlDzf1z"
    "swfpjLBG0UghjHFmJyj0Iw94hY+ImJc0aQQ3bU"
)
REPLY_PLAIN = b'{"STATUS":"S","When":1594179080,"Code":131,"Msg":"API command OK","Description":""}'


def test_key_is_the_md5_crypt_body_of_the_password() -> None:
    assert derive_key(PASSWORD, SALT) == KEY


def test_sign_uses_the_key_and_the_last_four_digits_of_time() -> None:
    assert derive_sign(KEY, TIME, NEWSALT) == SIGN
    assert derive_sign(KEY, "159255" + TIME, NEWSALT) == SIGN


def test_aes_key_is_the_sha256_of_the_key() -> None:
    assert aes_key(KEY).hex() == AES_KEY_HEX


def test_request_envelope_matches_the_vector() -> None:
    command = {"cmd": "set_led", "param": "auto", "token": SIGN}

    envelope = json.loads(encrypt_command(command, aes_key(KEY)))

    assert envelope == {"enc": 1, "data": REQUEST_DATA}


def test_request_of_whole_blocks_gets_no_padding_block() -> None:
    command = {"cmd": "x" * 5}  # {"cmd": "xxxxx"} is 16 bytes

    envelope = json.loads(encrypt_command(command, aes_key(KEY)))

    assert len(base64.b64decode(envelope["data"])) == 16


def test_reply_vector_decrypts_without_its_padding() -> None:
    assert decrypt_reply(REPLY_ENC, aes_key(KEY)) == REPLY_PLAIN


def _encrypt(plaintext: bytes) -> str:
    encryptor = Cipher(algorithms.AES(aes_key(KEY)), modes.ECB()).encryptor()  # noqa: S305
    return base64.b64encode(encryptor.update(plaintext) + encryptor.finalize()).decode()


def _pkcs7(plaintext: bytes) -> bytes:
    pad = 16 - len(plaintext) % 16
    return plaintext + bytes([pad]) * pad


@pytest.mark.parametrize(
    ("padded", "expected"),
    [
        (_pkcs7(REPLY_PLAIN), REPLY_PLAIN),  # as the Tether simulator pads
        (_pkcs7(b'{"STATUS":"S","Msg":"OK"}' + b" " * 7), b'{"STATUS":"S","Msg":"OK"}' + b" " * 7),
        (_pkcs7(REPLY_PLAIN) + bytes(16), REPLY_PLAIN),  # PKCS#7, then a NUL block
    ],
    ids=["partial-block", "whole-block", "then-nul"],
)
def test_pkcs7_padded_reply_loses_its_pad(padded: bytes, expected: bytes) -> None:
    assert decrypt_reply(_encrypt(padded), aes_key(KEY)) == expected


def test_bytes_that_are_no_valid_pad_are_kept() -> None:
    plaintext = b"{}" + b"\3" * 2 + bytes(12)  # ends in 3, but only twice: no PKCS#7 pad

    assert decrypt_reply(_encrypt(plaintext), aes_key(KEY)) == b"{}\3\3"


def test_reply_base64_may_hold_whitespace_and_line_breaks() -> None:
    wrapped = " ".join(REPLY_ENC[i : i + 76] for i in range(0, len(REPLY_ENC), 76))

    assert decrypt_reply(f"{wrapped[:40]}\n{wrapped[40:]}\r\n", aes_key(KEY)) == REPLY_PLAIN


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (123, "not a string"),
        ("not base64!", "not base64"),
        ("ünïcode", "not base64"),
        ("", "whole AES blocks"),
        (base64.b64encode(b"short").decode(), "whole AES blocks"),
    ],
)
def test_undecryptable_replies_are_invalid(data: object, reason: str) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match=reason):
        decrypt_reply(data, aes_key(KEY))


V3_DIGEST_HEX = "4da0746c276c5a4a8b3bcbaa5134a32e4e2d23c1dfecfc012e3a27e5de18e355"


def test_v3_token_matches_the_vector() -> None:
    # PROTOCOL.md §4.3
    assert v3_token("set.miner.power_limit", "super", "uhCiDyVj", 1773869570) == "TaB0bCds"


def test_v3_digest_matches_the_vector() -> None:
    digest = v3_digest("set.miner.power_limit", "super", "uhCiDyVj", 1773869570)

    assert digest.hex() == V3_DIGEST_HEX


def _decrypt_v3(param: str, key: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()  # noqa: S305
    return decryptor.update(base64.b64decode(param)) + decryptor.finalize()


@pytest.mark.parametrize(
    ("param", "plaintext"),
    [
        (
            [{"pool": "stratum+tcp://p:3333", "worker": "w", "passwd": "x"}],
            b'[{"pool":"stratum+tcp://p:3333","worker":"w","passwd":"x"}]',
        ),
        ("x" * 14, b'"' + b"x" * 14 + b'"'),  # 16 bytes: a whole block of padding follows
    ],
    ids=["pools", "whole-block"],
)
def test_v3_param_is_compact_json_aes_ecb_pkcs7_base64(param: object, plaintext: bytes) -> None:
    key = bytes.fromhex(V3_DIGEST_HEX)

    decrypted = _decrypt_v3(encrypt_v3_param(param, key), key)

    pad = 16 - len(plaintext) % 16
    assert decrypted == plaintext + bytes([pad]) * pad
