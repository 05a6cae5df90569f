"""API v2 (port 4028) as the firmware answers it: one JSON request in, one reply out.

This module is the protocol without sockets: the miner's connection handler collects the
request bytes (`request_complete` says when to stop reading), calls `handle` with the client's
IP and sends the bytes that come back. The flow follows PROTOCOL.md §1-§2 and §6:

* plaintext reads with `cmd` or `command`; cgminer-style reads join with `+`, any number of
  them (pyasic sends three); with the quirk `two_joins` a join of more than two reads is
  refused as a whole with 14 "invalid cmd", as firmware that reads the vendor's "two joins"
  strictly would;
* `get_token` (plaintext only): stable md5-crypt salt, fresh newsalt, 4-digit time,
  at most 32 live tokens per client IP (Code 136 "over max connect");
* `{"enc": 1, "data": …}` envelopes: API switch off → plaintext 45 "can't access write cmd";
  bad base64 → plaintext 137; undecryptable (wrong password) → plaintext 23
  "enc json load err"; unknown or expired token → encrypted 135 "check token err";
  then the command (a privileged one, or a read) with an encrypted, NUL-padded reply; with
  the quirk `no_encrypted_reads` a read gets an encrypted 14 "invalid cmd" instead;
* a privileged command sent in plaintext → 45 "permission denied" (writes need the envelope);
* unknown commands → 14 "invalid cmd"; invalid parameter values → 132 "API command ERROR".
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import TYPE_CHECKING, Any

from .crypto import (
    aes_decrypt,
    aes_encrypt_nul_padded,
    b64decode,
    b64encode,
    random_salt,
    v2_sign,
)
from .params import InvalidParameterError
from .profiles import QUIRK_NO_ENCRYPTED_READS, QUIRK_TWO_JOINS
from .quirks import render_plaintext, to_json
from .v2_reads import JOINABLE_READS, SINGLE_READS, ReadContext, Reply, btminer_reply
from .v2_writes import WRITES, WriteResult

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .miner import SimulatedMiner
    from .state import RestartKind

MAX_REQUEST_BYTES = 64 * 1024
"""Refuse a join of more than two reads as a whole (PROTOCOL.md §1.2, §4.9)."""


@dataclass(frozen=True, slots=True)
class V2Reply:
    """The bytes to send back and what the miner does once they are sent."""

    payload: bytes
    restart: RestartKind | None = None
    trailer: bytes = b""
    receives_upload: bool = False


def _request_text(data: bytes | bytearray) -> str:
    return data.decode("utf-8", errors="replace").strip().strip("\x00").strip()


def request_complete(data: bytes | bytearray) -> bool:
    """Whether `data` holds a whole request: a balanced JSON object, or plainly not JSON.

    The client does not half-close its side, so the end of a request is the end of its JSON.
    """
    text = _request_text(data)
    if not text:
        return False
    if text[0] != "{":
        return True
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return True
    return False


def _error(miner: SimulatedMiner, code: int, msg: str) -> Reply:
    return btminer_reply(miner.state.clock(), msg, code=code, status="E")


def _plain(miner: SimulatedMiner, reply: Reply) -> V2Reply:
    return V2Reply(render_plaintext(reply, frozenset(miner.quirks)))


def _encrypted(key: bytes, reply: Reply, result: WriteResult | None = None) -> V2Reply:
    envelope = {"enc": b64encode(aes_encrypt_nul_padded(key, to_json(reply).encode()))}
    payload = to_json(envelope).encode()
    if result is None:
        return V2Reply(payload)
    return V2Reply(
        payload,
        restart=result.restart,
        trailer=result.trailer,
        receives_upload=result.receives_upload,
    )


def _command_name(request: Mapping[str, Any]) -> str | None:
    command = request.get("cmd", request.get("command"))
    return command if isinstance(command, str) and command else None


def handle(miner: SimulatedMiner, data: bytes, client_ip: str) -> V2Reply:
    """Answer one request from `client_ip`."""
    try:
        request = json.loads(_request_text(data))
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return _plain(miner, _error(miner, 23, "json cmd err"))
    if "enc" in request:
        return _handle_envelope(miner, request, client_ip)
    return _plain(miner, _plaintext_command(miner, request, client_ip))


def _plaintext_command(miner: SimulatedMiner, request: Mapping[str, Any], client_ip: str) -> Reply:
    command = _command_name(request)
    if command == "get_token":
        return _get_token(miner, request, client_ip)
    if command in WRITES:
        return _error(miner, 45, "permission denied")
    return _read(miner, command, request) or _error(miner, 14, "invalid cmd")


def _read(miner: SimulatedMiner, command: str | None, request: Mapping[str, Any]) -> Reply | None:
    """Run a read (single or `+`-joined); None if it is not one this firmware answers."""
    if command is None:
        return None
    parts = command.split("+")
    if len(parts) == 1 and command in SINGLE_READS:
        builders = [SINGLE_READS[command]]
    elif QUIRK_TWO_JOINS in miner.quirks and len(parts) > 2:
        return None
    elif all(part in JOINABLE_READS for part in parts):
        builders = [JOINABLE_READS[part] for part in parts]
    else:
        return None
    miner.record(command, request)
    context = ReadContext.measure(miner.state, miner.profile, frozenset(miner.quirks))
    if len(parts) == 1:
        return builders[0](context)
    joined: Reply = {part: [build(context)] for part, build in zip(parts, builders, strict=True)}
    return joined | {"id": 1}


def _get_token(miner: SimulatedMiner, request: Mapping[str, Any], client_ip: str) -> Reply:
    state = miner.state
    now = state.clock()
    credential = miner.auth.credential(state.password)
    time4 = str(int(now))[-4:]
    newsalt = random_salt()
    sign = v2_sign(credential.password_hash, time4, newsalt)
    if not miner.auth.issue(client_ip, sign, now):
        return _error(miner, 136, "over max connect")
    miner.record("get_token", request)
    msg = {"time": time4, "salt": credential.salt, "newsalt": newsalt}
    return btminer_reply(now, msg, code=134)


def _handle_envelope(miner: SimulatedMiner, envelope: Mapping[str, Any], client_ip: str) -> V2Reply:
    opened = _open_envelope(miner, envelope)
    if isinstance(opened, V2Reply):
        return opened
    key, request = opened
    if not miner.auth.accepts(client_ip, request.get("token"), miner.state.clock()):
        return _encrypted(key, _error(miner, 135, "check token err"))
    command = _command_name(request)
    if command not in WRITES:
        return _encrypted(key, _encrypted_read(miner, command, request))
    try:
        result = WRITES[command](miner.state, request)
    except InvalidParameterError:
        return _encrypted(key, _error(miner, 132, "API command ERROR"))
    miner.record(command, request)
    return _encrypted(key, btminer_reply(miner.state.clock(), result.msg), result)


def _encrypted_read(
    miner: SimulatedMiner, command: str | None, request: Mapping[str, Any]
) -> Reply:
    """Run a read that came encrypted, unless this firmware refuses reads in the envelope."""
    refused = command == "get_token" or QUIRK_NO_ENCRYPTED_READS in miner.quirks
    reply = None if refused else _read(miner, command, request)
    return reply or _error(miner, 14, "invalid cmd")


def _open_envelope(
    miner: SimulatedMiner, envelope: Mapping[str, Any]
) -> tuple[bytes, dict[str, Any]] | V2Reply:
    """Return (AES key, decrypted request), or the plaintext error the miner answers."""
    state = miner.state
    if not state.api_switch:
        return _plain(miner, _error(miner, 45, "can't access write cmd"))
    try:
        ciphertext = b64decode(envelope.get("data") or "")
    except (TypeError, ValueError):
        return _plain(miner, _error(miner, 137, "base64 decode error"))
    key = miner.auth.credential(state.password).aes_key
    try:
        request = json.loads(aes_decrypt(key, ciphertext).decode())
    except (ValueError, UnicodeDecodeError):
        request = None
    if not isinstance(request, dict):
        return _plain(miner, _error(miner, 23, "enc json load err"))
    return key, request
