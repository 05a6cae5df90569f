"""The miner's side of the API cryptography (PROTOCOL.md §2.2, §2.3, §4.3, §4.4).

v2: the admin password is stored as md5-crypt `$1$salt$hash`; `get_token` signs
`hash + time` with a fresh salt; requests and replies are AES-256-ECB under sha256(hash).
v3: the token is base64(sha256(cmd + password + salt + ts))[:8] and the same raw digest is the
AES key of encrypted parameters.

This module is deliberately separate from the client's crypto (custom_components/…/api): the
simulator's tests check it against PROTOCOL.md's test vectors so the two cannot drift together.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from passlib.hash import md5_crypt as _md5_crypt

SALT_ALPHABET = "./" + string.digits + string.ascii_uppercase + string.ascii_lowercase
SALT_LENGTH = 8
AES_BLOCK = 16


def random_salt() -> str:
    """Return a fresh 8-character md5-crypt salt (alphabet `./0-9A-Za-z`)."""
    return "".join(secrets.choice(SALT_ALPHABET) for _ in range(SALT_LENGTH))


def md5_crypt(secret: str, salt: str) -> str:
    """Return the full `$1$salt$hash` md5-crypt string."""
    return str(_md5_crypt.using(salt=salt).hash(secret))


def md5_crypt_body(secret: str, salt: str) -> str:
    """Return only the 22-character hash part of md5-crypt (what the protocol passes on)."""
    return md5_crypt(secret, salt).split("$")[3]


def v2_sign(password_hash: str, time: str, newsalt: str) -> str:
    """Return the token ("host_sign") a `get_token` reply lets a client compute."""
    return md5_crypt_body(password_hash + time[-4:], newsalt)


def v2_aes_key(password_hash: str) -> bytes:
    """Return the AES-256 key of the v2 envelope: sha256 of the password's hash body."""
    return hashlib.sha256(password_hash.encode("ascii")).digest()


def _cipher(key: bytes) -> Cipher[modes.ECB]:
    # ECB is what the firmware uses; this is protocol emulation, not a security choice.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def aes_encrypt_nul_padded(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt `plaintext` NUL-padded to the block size, as the miner pads its replies."""
    padded = plaintext + b"\x00" * (-len(plaintext) % AES_BLOCK)
    encryptor = _cipher(key).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt(key: bytes, ciphertext: bytes) -> bytes:
    """Decrypt and strip the padding; raise ValueError if the length is not whole blocks."""
    if not ciphertext or len(ciphertext) % AES_BLOCK:
        raise ValueError("ciphertext is not a whole number of AES blocks")
    decryptor = _cipher(key).decryptor()
    return strip_padding(decryptor.update(ciphertext) + decryptor.finalize())


def strip_padding(data: bytes) -> bytes:
    """Remove PKCS#7 padding if the tail is a valid pad, else trailing NULs (both seen)."""
    pad = data[-1] if data else 0
    if 1 <= pad <= AES_BLOCK and data.endswith(bytes([pad]) * pad):
        return data[:-pad]
    return data.rstrip(b"\x00")


def b64encode(data: bytes) -> str:
    """Encode as standard base64, with `=` padding and no newlines."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64; raise ValueError on anything else."""
    return base64.b64decode(text, validate=True)


def v3_digest(cmd: str, password: str, salt: str, ts: int) -> bytes:
    """Return the raw sha256 behind a v3 token (also the key of encrypted parameters)."""
    return hashlib.sha256(f"{cmd}{password}{salt}{ts}".encode()).digest()


def v3_token(digest: bytes) -> str:
    """Return the 8-character v3 token of a digest."""
    return b64encode(digest)[:8]
