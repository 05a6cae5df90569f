"""API v3 framing on one persistent TCP connection (PROTOCOL.md §4.1, §4.9).

Every message in both directions is a little-endian uint32 length followed by that many
bytes of UTF-8 JSON; a zero-length frame from the miner is a heartbeat. Opening a TCP
connection per request costs the miner one of its 10 client slots each time, so one
connection is opened lazily and reused by every request, one request at a time.

The miner closes a connection after 300 s without traffic, which is shorter than a slow
poll interval. A connection the miner has closed is noticed before it is used (the reader
is at EOF) and replaced; when a reused connection dies before any byte of the reply
arrived (the close raced the request), the request is sent once more on a fresh one,
unless the caller says that sending it twice could do harm. Any other failure drops the
connection, so the next request starts clean.

We never send heartbeats: reconnecting after an idle close costs one TCP handshake,
while keeping the connection alive would cost a task and traffic for nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import struct
from typing import TYPE_CHECKING, Final

from ..common import MAX_REPLY_BYTES, Endpoint
from ..download import read_tail
from ..errors import (
    WhatsminerConnectionError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
)

if TYPE_CHECKING:
    from ..download import SizeOf

_LOGGER = logging.getLogger(__name__)

V3_PORT: Final = 4433
HEADER: Final = struct.Struct("<I")
"""The length prefix of every frame: uint32, little-endian."""
CLOSE_TIMEOUT_SECONDS: Final = 1.0
"""How long closing a connection may take before the client stops waiting for it."""


class _UnansweredError(WhatsminerConnectionError):
    """The connection failed before any byte of the reply arrived.

    On a reused connection this is what a close by the miner looks like when it crosses
    the request on the wire, so the request may be sent again on a fresh connection.
    """


class FrameReader:
    """Reads the miner's frames from one connection, skipping heartbeats."""

    def __init__(self, reader: asyncio.StreamReader, *, peer: str, max_frame_bytes: int) -> None:
        """Read from ``reader``; ``peer`` (host:port) names the miner in error messages."""
        self._reader = reader
        self._peer = peer
        self._max_frame_bytes = max_frame_bytes

    async def read(self) -> bytes:
        """Return the body of the next frame that is not a heartbeat.

        Raises WhatsminerReplyTooLargeError for a frame over the size cap,
        WhatsminerInvalidReplyError for a body that is not UTF-8 and
        WhatsminerConnectionError when the stream ends or breaks: between frames (nothing
        of a reply arrived) or inside one (the reply was cut short).
        """
        while True:
            try:
                header = await self._reader.readexactly(HEADER.size)
            except (asyncio.IncompleteReadError, OSError) as err:
                if isinstance(err, asyncio.IncompleteReadError) and err.partial:
                    raise self._cut_short() from err
                raise _UnansweredError(
                    f"{self._peer} closed the connection without replying", request_sent=True
                ) from err
            (size,) = HEADER.unpack(header)
            if size:
                return await self._read_body(size)

    async def _read_body(self, size: int) -> bytes:
        """Read a frame body of ``size`` bytes and check that it is UTF-8 text."""
        if size > self._max_frame_bytes:
            raise WhatsminerReplyTooLargeError(
                f"{self._peer} announced a frame of {size} bytes, "
                f"more than the {self._max_frame_bytes} accepted"
            )
        try:
            body = await self._reader.readexactly(size)
        except (asyncio.IncompleteReadError, OSError) as err:
            raise self._cut_short() from err
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise WhatsminerInvalidReplyError(
                f"{self._peer} sent a frame that is not UTF-8"
            ) from err
        return body

    def _cut_short(self) -> WhatsminerConnectionError:
        """Build the error for a connection that ended inside a frame."""
        return WhatsminerConnectionError(
            f"{self._peer} closed the connection in the middle of a reply", request_sent=True
        )


