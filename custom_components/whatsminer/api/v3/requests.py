"""One v3 miner's requests: JSON out, a reply object back, checked as far as the caller asks.

Every reply must name the command it answers (``desc``) when it names one; see
:meth:`V3Requests.request`. Reply codes (PROTOCOL.md §4.2): 0 success, -1 a failure,
-2 an unknown command or invalid param, -3 a missing param, -4 no permission.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from ..errors import WhatsminerCommandRejectedError, WhatsminerInvalidReplyError

if TYPE_CHECKING:
    from ..common import JsonObject
    from .transport import V3Transport

CODE_OK: Final = 0
JSON_SEPARATORS: Final = (",", ":")


class V3Requests:
    """Sends one miner's requests over its kept connection and checks their replies."""

    def __init__(self, host: str, transport: V3Transport) -> None:
        """Send through ``transport``; name ``host`` in errors."""
        self._host = host
        self._transport = transport

    async def request(self, request: JsonObject, *, idempotent: bool = True) -> JsonObject:
        """Send one request and return the reply as a JSON object, not yet checked.

        Every reply names the command it answers (``desc``). One naming another command
        is a late reply to an earlier request (a firmware bug, or something in the path):
        every later reply on this connection would answer the request before it, so the
        connection is dropped and the next request starts clean on a new one.
        """
        encoded = json.dumps(request, separators=JSON_SEPARATORS).encode()
        reply = self.decode(await self._transport.exchange(encoded, idempotent=idempotent))
        answers = reply.get("desc")
        if isinstance(answers, str) and answers and answers != request["cmd"]:
            await self._transport.close()
            raise WhatsminerInvalidReplyError(
                f"{self._host}: a reply to another command came instead of the "
                f"{request['cmd']} reply; reconnecting"
            )
        return reply

    def decode(self, raw: bytes) -> JsonObject:
        """Parse a reply body into a JSON object, not yet checked."""
        try:
            reply = json.loads(raw)
        except (ValueError, RecursionError) as err:
            raise WhatsminerInvalidReplyError(f"{self._host}: the reply is not JSON") from err
        if not isinstance(reply, dict):
            raise WhatsminerInvalidReplyError(f"{self._host}: the reply is not a JSON object")
        return reply

    def code(self, reply: JsonObject, cmd: str) -> int:
        """Return the reply's ``code``."""
        code = reply.get("code")
        if not isinstance(code, int) or isinstance(code, bool):
            raise WhatsminerInvalidReplyError(f"{self._host}: the {cmd} reply has no code")
        return code

    def check_success(self, reply: JsonObject, cmd: str) -> None:
        """Raise WhatsminerCommandRejectedError unless the reply's code is 0.

        -1 is a failure, -2 an unknown command or an invalid param, -3 a missing param.
        The miner's ``msg`` stays out of the error: a reply may echo what was sent.
        """
        code = self.code(reply, cmd)
        if code != CODE_OK:
            raise WhatsminerCommandRejectedError(
                f"{self._host} refused {cmd} (code {code})", code=code
            )

    def message(self, reply: JsonObject, cmd: str) -> JsonObject:
        """Return the ``msg`` object of a successful read."""
        self.check_success(reply, cmd)
        msg = reply.get("msg")
        if not isinstance(msg, dict):
            raise WhatsminerInvalidReplyError(f"{self._host}: the {cmd} reply has no msg object")
        return msg

    async def read(self, cmd: str) -> JsonObject:
        """Send a read that takes no param and return its ``msg`` object."""
        return self.message(await self.request({"cmd": cmd}), cmd)
