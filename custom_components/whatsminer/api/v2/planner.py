"""What a v2 poll reads, and what the client learned about its miner to read less.

The planner learns a few facts about its miner as it goes, so that later polls cost
fewer connections: how many reads it joins (three, two or none), whether it has
``edevs``, which optional reads it answers with "invalid cmd", and its API version. Only
a clear answer teaches it something; a garbled reply changes nothing. A refusal is
believed for :data:`RECHECK_AFTER_S` only, then the longer join or the optional read is
tried again, so one transient refusal does not cost a connection for good. A firmware
change seen by :meth:`PollPlanner.identity` forgets everything. What it learned only
ever saves connections: :meth:`PollPlanner.fetch` returns the same data whether or not
:meth:`PollPlanner.identity` ran before it.

Data that changes rarely is read at a slow cadence (:data:`SLOW_READ_EVERY_S`), the
last reply standing in between: ``get_psu`` always, and ``pools`` when the miner does
not take it in the three-way join. Writes (:meth:`PollPlanner.note_write`) make the
next poll read ``status`` again, and a pool change the pools.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final

from .. import values
from ..errors import WhatsminerCommandRejectedError, WhatsminerInvalidReplyError
from ..operations import SetPools
from ..readings import first_known, mac_address
from . import commands, models
from .parser import check_read, message, rows

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..common import JsonObject
    from ..models import Identity, MinerData
    from ..operations import Operation
    from .reads import V2Reader

_LOGGER = logging.getLogger(__name__)

ERROR_CODE_READ_SINCE: Final = (2, 0, 4)
"""API version since which errors moved from ``summary`` to ``get_error_code``."""

CODE_INVALID_COMMAND: Final = 14
CODE_NO_POOLS: Final = 8
"""cgminer's MSG_NOPOOL: ``pools`` answers STATUS "E", Code 8 "No pools" when none is set."""
MSG_NO_POOLS: Final = "no pools"

_NO_ERROR_LIST: Final[JsonObject] = {"STATUS": "S", "Msg": {}}
"""Stands in for a ``get_error_code`` reply that could not be read."""

RECHECK_AFTER_S: Final = 3600.0
"""How long a refused join or an "invalid cmd" optional read is believed (seconds)."""
SLOW_READ_EVERY_S: Final = 300.0
"""How long a ``get_psu`` or alone-read ``pools`` reply stands in for a new one (seconds).

Its live figures (PSU fan, input power and voltage; pool status and share counts) are
then up to this old."""

_START_TIME_SLACK_S: Final = 5.0
"""How far btminer's start time may seem to move without a restart (rounding, latency)."""

type Rows = tuple[JsonObject, ...]


def _succeeded[T](result: T | BaseException) -> T:
    """Return a gathered result, or raise the error it holds."""
    if isinstance(result, BaseException):
        raise result
    return result


def _first_row(reply: JsonObject, sections: tuple[str, ...]) -> JsonObject:
    """Return the first row of a cgminer-style reply, e.g. ``SUMMARY[0]``."""
    found = rows(reply, sections)
    if not found:
        raise WhatsminerInvalidReplyError(f"reply has an empty {sections[0]} list")
    return found[0]


def _summary_power(summary: JsonObject) -> float | None:
    """Return the power the summary reports, None when it leaves it unknown."""
    return first_known(values.amount(summary.get("Power")), values.amount(summary.get("Power_RT")))


def _hashing(summary: JsonObject) -> bool:
    """Whether the summary shows a miner at work.

    A stopped miner's summary has no hashrate and a ``Power Limit`` of 0 (a field
    report, and the behaviour of the Tether mock); a working one has both.
    """
    rate = first_known(values.amount(summary.get("MHS 5s")), values.amount(summary.get("HS RT")))
    return rate is not None and rate > 0 and values.amount(summary.get("Power Limit")) != 0


def _mining_status(reply: JsonObject) -> bool:
    """Whether a ``status`` reply says the miner is mining."""
    return models.mining(message(reply)) is True


def _pool_rows(reply: JsonObject) -> Rows:
    """Return the rows of a ``pools`` reply; none when the miner has no pools configured."""
    sections = commands.READ_COMMANDS["pools"].sections
    try:
        check_read(reply, sections)
    except WhatsminerCommandRejectedError as err:
        if err.code != CODE_NO_POOLS and str(err).strip().lower() != MSG_NO_POOLS:
            raise
        return ()
    return rows(reply, sections)


