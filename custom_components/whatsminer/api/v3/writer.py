"""The v3 writer: operations signed with the miner's salt, and what a refusal means.

Writes (``set.*``) are signed with a token derived from the password and the miner's
salt (:mod:`.crypto`). The salt is cached; every full ``get.device.info`` the client reads
refreshes it for free (:meth:`V3Writer.learn`). A write refused with -4 ("no permission")
gets one more try after a fresh ``get.device.info`` (new salt, current API switch);
refused again, it means the switch is off or the password is wrong, and the same reply
tells which.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Final

from .. import values
from ..errors import (
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidReplyError,
    WhatsminerWriteDisabledError,
)
from ..models import CommandOutcome
from . import crypto
from .encoder import encode
from .models import section

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..common import JsonObject
    from ..operations import Operation
    from .encoder import Write
    from .requests import V3Requests

_LOGGER = logging.getLogger(__name__)

ACCOUNT: Final = "super"
"""The v3 account with write permission; pyasic and asic-rs use it too."""

CODE_NO_PERMISSION: Final = -4
_SALT: Final = re.compile(r"[!-~]{1,64}")  # printable ASCII; real salts are 8 letters


class V3Writer:
    """Signs and sends one v3 miner's writes; keeps its salt and what its API switch said."""

    def __init__(
        self, host: str, password: str, requests: V3Requests, clock: Callable[[], float]
    ) -> None:
        """Sign with ``password``; ``clock`` gives the Unix time a write is signed at."""
        self._host = host
        self._password = password
        self._requests = requests
        self._clock = clock
        self._salt: str | None = None
        self._api_switch: bool | None = None  # as the last full get.device.info said
        self._writes_sent = 0

    @property
    def writes_sent(self) -> int:
        """Writes sent so far, failed ones too: each may have changed a setting."""
        return self._writes_sent

    def learn(self, device_info: JsonObject) -> None:
        """Take the salt and the API switch from a full ``get.device.info``."""
        if (salt := _valid_salt(device_info.get("salt"))) is not None:
            self._salt = salt
        switch = values.text(section(device_info, "system").get("apiswitch"))
        self._api_switch = None if switch is None else switch == "1"

    def forget(self) -> None:
        """Forget the salt."""
        self._salt = None

    async def run(self, operation: Operation) -> CommandOutcome:
        """Sign and send one operation; CONFIRMED, or SENT when its reply was lost."""
        return await self.write(encode(operation))

    async def _current_salt(self) -> str:
        """Return the cached salt, or ask the miner for it (``get.device.info`` ``salt``)."""
        if self._salt is None:
            cmd = "get.device.info"
            reply = await self._requests.request({"cmd": cmd, "param": "salt"})
            salt = _valid_salt(self._requests.message(reply, cmd).get("salt"))
            if salt is None:
                raise WhatsminerInvalidReplyError(f"{self._host}: get.device.info has no salt")
            self._salt = salt
        return self._salt

    async def write(self, write: Write) -> CommandOutcome:
        """Send a write; whatever happens, the settings are read again at the next poll."""
        try:
            return await self._send_write(write)
        finally:
            self._writes_sent += 1

    async def _send_write(self, write: Write) -> CommandOutcome:
        """Sign and send a write; on "no permission" refresh the salt and try once more."""
        _LOGGER.debug("%s: sending %s", self._host, write.cmd)
        reply = await self._send_signed(write, await self._current_salt())
        if reply is not None and self._requests.code(reply, write.cmd) == CODE_NO_PERMISSION:
            _LOGGER.debug(
                "%s: %s refused with no permission; new salt, once", self._host, write.cmd
            )
            self._salt = None
            self.learn(await self._requests.read("get.device.info"))
            reply = await self._send_signed(write, await self._current_salt())
            if reply is not None and self._requests.code(reply, write.cmd) == CODE_NO_PERMISSION:
                raise self._no_permission_error()
        if reply is None:
            return CommandOutcome.SENT
        self._requests.check_success(reply, write.cmd)
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
            return await self._requests.request(request, idempotent=not write.lost_reply_is_sent)
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
