"""A minimal, independent Whatsminer client used to test the simulator over real TCP.

It re-implements the protocol's cryptography from PROTOCOL.md on its own (passlib md5-crypt,
`cryptography` AES, hashlib sha256) and never imports tests.simulator.crypto or the
integration's client, so a mistake in either cannot hide itself. test_reference_crypto.py
pins it to PROTOCOL.md's test vectors.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
import hashlib
import json
import struct
import time
from typing import Any, Literal

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from passlib.hash import md5_crypt

V2_PORT = 4028
V3_PORT = 4433
V3_PASSWORD = "super"  # PROTOCOL.md §4.3: account super, default password = account name
TIMEOUT = 5.0

type Padding = Literal["nul", "pkcs7"]


# --- cryptography (PROTOCOL.md §2.2, §2.3, §4.3, §4.4) ---


def crypt_body(secret: str, salt: str) -> str:
    """Return the hash part of `$1$salt$hash`."""
    return str(md5_crypt.using(salt=salt).hash(secret)).split("$")[3]


def v2_key(password: str, salt: str) -> str:
    """Return host_passwd_md5, the hash body of the admin password."""
    return crypt_body(password, salt)


def v2_sign(key: str, time4: str, newsalt: str) -> str:
    """Return host_sign, the token of one get_token reply."""
    return crypt_body(key + time4[-4:], newsalt)


def aes_key(key: str) -> bytes:
    """Return the envelope's AES-256 key."""
    return hashlib.sha256(key.encode()).digest()


def _ecb(key: bytes) -> Cipher[modes.ECB]:
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - the protocol's mode


def encrypt(key: bytes, plaintext: bytes, pad: Padding = "nul") -> bytes:
    """AES-256-ECB with NUL padding (pyasic) or PKCS#7 (Tether)."""
    if pad == "nul":
        padded = plaintext + b"\x00" * (-len(plaintext) % 16)
    else:
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
    encryptor = _ecb(key).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def decrypt(key: bytes, ciphertext: bytes) -> bytes:
    """AES-256-ECB without touching the padding."""
    decryptor = _ecb(key).decryptor()
    return decryptor.update(ciphertext) + decryptor.finalize()


def envelope(key: bytes, command: dict[str, Any], pad: Padding = "nul") -> bytes:
    """Wrap a command in `{"enc": 1, "data": b64}`, serialised as pyasic does."""
    data = base64.b64encode(encrypt(key, json.dumps(command).encode(), pad)).decode()
    return json.dumps({"enc": 1, "data": data}).encode()


def open_reply(key: bytes, reply: dict[str, Any]) -> dict[str, Any]:
    """Decrypt `{"enc": b64}` and strip the NUL padding."""
    plaintext = decrypt(key, base64.b64decode(reply["enc"])).rstrip(b"\x00")
    result: dict[str, Any] = json.loads(plaintext)
    return result


def v3_digest(cmd: str, password: str, salt: str, ts: int) -> bytes:
    """Return sha256(cmd + password + salt + ts)."""
    return hashlib.sha256((cmd + password + salt + str(ts)).encode()).digest()


def v3_token(cmd: str, password: str, salt: str, ts: int) -> str:
    """Return base64(digest)[:8]."""
    return base64.b64encode(v3_digest(cmd, password, salt, ts)).decode()[:8]


# --- API v2 transport: one request per connection ---


async def exchange(host: str, request: bytes, port: int = V2_PORT) -> bytes:
    """Send raw request bytes and read until the miner closes."""
    async with asyncio.timeout(TIMEOUT):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()
            await writer.wait_closed()


def parse(raw: bytes) -> dict[str, Any]:
    """Parse a reply, dropping the one trailing NUL some firmware sends."""
    result: dict[str, Any] = json.loads(raw.removesuffix(b"\x00"))
    return result


async def ask(host: str, request: dict[str, Any], port: int = V2_PORT) -> dict[str, Any]:
    """Send a plaintext JSON request and parse the reply."""
    return parse(await exchange(host, json.dumps(request).encode(), port))


@dataclass
class V2Session:
    """Privileged v2 commands as pyasic sends them: get_token, then the envelope."""

    host: str
    password: str
    port: int = V2_PORT
    pad: Padding = "nul"
    token: str = ""
    key: bytes = b""
    salt: str = ""
    replies: list[dict[str, Any]] = field(default_factory=list)

    async def get_token(self) -> dict[str, Any]:
        """Fetch a token; keep the sign and key; return the reply."""
        reply = await ask(self.host, {"command": "get_token"}, self.port)
        msg = reply["Msg"]
        if isinstance(msg, dict):
            self.salt = msg["salt"]
            host_key = v2_key(self.password, msg["salt"])
            self.token = v2_sign(host_key, msg["time"], msg["newsalt"])
            self.key = aes_key(host_key)
        return reply

    async def send_raw(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one envelope as is (the token must already be in `command`)."""
        raw = await exchange(self.host, envelope(self.key, command, self.pad), self.port)
        return parse(raw)

    async def run(self, cmd: str, **params: Any) -> dict[str, Any]:
        """Run a privileged command (fetching a token first if needed); decrypt the reply."""
        if not self.token:
            await self.get_token()
        reply = await self.send_raw({"cmd": cmd, **params, "token": self.token})
        return open_reply(self.key, reply) if "enc" in reply else reply


# --- API v3 transport: framed, persistent ---


class V3Connection:
    """One persistent v3 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Wrap an open stream."""
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int = V3_PORT) -> V3Connection:
        """Connect."""
        async with asyncio.timeout(TIMEOUT):
            reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send_frame(self, body: bytes) -> None:
        """Send one length-prefixed frame."""
        self.writer.write(struct.pack("<I", len(body)) + body)
        await self.writer.drain()

    async def read_frame(self) -> bytes:
        """Read one length-prefixed frame."""
        async with asyncio.timeout(TIMEOUT):
            (size,) = struct.unpack("<I", await self.reader.readexactly(4))
            return await self.reader.readexactly(size)

    async def request(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send a JSON request and read its reply."""
        await self.send_frame(json.dumps(request).encode())
        result: dict[str, Any] = json.loads(await self.read_frame())
        return result

    async def read_to_end(self) -> bytes:
        """Read until the miner closes the connection; return what came (b"" = no reply)."""
        async with asyncio.timeout(TIMEOUT):
            return await self.reader.read()

    async def heartbeat(self) -> None:
        """Send a zero-length frame."""
        await self.send_frame(b"")

    async def salt(self) -> str:
        """Read the salt from get.device.info."""
        reply = await self.request({"cmd": "get.device.info", "param": "salt"})
        return str(reply["msg"]["salt"])

    async def write(
        self, cmd: str, param: object, password: str, *, ts: int | None = None
    ) -> dict[str, Any]:
        """Send a token-signed set.* command."""
        salt = await self.salt()
        ts = int(time.time()) if ts is None else ts
        token = v3_token(cmd, password, salt, ts)
        request = {"cmd": cmd, "param": param, "ts": ts, "token": token, "account": "super"}
        return await self.request(request)

    async def close(self) -> None:
        """Close the connection (quietly, if the miner already reset it)."""
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


def v3_encrypted_param(
    cmd: str, password: str, salt: str, ts: int, *, value: object, pad: Padding
) -> str:
    """Encrypt a v3 param (set.miner.pools) with the token's digest as key."""
    key = v3_digest(cmd, password, salt, ts)
    return base64.b64encode(encrypt(key, json.dumps(value).encode(), pad)).decode()
