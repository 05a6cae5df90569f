"""The cryptography of API v2 (PROTOCOL.md §2.2 and §2.3), as pure functions.

``get_token`` hands out a stable ``salt`` (the salt of the admin password's md5-crypt
hash), a fresh ``newsalt`` and a 4-digit ``time``. The client derives

* the *key*: the hash body of ``md5_crypt(password, salt)``, whose SHA-256 is the AES key;
* the *sign*: the hash body of ``md5_crypt(key + time[-4:], newsalt)``, sent as ``token``.

Privileged commands travel as ``{"enc": 1, "data": base64(AES-256-ECB(json))}`` with NUL
padding, and encrypted replies come back as ``{"enc": "<base64>"}``.

md5-crypt costs a few milliseconds of CPU, so callers run :func:`derive_key` and
:func:`derive_sign` off the event loop. Nothing here logs: every value is a secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import TYPE_CHECKING

from passlib.hash import md5_crypt

from ..crypto import AES_BLOCK_BYTES, ecb_cipher
from ..errors import WhatsminerInvalidReplyError

if TYPE_CHECKING:
    from collections.abc import Mapping


def _md5_crypt_body(secret: str, salt: str) -> str:
    """Return the 22-character hash body of ``$1$salt$body``, which is all the API uses."""
    hashed: str = md5_crypt.using(salt=salt).hash(secret)
    return hashed.rsplit("$", 1)[1]


def derive_key(password: str, salt: str) -> str:
    """Return the v2 key (``host_passwd_md5``): stable while the password and salt are."""
    return _md5_crypt_body(password, salt)


def derive_sign(key: str, time: str, newsalt: str) -> str:
    """Return the v2 token sign for one ``get_token`` answer.

    The miner sends the last four digits of its clock; ``time[-4:]`` also follows the
    vendor's shell example should a firmware ever send a whole timestamp.
    """
    return _md5_crypt_body(key + time[-4:], newsalt)


def aes_key(key: str) -> bytes:
    """Return the 32-byte AES-256 key derived from the v2 key."""
    return hashlib.sha256(key.encode("ascii")).digest()


def encrypt_command(command: Mapping[str, object], key: bytes) -> bytes:
    """Return the wire bytes of an encrypted v2 request, ``{"enc": 1, "data": …}``.

    The plaintext uses Python's default JSON separators, as the reference clients do;
    the miner ignores key order and whitespace, and the test vectors depend on them.
    """
    plaintext = json.dumps(command).encode()
    padded = plaintext + b"\0" * (-len(plaintext) % AES_BLOCK_BYTES)
    encryptor = ecb_cipher(key).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    envelope = {"enc": 1, "data": base64.b64encode(ciphertext).decode("ascii")}
    return json.dumps(envelope).encode()


def _strip_padding(plaintext: bytes) -> bytes:
    """Drop the padding of a decrypted reply: NUL bytes, then a valid PKCS#7 pad.

    Firmware pads with NULs; a PKCS#7-padded reply (as the Tether simulator sends) ends
    in 1 to 16 copies of the pad length instead. JSON never ends in such a control
    byte, so removing a valid pad cannot cut into the reply itself.
    """
    unpadded = plaintext.rstrip(b"\0")
    pad = unpadded[-1:]
    size = pad[0] if pad else 0
    if 1 <= size <= AES_BLOCK_BYTES and unpadded.endswith(pad * size):
        return unpadded[:-size]
    return unpadded


def decrypt_reply(data: object, key: bytes) -> bytes:
    """Decrypt the value of an encrypted reply's ``enc`` key to its plaintext bytes.

    Raises WhatsminerInvalidReplyError for anything that is not base64 of whole AES
    blocks; whitespace and line breaks inside the base64 (``encodebytes`` style) are
    ignored. The padding is dropped; what remains still has to be parsed.
    """
    if not isinstance(data, str):
        raise WhatsminerInvalidReplyError("encrypted reply is not a string")
    try:
        ciphertext = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as err:
        raise WhatsminerInvalidReplyError("encrypted reply is not base64") from err
    if not ciphertext or len(ciphertext) % AES_BLOCK_BYTES:
        raise WhatsminerInvalidReplyError("encrypted reply is not whole AES blocks")
    decryptor = ecb_cipher(key).decryptor()
    return _strip_padding(decryptor.update(ciphertext) + decryptor.finalize())
