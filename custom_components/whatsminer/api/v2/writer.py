"""The v2 writer: operations, preheating and the log download, through the token channel.

Every write goes through :class:`PrivilegedChannel` (tokens, encryption, one command at a
time); the operation checked its arguments when it was built, and :mod:`.encoder` gives
its wire form. Each write tells the poll planner, which then reads again what it may
have changed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from .. import values
from ..download import DOWNLOAD_TIME_LIMIT_S, check_keep
from ..models import CommandOutcome
from . import encoder

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..common import JsonObject
    from ..models import MinerLog
    from ..operations import Operation
    from .planner import PollPlanner
    from .privileged import PrivilegedChannel

_LOGGER = logging.getLogger(__name__)


def _warm(reply: JsonObject) -> bool:
    """Whether a ``pre_power_on`` reply says the preheating is complete."""
    msg = reply.get("Msg")
    return isinstance(msg, dict) and values.boolean(msg.get("complete")) is True


class V2Writer:
    """Sends one v2 miner's writes; tells the planner what they may have changed."""

    def __init__(
        self,
        host: str,
        channel: PrivilegedChannel,
        planner: PollPlanner,
        clock: Callable[[], float],
    ) -> None:
        """Write through ``channel``; ``clock`` (monotonic seconds) times the preheating."""
        self._host = host
        self._privileged = channel
        self._planner = planner
        self._clock = clock

    async def verify_password(self) -> None:
        """Check the password with a harmless privileged round trip (encrypted ``status``).

        Firmware that refuses encrypted reads passes too: its encrypted "invalid cmd"
        decrypts with the key derived from the password, which proves the password.

        Raises WhatsminerAuthError for a wrong password and WhatsminerWriteDisabledError
        when the miner's write API is switched off.
        """
        await self._privileged.verify_password()

    async def download_log(self, keep: int) -> MinerLog:
        """Download the miner's log (``download_logs``); keep only its last ``keep`` bytes.

        A privileged command: its encrypted reply announces the size, then the file's
        bytes follow on the same connection. The whole download has
        :data:`~.download.DOWNLOAD_TIME_LIMIT_S` to finish.
        """
        return await self._privileged.download(
            encoder.DOWNLOAD_LOGS,
            keep=check_keep(keep),
            time_limit=DOWNLOAD_TIME_LIMIT_S,
        )

    async def run(self, operation: Operation) -> CommandOutcome:
        """Send one write through the privileged channel (see :mod:`..operations`).

        CONFIRMED, or SENT when a command whose reply is often lost lost it after the
        request left. A pool change makes the next poll read the pools again, even when
        it fails: the miner may have taken them before the reply was lost.
        """
        command = encoder.encode(operation)
        self._planner.note_write(operation)
        try:
            reply = await self._privileged.send(
                command.payload,
                lost_reply_is_sent=command.lost_reply_is_sent,
                forgets_token=command.forgets_token,
            )
        finally:
            self._planner.note_write(operation)  # a poll may have read meanwhile
        return CommandOutcome.SENT if reply is None else CommandOutcome.CONFIRMED

    async def warm_up(self, *, time_limit: float, poll_every: float) -> bool:
        """Preheat a stopped miner (``pre_power_on``) until it says it is done.

        The same command starts the preheating and asks how far it got; its reply's
        ``Msg.complete`` turns ``"true"`` when the boards are warm. Asks every
        ``poll_every`` seconds for at most ``time_limit`` seconds. Returns whether the
        miner finished in time.
        """
        deadline = self._clock() + time_limit
        while True:
            self._planner.note_write(None)
            reply = await self._privileged.send(encoder.PRE_POWER_ON)
            if reply is not None and _warm(reply):
                return True
            if self._clock() + poll_every > deadline:
                _LOGGER.debug("%s: still preheating after %s s", self._host, time_limit)
                return False
            await asyncio.sleep(poll_every)