@dataclass(frozen=True, slots=True)
class _Connection:
    """One open connection to the miner and its frame reader."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    frames: FrameReader


class V3Transport(Endpoint):
    """API v3: framed JSON requests on one persistent, lazily opened TCP connection."""

    def __init__(
        self,
        host: str,
        port: int = V3_PORT,
        *,
        timeout: float,
        connect_timeout: float,
        max_frame_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        """Remember where the miner listens and how long to wait for it; connect later."""
        super().__init__(
            host,
            port,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_reply_bytes=max_frame_bytes,
        )
        self._lock = asyncio.Lock()
        self._connection: _Connection | None = None

    async def exchange(self, request: bytes, *, idempotent: bool = True) -> bytes:
        """Send one request frame and return the body of the reply frame.

        ``request`` is the JSON body without the length prefix. Pass ``idempotent=False``
        for a command that must not run twice: then a reused connection that fails after
        the request left raises instead of sending the request again.

        Raises WhatsminerTimeoutError or WhatsminerConnectionError when the miner is not
        reachable or the reply does not arrive (``request_sent`` says whether the request
        had left), WhatsminerReplyTooLargeError for a frame over the size cap and
        WhatsminerInvalidReplyError for a reply that is not UTF-8.
        """
        if not request:
            raise WhatsminerInvalidArgumentError(
                "request must not be empty: an empty frame is a heartbeat"
            )
        frame = HEADER.pack(len(request)) + request
        async with self._lock:
            connection = await self._reusable_connection()
            if connection is not None:
                try:
                    return await self._exchange_on(connection, frame)
                except _UnansweredError as err:
                    if err.request_sent and not idempotent:
                        raise
                    _LOGGER.debug(
                        "%s: the kept connection closed before replying; retrying on a new one",
                        self._peer,
                    )
            return await self._exchange_on(await self._connect(), frame)

    async def download(
        self, request: bytes, size_of: SizeOf, *, keep: int, time_limit: float
    ) -> tuple[int, bytes]:
        """Send one request frame; read the reply frame and the raw bytes it announces.

        The download gets a connection of its own, closed afterwards: raw bytes in the
        middle of the framed stream would leave the kept connection unusable if the
        download broke off. ``size_of`` reads the reply frame and returns the number of
        raw bytes after it; the whole exchange must finish within ``time_limit`` seconds.
        Returns the size and the last ``keep`` bytes.
        """
        connection = await self._open()
        completed = False
        try:
            async with asyncio.timeout(time_limit):
                connection.writer.write(HEADER.pack(len(request)) + request)
                await connection.writer.drain()
                size = size_of(await connection.frames.read())
                tail = await read_tail(connection.reader, size, keep, b"", self._peer)
            completed = True
        except TimeoutError as err:
            raise WhatsminerTimeoutError(
                f"{self._peer} did not finish the download within {time_limit} s",
                request_sent=True,
            ) from err
        except OSError as err:
            raise WhatsminerConnectionError(
                f"{self._peer} broke off the download: {err}", request_sent=True
            ) from err
        finally:
            await self._release(connection, abort=not completed)
        _LOGGER.debug("%s sent %d bytes after the header", self._peer, size)
        return size, tail

    async def close(self) -> None:
        """Close the kept connection, if any; the next request opens a new one."""
        if (connection := self._connection) is not None:
            self._connection = None
            await self._release(connection, abort=False)

    async def _reusable_connection(self) -> _Connection | None:
        """Return the kept connection unless the miner has closed it meanwhile."""
        connection = self._connection
        if connection is not None and (
            connection.reader.at_eof() or connection.writer.is_closing()
        ):
            # EOF: the miner closed it (idle timeout); closing: it was reset meanwhile.
            _LOGGER.debug("%s: the miner closed the idle connection", self._peer)
            await self._drop(connection, abort=False)
            return None
        return connection

    async def _drop(self, connection: _Connection, *, abort: bool) -> None:
        """Forget ``connection`` (unless already replaced) and close it."""
        if self._connection is connection:
            self._connection = None
        await self._release(connection, abort=abort)

    async def _release(self, connection: _Connection, *, abort: bool) -> None:
        """Close a connection within a bounded time; abort it when its state is unknown.

        After a failure (timeout, cut frame, cancellation) the stream may be in the middle
        of a frame, and a graceful close would wait for data a stuck miner never takes.
        """
        writer = connection.writer
        if abort:
            writer.transport.abort()
        else:
            writer.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                await writer.wait_closed()
        except (OSError, TimeoutError):
            _LOGGER.debug("%s: closing the connection did not complete cleanly", self._peer)

    async def _exchange_on(self, connection: _Connection, frame: bytes) -> bytes:
        """Send ``frame`` and read the reply on ``connection``; drop it on any failure."""
        request_sent = False
        try:
            async with asyncio.timeout(self._timeout):
                try:
                    connection.writer.write(frame)
                    await connection.writer.drain()
                except OSError as err:
                    raise _UnansweredError(
                        f"{self._peer} closed the connection before the request left: {err}"
                    ) from err
                request_sent = True
                reply = await connection.frames.read()
        except TimeoutError as err:
            await self._drop(connection, abort=True)
            raise WhatsminerTimeoutError(
                f"{self._peer} did not answer within {self._timeout} s", request_sent=request_sent
            ) from err
        except BaseException:
            # Our typed errors, and cancellation: the stream may be mid-frame either way.
            await self._drop(connection, abort=True)
            raise
        _LOGGER.debug("%s replied with %d bytes", self._peer, len(reply))
        return reply

    async def _connect(self) -> _Connection:
        """Open the connection that later requests reuse."""
        self._connection = await self._open()
        return self._connection

    async def _open(self) -> _Connection:
        """Open a connection to the miner."""
        reader, writer = await self._opened(asyncio.open_connection(self._host, self._port))
        frames = FrameReader(reader, peer=self._peer, max_frame_bytes=self._max_reply_bytes)
        return _Connection(reader=reader, writer=writer, frames=frames)