class PollPlanner:
    """Reads one v2 miner's polls and identity with as few connections as it can."""

    def __init__(self, host: str, reader: V2Reader, clock: Callable[[], float]) -> None:
        """Plan the reads of the miner at ``host``; ``clock`` is monotonic seconds."""
        self._host = host
        self._reader = reader
        self._clock = clock
        # What this miner's firmware was found to do; forgotten on a firmware change.
        self._firmware: str | None = None
        self._api_version: tuple[int, ...] | None = None
        self._join_width: int = commands.MAX_JOINED_READS  # 1: reads apart
        self._join_refused_at = 0.0
        self._board_read = "edevs"
        self._unsupported_reads: dict[str, float] = {}  # command: when it was refused
        # The last slow reads and when they were made.
        self._kept_pools: tuple[float, Rows] | None = None
        self._kept_psu: tuple[float, JsonObject] | None = None
        self._kept_status: tuple[float, JsonObject] | None = None  # only one saying "mining"
        self._btminer_started: float | None = None  # on our clock, from summary "Elapsed"

    def note_write(self, operation: Operation | None) -> None:
        """Forget what a write may change: the kept ``status``, and the pools it set.

        ``operation`` is None for a write that is no operation (preheating).
        """
        self._kept_status = None
        if isinstance(operation, SetPools):
            self._kept_pools = None

    async def fetch(self) -> MinerData:
        """Poll the miner once and return everything it reports.

        A poll of a mining miner on API 2.0.5 firmware costs 2 connections, opened
        concurrently: ``summary+edevs+pools`` joined and ``get_error_code`` (``get_*``
        and ``status`` cannot be joined). ``status`` adds one on the first poll, after
        any write of ours or restart of btminer, every :data:`SLOW_READ_EVERY_S`, and on
        every poll of a miner that is not hashing: its mining state stays fresh because
        the summary shows it. ``get_psu`` adds one on the first poll and then every
        :data:`SLOW_READ_EVERY_S`, and whenever the summary leaves the power unknown
        (the PSU's input power then stands in). A miner that refuses the
        three-way join joins two (``pools`` then goes the slow way too), one that
        refuses that reads apart; a refused join is retried after
        :data:`RECHECK_AFTER_S`. Firmware older than API 2.0.4 keeps its errors in
        ``summary``, so once :meth:`identity` has seen such a version,
        ``get_error_code`` is skipped; so is any optional read that answered
        "invalid cmd" within the last :data:`RECHECK_AFTER_S`.

        An optional read (``get_psu``, ``get_error_code``) that is refused or garbled
        leaves its fields empty; any connection error fails the poll. A miner without
        pools (new, or after a factory reset) has empty ``pools``.
        """
        now = self._clock()
        if self._join_width < commands.MAX_JOINED_READS and (
            now - self._join_refused_at >= RECHECK_AFTER_S
        ):
            _LOGGER.debug("%s: trying the longest join again", self._host)
            self._join_width = commands.MAX_JOINED_READS
        (main, status, error_codes, psu) = await asyncio.gather(
            self._read_summary_boards_and_pools(now),
            self._read_status(now),
            self._read_error_codes(),
            self._read_psu(now),
            return_exceptions=True,
        )
        summary, boards, pools = _succeeded(main)
        error_reply = _succeeded(error_codes)
        status_reply, status_kept = _succeeded(status)
        restarted = self._btminer_restarted(summary, now)
        if status_kept and (restarted or not _hashing(summary)):
            # The kept status said "mining": the summary no longer shows it, or btminer
            # restarted (a firmware update, a setting applied elsewhere).
            status_reply, _ = await self._read_status(now, fresh=True)
        psu_reply, psu_kept = _succeeded(psu)
        if psu_kept and _summary_power(summary) is None:
            # The PSU's input power stands in for the summary's: it must be fresh.
            psu_reply, _ = await self._read_psu(now, fresh=True)
        return models.build_miner_data(
            models.V2Replies(
                summary=summary,
                boards=boards,
                pools=pools,
                status=message(status_reply),
                error_codes=None if error_reply is None else message(error_reply),
                psu=None if psu_reply is None else message(psu_reply),
            )
        )

    async def identity(self) -> Identity:
        """Read the miner's static facts: ``get_version``, ``get_miner_info``, ``devdetails``.

        Old firmware without a MAC in ``get_miner_info`` costs one more read
        (``summary``). Raises WhatsminerInvalidReplyError when no MAC can be found.
        """
        version, info, details = await asyncio.gather(
            self._read_optional("get_version"),
            self._read_optional("get_miner_info"),
            self._read_optional("devdetails"),
            return_exceptions=True,
        )
        version_reply, info_reply, details_reply = (
            _succeeded(version),
            _succeeded(info),
            _succeeded(details),
        )
        miner_info = None if info_reply is None else message(info_reply)
        summary = None
        if mac_address(miner_info.get("mac") if miner_info else None) is None:
            summary = _first_row(await self._reader.read("summary"), ("SUMMARY",))
        identity = models.build_identity(
            version_msg=None if version_reply is None else message(version_reply),
            miner_info=miner_info,
            device_rows=() if details_reply is None else rows(details_reply, ("DEVDETAILS",)),
            summary=summary,
        )
        if self._firmware is not None and identity.firmware != self._firmware:
            _LOGGER.debug("%s: firmware changed; forgetting what the old one did", self._host)
            self._join_width, self._board_read = commands.MAX_JOINED_READS, "edevs"
            self._unsupported_reads.clear()
            self._kept_pools = self._kept_psu = self._kept_status = None
        self._firmware = identity.firmware
        self._api_version = values.version(identity.api_version)
        return identity

    async def _read_optional(
        self, command: str, *, unreadable: JsonObject | None = None
    ) -> JsonObject | None:
        """Read a command the firmware may lack; None when the firmware lacks it.

        "invalid cmd" is remembered so the command is not asked for again for
        :data:`RECHECK_AFTER_S`. Any other refusal, or a garbled reply, returns
        ``unreadable``.
        """
        refused_at = self._unsupported_reads.get(command)
        if refused_at is not None:
            if self._clock() - refused_at < RECHECK_AFTER_S:
                return None
            del self._unsupported_reads[command]
        try:
            return await self._reader.read(command)
        except WhatsminerCommandRejectedError as err:
            _LOGGER.debug("%s: optional read %s refused: %s", self._host, command, err)
            if err.code == CODE_INVALID_COMMAND:
                self._unsupported_reads[command] = self._clock()
                return None
        except WhatsminerInvalidReplyError as err:
            _LOGGER.debug("%s: optional read %s unreadable: %s", self._host, command, err)
        return unreadable

    async def _read_error_codes(self) -> JsonObject | None:
        """Read ``get_error_code`` unless the API version says errors are in summary.

        A reply that cannot be read stands in as one without an error list: the errors
        are then unknown, not none.
        """
        if self._api_version is not None and self._api_version < ERROR_CODE_READ_SINCE:
            return None
        return await self._read_optional("get_error_code", unreadable=_NO_ERROR_LIST)

    def _btminer_restarted(self, summary: JsonObject, now: float) -> bool:
        """Whether btminer started again since the last poll.

        Its start time is now minus its run time (summary ``Elapsed``, whole seconds).
        """
        elapsed = values.amount(summary.get("Elapsed"))
        started = None if elapsed is None else now - elapsed
        last, self._btminer_started = self._btminer_started, started
        return started is not None and last is not None and started > last + _START_TIME_SLACK_S

    async def _read_status(self, now: float, *, fresh: bool = False) -> tuple[JsonObject, bool]:
        """Read ``status``, or reuse its last reply while it said "mining" and is young.

        A miner at work changes what ``status`` reports (mining, power mode, the limit
        set) only when someone writes a setting; ours drop the kept reply. A stopped
        miner's reply is never reused: it is the state a user waits to see change.
        Returns the reply and whether it was reused.
        """
        kept = self._kept_status
        if not fresh and kept is not None and now - kept[0] < SLOW_READ_EVERY_S:
            return kept[1], True
        reply = await self._reader.read("status")
        self._kept_status = (now, reply) if _mining_status(reply) else None
        return reply, False

    async def _read_psu(self, now: float, *, fresh: bool = False) -> tuple[JsonObject | None, bool]:
        """Read ``get_psu``, or reuse its last reply while it is younger than the cadence.

        Returns the reply and whether it was reused.
        """
        kept = self._kept_psu
        if not fresh and kept is not None and now - kept[0] < SLOW_READ_EVERY_S:
            return kept[1], True
        reply = await self._read_optional("get_psu")
        if reply is not None:
            self._kept_psu = (now, reply)
        return reply, False

    async def _read_pools(self) -> Rows:
        """Read the pool rows; none when the miner has no pools configured."""
        return _pool_rows(await self._reader.exchange_json({"cmd": "pools"}))

    async def _read_kept_pools(self, now: float) -> Rows:
        """Read the pool rows alone, or reuse them while they are younger than the cadence."""
        if self._kept_pools is not None and now - self._kept_pools[0] < SLOW_READ_EVERY_S:
            return self._kept_pools[1]
        pools = await self._read_pools()
        self._kept_pools = (now, pools)
        return pools

    async def _read_summary_boards_and_pools(self, now: float) -> tuple[JsonObject, Rows, Rows]:
        """Read summary, boards and pools with the longest join the miner takes.

        A refused three-way join falls back to two in the same poll, a refused two-way
        join to reading apart; a garbled joined reply reads apart this poll only.
        """
        if self._join_width == commands.MAX_JOINED_READS:
            joined = await self._read_joined_poll(("summary", self._board_read, "pools"), now)
            if joined is not None:
                summary, boards, pools = joined
                if pools is None:  # the pools part alone was unreadable
                    pools = await self._read_pools()
                self._kept_pools = (now, pools)
                return summary, boards, pools
        join_two = self._join_width == 2  # noqa: PLR2004 - not after a garbled three-way join
        summary_and_boards, pools_read = await asyncio.gather(
            self._read_summary_and_boards(now, join=join_two),
            self._read_kept_pools(now),
            return_exceptions=True,
        )
        summary, boards = _succeeded(summary_and_boards)
        return summary, boards, _succeeded(pools_read)

    def _use_devs(self) -> None:
        """Read the boards with ``devs`` from now on: this firmware refused ``edevs``."""
        _LOGGER.debug("%s: edevs refused; reading boards with devs", self._host)
        self._board_read = "devs"

    async def _read_boards(self) -> Rows:
        """Read the hashboard rows: ``edevs``, or ``devs`` where the firmware lacks it."""
        if self._board_read == "edevs":
            try:
                return rows(
                    await self._reader.read("edevs"), commands.READ_COMMANDS["edevs"].sections
                )
            except WhatsminerCommandRejectedError:
                self._use_devs()
        return rows(await self._reader.read("devs"), commands.READ_COMMANDS["devs"].sections)

    async def _read_summary_and_boards(self, now: float, *, join: bool) -> tuple[JsonObject, Rows]:
        """Read summary and boards, joined on one connection when ``join``."""
        joined = await self._read_joined_poll(("summary", self._board_read), now) if join else None
        if joined is not None:
            return joined[0], joined[1]
        summary, boards = await asyncio.gather(
            self._reader.read("summary"), self._read_boards(), return_exceptions=True
        )
        return _first_row(_succeeded(summary), ("SUMMARY",)), _succeeded(boards)

    async def _read_joined_poll(
        self, names: tuple[str, ...], now: float
    ) -> tuple[JsonObject, Rows, Rows | None] | None:
        """Read summary, boards (and pools) on one connection; None to read otherwise.

        Only the miner refusing the joined command as a whole teaches something: it
        takes one read fewer in a join, until :data:`RECHECK_AFTER_S` has passed. A
        garbled or cut reply says nothing about the firmware: the plan stays, and only
        this poll reads apart. The pools are None when their part alone is unreadable.
        """
        board_read = names[1]
        try:
            try:
                parts = await self._reader.joined_parts(names)
            except WhatsminerCommandRejectedError as err:
                _LOGGER.debug(
                    "%s: %d joined reads refused (%s); joining fewer", self._host, len(names), err
                )
                self._join_width, self._join_refused_at = len(names) - 1, now
                return None
            check_read(parts["summary"], ("SUMMARY",))
            summary = _first_row(parts["summary"], ("SUMMARY",))
            boards = await self._joined_board_rows(parts[board_read], board_read)
        except WhatsminerInvalidReplyError as err:
            _LOGGER.debug("%s: joined reply unreadable (%s); reading apart once", self._host, err)
            return None
        pools_part = parts.get("pools")
        return summary, boards, None if pools_part is None else self._joined_pool_rows(pools_part)

    def _joined_pool_rows(self, part: JsonObject) -> Rows | None:
        """Return the pool rows of a joined read; None to read them alone this time."""
        try:
            return _pool_rows(part)
        except (WhatsminerCommandRejectedError, WhatsminerInvalidReplyError) as err:
            _LOGGER.debug("%s: joined pools part unreadable (%s)", self._host, err)
            return None

    async def _joined_board_rows(self, part: JsonObject, board_read: str) -> Rows:
        """Return the board rows of a joined read.

        A refused ``edevs`` part means the firmware has no ``edevs``: the boards are
        read with ``devs`` now, and joined with summary from the next poll on.
        """
        sections = commands.READ_COMMANDS[board_read].sections
        try:
            check_read(part, sections)
        except WhatsminerCommandRejectedError:
            if board_read != "edevs":
                raise
            self._use_devs()
            return await self._read_boards()
        return rows(part, sections)
