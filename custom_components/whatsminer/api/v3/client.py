"""V3Client: polls and writes for one Whatsminer on API v3 (TCP 4433, PROTOCOL.md §4).

Requests share one persistent connection (:class:`V3Transport`). A poll costs two
requests: ``get.miner.status`` with ``summary+pools+edevs`` joined (an idle miner answers
-1 to ``pools`` alone, PROTOCOL.md §4.9) and the full ``get.device.info``. The settings
no poll carries (``get.miner.setting``, ``get.fan.setting``, ``get.system.setting``) cost
three more on the first poll, after every write the client sends, and when the last read
is 5 minutes old, so every setting is read back from the miner instead of assumed.

Writes (``set.*``) are signed with a token derived from the password and the miner's
salt (:mod:`crypto`). The salt is cached; every full ``get.device.info`` refreshes it for
free. A write refused with -4 ("no permission") gets one more try after a fresh
``get.device.info`` (new salt, current API switch); refused again, it means the switch
is off or the password is wrong, and the same reply tells which.

Reads leave ``param`` out when they take none: that is the request shape of the vendor
document, and what the v3 detection probes send. pyasic's ``"param": null`` works too
(PROTOCOL.md §4.9), so nothing is gained by sending it.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import logging
import re
import time
from typing import TYPE_CHECKING, Final

from .. import values
from ..arguments import check_host, check_password, check_port
from ..client import ClientBase
from ..download import DOWNLOAD_TIME_LIMIT_S, announced_size, check_keep
from ..errors import (
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidReplyError,
    WhatsminerWriteDisabledError,
)
from ..models import CommandOutcome, MinerLog
from ..operations import SetFastBoot
from . import crypto
from .encoder import Write, encode
from .models import build_identity, build_miner_data, says_btminer_down, section
from .transport import V3_PORT, V3Transport

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..common import JsonObject
    from ..models import Identity, MinerData
    from ..operations import Operation

_LOGGER = logging.getLogger(__name__)

SETTINGS_MAX_AGE_SECONDS: Final = 300.0
"""Settings changed elsewhere (WhatsMinerTool, the web UI) show up within this time."""

ACCOUNT: Final = "super"
"""The v3 account with write permission; pyasic and asic-rs use it too."""

CODE_OK: Final = 0
CODE_NO_PERMISSION: Final = -4
STATUS_SECTIONS: Final = "summary+pools+edevs"
_SALT: Final = re.compile(r"[!-~]{1,64}")  # printable ASCII; real salts are 8 letters
_JSON_SEPARATORS: Final = (",", ":")


def _unix_time() -> float:
    """Read ``time.time`` when called, so a patched clock (freezegun) is seen."""
    return time.time()


@dataclass(frozen=True, slots=True)
class _Settings:
    """The settings replies last read, when, and how many writes had been sent then."""

    miner: JsonObject | None = None
    fan: JsonObject | None = None
    system: JsonObject | None = None
    read_at: float | None = None  # on the client's clock
    writes_sent: int = 0


class V3Client(ClientBase[V3Transport]):
    """The protocol client for one Whatsminer speaking API v3."""

    def __init__(
        self,
        host: str,
        password: str,
        *,
        port: int = V3_PORT,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        transport: V3Transport | None = None,
        clock: Callable[[], float] = _unix_time,
    ) -> None:
        """Prepare the client; nothing is sent until a method is called.

        ``timeout`` bounds each exchange, ``connect_timeout`` each connection attempt.
        A ``transport`` passed in is used as it is and left open by :meth:`close` (its
        owner closes it), though a reply to another command drops its connection;
        otherwise the client opens its own. ``clock`` gives the Unix
        time that signs writes and dates the settings (tests inject one).

        Raises WhatsminerInvalidArgumentError for a host that cannot name a miner, a
        port outside 1..65535, or a password that is not text or holds a NUL byte.
        """
        self._host = check_host(host)
        self._password = check_password(password)
        port = check_port("port", port)
        self._owns_transport = transport is None
        self._transport = transport or V3Transport(
            host, port, timeout=timeout, connect_timeout=connect_timeout
        )
        self._clock = clock
        self._salt: str | None = None
        self._api_switch: bool | None = None  # as the last full get.device.info said
        self._settings = _Settings()
        self._writes_sent = 0

    def _forget(self) -> None:
        """Forget the salt and the settings."""
        self._salt = None
        self._settings = _Settings()

    # Reads ----------------------------------------------------------------------------

    async def identity(self) -> Identity:
        """Read the miner's static facts with one ``get.device.info``.

        Raises WhatsminerInvalidReplyError when the reply carries no MAC address.
        """
        return build_identity(await self._read_device_info())

    async def fetch(self) -> MinerData:
        """Poll the miner once and return everything it reports.

        While btminer is down ``get.miner.status`` answers with a text instead of data;
        the poll then reports a miner that does not hash. A settings read that is refused
        or garbled keeps the settings last read; any connection error fails the poll.
        """
        status = await self._read_status()
        device_info = await self._read_device_info()
        settings = await self._current_settings()
        return build_miner_data(
            status=status,
            device_info=device_info,
            miner_setting=settings.miner,
            fan_setting=settings.fan,
            system_setting=settings.system,
        )

    async def download_log(self, keep: int) -> MinerLog:
        """Download the miner's log (``get.log.download``); keep only its last ``keep`` bytes.

        The reply frame announces the size in ``msg.logsize``; the file's bytes follow
        unframed. The whole download has :data:`~.download.DOWNLOAD_TIME_LIMIT_S`.
        """
        cmd = "get.log.download"

        def size_of(raw: bytes) -> int:
            reply = self._decode(raw)
            return announced_size(self._message(reply, cmd).get("logsize"), "logsize")

        size, tail = await self._transport.download(
            json.dumps({"cmd": cmd}, separators=_JSON_SEPARATORS).encode(),
            size_of,
            keep=check_keep(keep),
            time_limit=DOWNLOAD_TIME_LIMIT_S,
        )
        return MinerLog(size=size, tail=tail)

    async def _request(self, request: JsonObject, *, idempotent: bool = True) -> JsonObject:
        """Send one request and return the reply as a JSON object, not yet checked.

        Every reply names the command it answers (``desc``). One naming another command
        is a late reply to an earlier request (a firmware bug, or something in the path):
        every later reply on this connection would answer the request before it, so the
        connection is dropped and the next request starts clean on a new one.
        """
        encoded = json.dumps(request, separators=_JSON_SEPARATORS).encode()
        reply = self._decode(await self._transport.exchange(encoded, idempotent=idempotent))
        answers = reply.get("desc")
        if isinstance(answers, str) and answers and answers != request["cmd"]:
            await self._transport.close()
            raise WhatsminerInvalidReplyError(
                f"{self._host}: a reply to another command came instead of the "
                f"{request['cmd']} reply; reconnecting"
            )
        return reply

    def _decode(self, raw: bytes) -> JsonObject:
        """Parse a reply body into a JSON object, not yet checked."""
        try:
            reply = json.loads(raw)
        except (ValueError, RecursionError) as err:
            raise WhatsminerInvalidReplyError(f"{self._host}: the reply is not JSON") from err
        if not isinstance(reply, dict):
            raise WhatsminerInvalidReplyError(f"{self._host}: the reply is not a JSON object")
        return reply

    def _code(self, reply: JsonObject, cmd: str) -> int:
        """Return the reply's ``code``."""
        code = reply.get("code")
        if not isinstance(code, int) or isinstance(code, bool):
            raise WhatsminerInvalidReplyError(f"{self._host}: the {cmd} reply has no code")
        return code

    def _check_success(self, reply: JsonObject, cmd: str) -> None:
        """Raise WhatsminerCommandRejectedError unless the reply's code is 0.

        -1 is a failure, -2 an unknown command or an invalid param, -3 a missing param.
        The miner's ``msg`` stays out of the error: a reply may echo what was sent.
        """
        code = self._code(reply, cmd)
        if code != CODE_OK:
            raise WhatsminerCommandRejectedError(
                f"{self._host} refused {cmd} (code {code})", code=code
            )

    def _message(self, reply: JsonObject, cmd: str) -> JsonObject:
        """Return the ``msg`` object of a successful read."""
        self._check_success(reply, cmd)
        msg = reply.get("msg")
        if not isinstance(msg, dict):
            raise WhatsminerInvalidReplyError(f"{self._host}: the {cmd} reply has no msg object")
        return msg

    async def _read(self, cmd: str) -> JsonObject:
        """Send a read that takes no param and return its ``msg`` object."""
        return self._message(await self._request({"cmd": cmd}), cmd)

    async def _read_status(self) -> JsonObject | None:
        """Read summary, pools and boards at once; None while btminer is down."""
        cmd = "get.miner.status"
        reply = await self._request({"cmd": cmd, "param": STATUS_SECTIONS})
        if says_btminer_down(reply.get("msg")):
            _LOGGER.debug("%s: the mining process is down", self._host)
            return None
        return self._message(reply, cmd)

    async def _read_device_info(self) -> JsonObject:
        """Read the full ``get.device.info``; learn the salt and the API switch from it."""
        device_info = await self._read("get.device.info")
        if (salt := _valid_salt(device_info.get("salt"))) is not None:
            self._salt = salt
        switch = values.text(section(device_info, "system").get("apiswitch"))
        self._api_switch = None if switch is None else switch == "1"
        return device_info

    async def _current_settings(self) -> _Settings:
        """Return the settings, read again when none were, after a write, or when old.

        A settings read that fails keeps what was read before, and is tried again after
        the next write or when the period is over; a clock that jumped back counts as old.
        """
        cached, now, writes_sent = self._settings, self._clock(), self._writes_sent
        if (
            cached.read_at is not None
            and cached.writes_sent == writes_sent
            and 0 <= now - cached.read_at < SETTINGS_MAX_AGE_SECONDS
        ):
            return cached
        miner = await self._read_setting("get.miner.setting")
        fan = await self._read_setting("get.fan.setting")
        system = await self._read_setting("get.system.setting")
        self._settings = _Settings(
            miner=cached.miner if miner is None else miner,
            fan=cached.fan if fan is None else fan,
            system=cached.system if system is None else system,
            read_at=now,
            writes_sent=writes_sent,
        )
        return self._settings

    async def _read_setting(self, cmd: str) -> JsonObject | None:
        """Read one settings reply; None when the miner refuses it or it is garbled."""
        try:
            return await self._read(cmd)
        except (WhatsminerCommandRejectedError, WhatsminerInvalidReplyError) as err:
            _LOGGER.debug("%s: %s unreadable (%s); keeping the last settings", self._host, cmd, err)
            return None

    async def _current_salt(self) -> str:
        """Return the cached salt, or ask the miner for it (``get.device.info`` ``salt``)."""
        if self._salt is None:
            cmd = "get.device.info"
            reply = await self._request({"cmd": cmd, "param": "salt"})
            salt = _valid_salt(self._message(reply, cmd).get("salt"))
            if salt is None:
                raise WhatsminerInvalidReplyError(f"{self._host}: get.device.info has no salt")
            self._salt = salt
        return self._salt

    # Writes ---------------------------------------------------------------------------

    async def verify_password(self) -> None:
        """Prove the password with a write that changes nothing.

        Fast boot is written back with the value the miner reports: a real privileged
        round trip (so the API switch is proven too), harmless, and without a restart.

        Only code 0 proves the password. Unlike a v2 refusal, which comes encrypted with
        the password's key, a v3 reply is plaintext and proves nothing by itself, and the
        miner may refuse before it looks at the token: -2 (unknown command or param) and
        -3 (missing param) say nothing about the password, and -1 is documented as
        "invalid JSON or password is wrong". So every refusal but -4 is raised as it is
        (WhatsminerCommandRejectedError), neither a pass nor a wrong password.

        Raises WhatsminerAuthError for a wrong password, WhatsminerWriteDisabledError
        when the write API is switched off, and WhatsminerInvalidReplyError when the
        miner reports no fast boot state to write back.
        """
        device_info = await self._read_device_info()
        enabled = _fast_boot(section(device_info, "miner"))
        if enabled is None:
            enabled = _fast_boot(await self._read("get.miner.setting"))
        if enabled is None:
            raise WhatsminerInvalidReplyError(f"{self._host} reports no fast boot state")
        await self._write(encode(SetFastBoot(enabled)))

    async def warm_up(self, *, time_limit: float, poll_every: float) -> bool:
        """Report the miner ready at once: API v3 has no preheating command."""
        return True

    async def run(self, operation: Operation) -> CommandOutcome:
        """Sign and send one write (see :mod:`..operations`).

        CONFIRMED, or SENT when a write whose reply is often lost lost it (or got an
        unreadable one) after the request left.
        """
        return await self._write(encode(operation))

    async def _write(self, write: Write) -> CommandOutcome:
        """Send a write; whatever happens, the settings are read again at the next poll."""
        try:
            return await self._send_write(write)
        finally:
            self._writes_sent += 1

    async def _send_write(self, write: Write) -> CommandOutcome:
        """Sign and send a write; on "no permission" refresh the salt and try once more."""
        _LOGGER.debug("%s: sending %s", self._host, write.cmd)
        reply = await self._send_signed(write, await self._current_salt())
        if reply is not None and self._code(reply, write.cmd) == CODE_NO_PERMISSION:
            _LOGGER.debug(
                "%s: %s refused with no permission; new salt, once", self._host, write.cmd
            )
            self._salt = None
            await self._read_device_info()
            reply = await self._send_signed(write, await self._current_salt())
            if reply is not None and self._code(reply, write.cmd) == CODE_NO_PERMISSION:
                raise self._no_permission_error()
        if reply is None:
            return CommandOutcome.SENT
        self._check_success(reply, write.cmd)
        return CommandOutcome.CONFIRMED

    async def _send_signed(self, write: Write, salt: str) -> JsonObject | None:
        """Send one signed write and return its reply.

        Returns None when a write whose reply is often lost loses it after the request
        left, or gets an unreadable one.
        """
        timestamp = int(self._clock())
        request: dict[str, object] = {"cmd": write.cmd}
        if write.encrypted:
            key = crypto.v3_digest(write.cmd, self._password, salt, timestamp)
            request["param"] = crypto.encrypt_v3_param(write.param, key)
        elif write.param is not None:
            request["param"] = write.param
        request |= {
            "ts": timestamp,
            "token": crypto.v3_token(write.cmd, self._password, salt, timestamp),
            "account": ACCOUNT,
        }
        try:
            return await self._request(request, idempotent=not write.lost_reply_is_sent)
        except WhatsminerConnectionError as err:
            if not (write.lost_reply_is_sent and err.request_sent):
                raise
            lost = "no reply"
        except WhatsminerInvalidReplyError:
            if not write.lost_reply_is_sent:
                raise
            lost = "an unreadable reply"
        _LOGGER.debug(
            "%s: %s to %s, whose reply is often lost; taking it as sent",
            self._host,
            lost,
            write.cmd,
        )
        return None

    def _no_permission_error(self) -> WhatsminerError:
        """Explain a second "no permission": the API switch is off, or the password is wrong."""
        if self._api_switch is False:
            return WhatsminerWriteDisabledError(
                f"{self._host}: the write API is switched off; enable it in WhatsMinerTool"
            )
        return WhatsminerAuthError(
            f"{self._host} refused the password of account {ACCOUNT} "
            "(wrong, or still the factory default)"
        )


def _valid_salt(value: object) -> str | None:
    """Return ``value`` if it can be a salt: 1 to 64 printable ASCII characters."""
    return value if isinstance(value, str) and _SALT.fullmatch(value) else None


def _fast_boot(settings: JsonObject) -> bool | None:
    """Read a ``fast-boot`` of ``"enable"``/``"disable"``."""
    return values.flag(settings.get("fast-boot"), true="enable", false="disable")
