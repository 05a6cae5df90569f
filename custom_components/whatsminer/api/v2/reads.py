"""Plaintext v2 reads: one command per connection, or two or three joined with ``+``.

Every reply passes its STATUS check and has the shape its command promises
(:mod:`.commands` says which shape). What to read, and when, is :mod:`.planner`'s job.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..errors import WhatsminerInvalidArgumentError
from . import commands
from .parser import check_read, decode_reply, split_joined

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..common import JsonObject
    from .transport import Transport


class V2Reader:
    """Sends plaintext reads to one miner over its transport."""

    def __init__(self, transport: Transport) -> None:
        """Read through ``transport``."""
        self._transport = transport

    async def exchange_json(self, request: JsonObject) -> JsonObject:
        """Send one plaintext JSON request and return the parsed (not yet checked) reply."""
        return decode_reply(await self._transport.exchange(json.dumps(request).encode()))

    async def read(self, command: str) -> JsonObject:
        """Send one plaintext read command (``summary``, ``get_psu``…); return its reply.

        The reply has passed its STATUS check and has the shape its command promises.
        """
        spec = commands.read_command(command)
        reply = await self.exchange_json(spec.request())
        check_read(reply, spec.sections)
        return reply

    async def read_joined(self, names: Sequence[str]) -> dict[str, JsonObject]:
        """Send two or three cgminer-style reads joined with ``+`` on one connection.

        Returns each command's reply by name, each checked as :meth:`read` checks.
        """
        specs = [commands.read_command(name) for name in names]
        joined = tuple(spec.name for spec in specs)
        if (
            not 2 <= len(joined) <= commands.MAX_JOINED_READS  # noqa: PLR2004
            or len(set(joined)) != len(joined)
            or not all(spec.joinable for spec in specs)
        ):
            raise WhatsminerInvalidArgumentError(
                "joined reads take 2 or 3 different cgminer-style reads (not get_* or status)"
            )
        parts = await self.joined_parts(joined)
        for spec in specs:
            check_read(parts[spec.name], spec.sections)
        return parts

    async def joined_parts(self, names: tuple[str, ...]) -> dict[str, JsonObject]:
        """Send reads joined with ``+``; return each part, not yet checked.

        Raises the miner's refusal of the joined command as a whole.
        """
        return split_joined(await self.exchange_json({"cmd": "+".join(names)}), names)
