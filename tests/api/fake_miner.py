"""A small scriptable API v2 miner on 127.0.0.1, for the client's network tests.

It answers plaintext reads from the captured fixtures, hands out tokens, decrypts
privileged commands and checks their tokens the way the firmware does (PROTOCOL.md
§2), using passlib and cryptography directly rather than the client's own crypto
module. Tests script failures per command with :attr:`FakeMiner.script`.

The real simulator (``tests/simulator``) models a whole miner; this one exists to
produce every error path on demand.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
import enum
import hashlib
import json
from pathlib import Path
import secrets
import socket
import struct
import time
from typing import TYPE_CHECKING, Any, Self

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from passlib.hash import md5_crypt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

FIXTURES = Path(__file__).parent.parent / "fixtures"

type Json = dict[str, Any]


def fixture(name: str) -> Json:
    """Load one captured reply."""
    loaded: Json = json.loads((FIXTURES / name).read_text())
    return loaded


def btminer_reply(msg: object, *, code: object = 131, status: str = "S") -> Json:
    """Build a BTMiner-style reply."""
    return {"STATUS": status, "When": 1700000000, "Code": code, "Msg": msg, "Description": ""}


INVALID_CMD: Json = btminer_reply("invalid cmd", code=14, status="E")
WRITE_OK: Json = btminer_reply("API command OK")


class Action(enum.Enum):
    """Scripted misbehaviour for one request."""

    DROP = "close the connection without replying"
    RESET = "reset the connection (RST) without replying"
    HANG = "never reply"
    PARTIAL_THEN_RESET = "send half a reply, then reset"
    APPLY_THEN_DROP = "run the privileged command, then close without replying"


type Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def loopback_server(handle: Handler) -> AsyncIterator[int]:
    """Serve ``handle`` on 127.0.0.1, a task per connection; yield the port.

    On the way out the server closes and every connection task still running is
    cancelled and awaited, so none outlives the test.
    """
    tasks: set[asyncio.Task[Any]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        await handle(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN: linger on, timeout zero."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _body(secret: str, salt: str) -> str:
    return str(md5_crypt.using(salt=salt).hash(secret)).rsplit("$", 1)[1]


def _aes(key: bytes) -> Cipher[modes.ECB]:
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def encrypt_reply(reply: Json, key: bytes) -> bytes:
    """Encrypt a reply the way the miner does: NUL padding, ``{"enc": "<b64>"}``."""
    plain = json.dumps(reply).encode()
    plain += b"\0" * (-len(plain) % 16)
    encryptor = _aes(key).encryptor()
    data = encryptor.update(plain) + encryptor.finalize()
    return json.dumps({"enc": base64.b64encode(data).decode()}).encode()


def default_replies() -> dict[str, Json | bytes]:
    """Return the replies of an API 2.0.5 miner, assembled from the captures."""
    return {
        "summary": fixture("asicrs_v2_summary.json"),
        "edevs": fixture("official205_edevs.json"),
        "devs": fixture("asicrs_v2_devs.json"),
        "pools": fixture("asicrs_v2_pools.json"),
        "devdetails": fixture("official205_devdetails.json"),
        "status": fixture("asicrs-pr187_status_fw20240924.json"),
        "get_error_code": fixture("asicrs_v2_get_error_code_with_errors.json"),
        "get_psu": fixture("official205_get_psu.json"),
        "get_version": fixture("asicrs_v2_get_version.json"),
        "get_miner_info": fixture("asicrs_v2_get_miner_info.json"),
    }


JOINABLE = frozenset({"summary", "edevs", "devs", "pools", "devdetails"})


@dataclass
class FakeMiner:
    """A v2 miner with canned replies and a real privileged flow."""

    password: str = "admin"
    salt: str = "BQ5hoXV9"
    replies: dict[str, Json | bytes] = field(default_factory=default_replies)
    script: dict[str, list[Action | Json | bytes]] = field(default_factory=dict)
    api_switch: bool = True
    joins: bool = True
    tokens_left: int = 32
    requests: list[Json] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    signs: list[str] = field(default_factory=list)
    connections: int = 0
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def port(self) -> int:
        """The port the miner listens on."""
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def key(self) -> str:
        """The md5-crypt key of the current password and salt."""
        return _body(self.password, self.salt)

    @property
    def aes_key(self) -> bytes:
        """The AES key the client must use."""
        return hashlib.sha256(self.key.encode()).digest()

    async def start(self) -> Self:
        """Listen on 127.0.0.1 on a free port."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        """Stop listening and end every open connection."""
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def __aenter__(self) -> Self:
        """Start, for ``async with``."""
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop, for ``async with``."""
        await self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            data = b""
            while chunk := await reader.read(65536):
                data += chunk
                with contextlib.suppress(ValueError):
                    json.loads(data)
                    break
            answer = self._answer(json.loads(data))
            await self._perform(answer, writer)
        except asyncio.CancelledError:
            writer.transport.abort()
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _perform(self, answer: Action | Json | bytes, writer: asyncio.StreamWriter) -> None:
        if answer is Action.DROP:
            return
        if answer is Action.RESET:
            reset(writer)
            return
        if answer is Action.HANG:
            await asyncio.Event().wait()
        if answer is Action.PARTIAL_THEN_RESET:
            writer.write(b'{"STATUS":[{"STATUS":"S"')
            await writer.drain()
            await asyncio.sleep(0.01)
            reset(writer)
            return
        writer.write(answer if isinstance(answer, bytes) else json.dumps(answer).encode())
        await writer.drain()

    def _scripted(self, command: str) -> Action | Json | bytes | None:
        queue = self.script.get(command)
        return queue.pop(0) if queue else None

    def _answer(self, request: Json) -> Action | Json | bytes:
        if request.get("enc") == 1:
            return self._privileged(request)
        self.requests.append(request)
        command = str(request.get("cmd", request.get("command")))
        if (scripted := self._scripted(command)) is not None:
            return scripted
        if command == "get_token":
            return self._token()
        parts = command.split("+")
        if len(parts) > 1:
            return self._joined(parts)
        return self.replies.get(command, INVALID_CMD)

    def _joined(self, parts: list[str]) -> Json:
        if not self.joins or not set(parts) <= JOINABLE:
            return btminer_reply("command join err", code=45, status="E")
        joined: Json = {"id": 1}
        for part in parts:
            reply = self.replies.get(part, INVALID_CMD)
            joined[part] = [reply if isinstance(reply, dict) else json.loads(reply)]
        return joined

    def _token(self) -> Json:
        if self.tokens_left <= 0:
            return btminer_reply("over max connect", code=136, status="E")
        self.tokens_left -= 1
        token_time = str(int(time.time()))[-4:]
        newsalt = "".join(secrets.choice("abcdefghABCDEFGH01234567./") for _ in range(8))
        self.signs.append(_body(self.key + token_time, newsalt))
        return btminer_reply({"time": token_time, "salt": self.salt, "newsalt": newsalt}, code=134)

    def _privileged(self, envelope: Json) -> Action | Json | bytes:
        try:
            decryptor = _aes(self.aes_key).decryptor()
            data = base64.b64decode(envelope["data"])
            plain = decryptor.update(data) + decryptor.finalize()
            command: Json = json.loads(plain.rstrip(b"\0"))
        except ValueError:
            return btminer_reply("enc json load err", code=23, status="E")
        self.requests.append(command)
        if command.get("token") not in self.signs:
            return encrypt_reply(
                btminer_reply("check token err", code=135, status="E"), self.aes_key
            )
        if not self.api_switch:
            return btminer_reply("can't access write cmd", code=45, status="E")
        name = str(command["cmd"])
        scripted = self._scripted(name)
        if scripted is not None and scripted is not Action.APPLY_THEN_DROP:
            return scripted
        reply = self._execute(command)
        return Action.DROP if scripted is Action.APPLY_THEN_DROP else reply

    def _execute(self, command: Json) -> bytes:
        name = str(command["cmd"])
        self.executed.append(name)
        key = self.aes_key
        if name == "update_pwd":
            self.password, self.salt = command["new"], "NEWsalt1"
        if name == "status":
            return encrypt_reply(self.replies["status"], key)  # type: ignore[arg-type]
        return encrypt_reply(WRITE_OK, key)
