"""The AES-256-ECB cipher both API generations use (ECB is the vendor's choice, not ours).

API v2 pads its commands with NUL bytes (:mod:`.v2.crypto`), API v3 its secret
parameters with PKCS#7 (:mod:`.v3.crypto`). Nothing here logs: every value is a secret.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_BLOCK_BYTES = 16
"""AES works on 16-byte blocks: v2 pads them with NUL bytes, v3 parameters with PKCS#7."""


def ecb_cipher(key: bytes) -> Cipher[modes.ECB]:
    """Build the AES-256-ECB cipher both APIs use (ECB is the vendor's choice, not ours)."""
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - mandated by the protocol
