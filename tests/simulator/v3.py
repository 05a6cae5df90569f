"""API v3 (port 4433) as v3 firmware answers it (PROTOCOL.md §4).

Framing: every message in both directions is a little-endian uint32 length followed by that
many bytes of JSON; a connection carries many frames, and a zero-length frame is a heartbeat
(the miner answers nothing). This module turns one request frame's body into the reply body;
the miner's connection handler does the framing on the socket.

Replies are `{"code", "when", "msg", "desc"}`. Codes: 0 ok, -1 bad JSON or a command the
firmware could not carry out (an idle miner's `pools` status), -2 unknown command or invalid
param, -3 missing param, -4 "no permission": a write while the API switch is off, or whose
token does not check out (sha256 over cmd + password + salt + ts, account "super"); real
firmware answers -4 to both (PROTOCOL.md §4.3, §4.9).
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import struct
from typing import TYPE_CHECKING, Any

from .crypto import v3_digest, v3_token
from .params import InvalidParameterError
from .quirks import to_json
from .v2_writes import miner_log
from .v3_commands import READS, WRITES, WRITES_WITHOUT_PARAM, CommandFailedError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .miner import SimulatedMiner
    from .state import RestartKind

HEADER = struct.Struct("<I")
MAX_REQUEST_FRAME = 64 * 1024
ACCOUNT = "super"
# A read whose reply frame (`msg.logsize`) is followed by that many raw bytes of log on the
# same connection, unframed (PROTOCOL.md §4.9).
LOG_DOWNLOAD = "get.log.download"


@dataclass(frozen=True, slots=True)
class V3Reply:
    """The reply body and the restart it triggers once sent."""

    payload: bytes
    restart: RestartKind | None = None
    trailer: bytes = b""  # raw, unframed bytes after the reply (get.log.download)


def frame(payload: bytes) -> bytes:
    """Prefix `payload` with its length."""
    return HEADER.pack(len(payload)) + payload


def _reply(miner: SimulatedMiner, code: int, msg: object, desc: str) -> bytes:
    reply = {"code": code, "when": int(miner.state.clock()), "msg": msg, "desc": desc}
    return to_json(reply).encode()


def handle(miner: SimulatedMiner, body: bytes) -> V3Reply:
    """Answer one request frame."""
    try:
        request = json.loads(body.decode())
    except (ValueError, UnicodeDecodeError):
        request = None
    if not isinstance(request, dict):
        return V3Reply(_reply(miner, -1, "invalid json", ""))
    command = request.get("cmd")
    if not isinstance(command, str) or command not in {*READS, *WRITES, LOG_DOWNLOAD}:
        return V3Reply(_reply(miner, -2, "invalid command", str(command or "")))
    try:
        return _run(miner, command, request)
    except CommandFailedError as error:
        return V3Reply(_reply(miner, -1, error.msg, command))
    except InvalidParameterError as error:
        if error.missing:
            return V3Reply(_reply(miner, -3, "param item is null", command))
        return V3Reply(_reply(miner, -2, f"invalid param: {error.name}", command))


def _run(miner: SimulatedMiner, command: str, request: dict[str, Any]) -> V3Reply:
    """Run a known command; raise InvalidParameterError for a bad or missing `param`."""
    if command == LOG_DOWNLOAD:
        miner.record(command, request)
        log = miner_log(miner.state)
        return V3Reply(_reply(miner, 0, {"logsize": str(len(log))}, command), trailer=log)
    salt = miner.auth.credential(miner.state.password).salt
    param = request.get("param")
    if command in READS:
        msg = READS[command](miner.state, miner.profile, salt, param)
        miner.record(command, request)
        return V3Reply(_reply(miner, 0, msg, command))
    digest = _authorised_digest(miner, command, request, salt)
    if digest is None or not miner.state.api_switch:
        return V3Reply(_reply(miner, -4, "no permission", command))
    if param is None and command not in WRITES_WITHOUT_PARAM:
        raise InvalidParameterError("param", missing=True)
    restart = WRITES[command](miner.state, param, digest)
    miner.record(command, request)
    return V3Reply(_reply(miner, 0, "ok", command), restart)


def _authorised_digest(
    miner: SimulatedMiner, command: str, request: Mapping[str, Any], salt: str
) -> bytes | None:
    """Return the request's sha256 digest if its token checks out, else None."""
    ts = request.get("ts")
    if isinstance(ts, str) and ts.isdigit():
        ts = int(ts)
    if request.get("account") != ACCOUNT or not isinstance(ts, int) or isinstance(ts, bool):
        return None
    digest = v3_digest(command, miner.state.password, salt, ts)
    return digest if request.get("token") == v3_token(digest) else None
