"""The cryptography of API v3 writes (PROTOCOL.md §4.3, §4.4), as pure functions.

Each write is signed with ``base64(sha256(cmd + password + salt + ts))[:8]``; the same raw
SHA-256 digest is the AES-256 key of the parameters that travel encrypted
(``set.miner.pools``), as PKCS#7-padded AES-256-ECB in base64. Nothing here logs: every
value is a secret.
"""

from __future__ import annotations

import base64
import hashlib
import json

from ..crypto import AES_BLOCK_BYTES, ecb_cipher


def v3_digest(command: str, password: str, salt: str, timestamp: int) -> bytes:
    """Return the raw SHA-256 that signs one v3 write and keys its encrypted parameter."""
    return hashlib.sha256(f"{command}{password}{salt}{timestamp}".encode()).digest()


def v3_token(command: str, password: str, salt: str, timestamp: int) -> str:
    """Return the 8-character token that signs one v3 write command."""
    digest = v3_digest(command, password, salt, timestamp)
    return base64.b64encode(digest).decode("ascii")[:8]


def encrypt_v3_param(param: object, key: bytes) -> str:
    """Return the v3 wire form of a secret parameter: base64 of AES-256-ECB, PKCS#7 padded.

    ``key`` is the write's :func:`v3_digest`. The parameter is JSON-encoded once, compactly,
    as Tether's hardware-checked client does (MicroBT's demo encodes it twice).
    """
    plaintext = json.dumps(param, separators=(",", ":")).encode()
    pad = AES_BLOCK_BYTES - len(plaintext) % AES_BLOCK_BYTES
    encryptor = ecb_cipher(key).encryptor()
    ciphertext = encryptor.update(plaintext + bytes([pad]) * pad) + encryptor.finalize()
    return base64.b64encode(ciphertext).decode("ascii")
