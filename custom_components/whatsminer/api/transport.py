"""Moving request and reply bytes between the client and a miner.

The client talks to a :class:`Transport`; it never opens sockets itself. API v2 has one
request per TCP connection (:class:`V2Transport`). API v3 frames every message with a
4-byte little-endian length and keeps one connection open for many frames; its
transport (:mod:`v3_transport`) implements the same protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Final, Protocol

from .download import read_json_header, read_tail
from .errors import (
    WhatsminerConnectionError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
)

if TYPE_CHECKING:
    from .download import SizeOf

_LOGGER = logging.getLogger(__name__)

MAX_REPLY_BYTES: Final = 1024 * 1024
"""The largest reply accepted. Real replies are a few KiB; this bounds memory."""

_CHUNK_BYTES: Final = 64 * 1024

CLOSE_TIMEOUT_SECONDS: Final = 1.0
"""How long closing a connection may take before the client stops waiting for it."""


class Transport(Protocol):
    """Sends one request and returns its raw reply bytes."""

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far."""

    async def exchange(self, request: bytes) -> bytes:
        """Send ``request`` and return the miner's reply, unparsed."""

    async def download(
        self, request: bytes, size_of: SizeOf, *, keep: int, time_limit: float
    ) -> tuple[int, bytes]:
        """Send ``request``; read a JSON header and the raw bytes it announces.

        Returns the announced size and the last ``keep`` bytes.
        """

    async def close(self) -> None:
        """Release any connection kept open between exchanges."""


def _is_complete_json(reply: bytes | bytearray) -> bool:
    """Tell whether ``reply`` already holds one whole JSON document.

    Miners usually close the connection after replying, but some keep it open until
    their idle timeout; stopping at a complete document saves that wait. A reply
    that only parses after repairs is read until the connection closes.
    """
    text = reply.rstrip()
    if not text.endswith(b"}"):
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


async def _release(writer: asyncio.StreamWriter, *, abort: bool) -> None:
    """Close the connection of one exchange, within a bounded time.

    A failed exchange (timeout, oversize reply, socket error, cancellation) aborts the
    connection: a graceful close would wait for unsent data a stuck miner never takes.
    Waiting for the close is bounded too, so a poll never hangs on a dead socket.
    """
    if abort:
        writer.transport.abort()
    else:
        writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
            await writer.wait_closed()


class V2Transport:
    """API v2: one JSON request per TCP connection, the reply read until it is complete.

    The reply ends at whichever comes first: the miner closing the connection, a NUL
    byte (the cgminer terminator), or a complete JSON document.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        connect_timeout: float,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        """Remember where the miner listens and how long to wait for it."""
        self._host = host
        self._port = port
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._max_reply_bytes = max_reply_bytes
        self._connections_opened = 0

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far."""
        return self._connections_opened

    async def exchange(self, request: bytes) -> bytes:
        """Open a connection, send ``request``, read the reply and close the connection.

        Raises WhatsminerTimeoutError or WhatsminerConnectionError when the miner is not
        reachable or the reply does not arrive; ``request_sent`` on the error says
        whether the request had left. Raises WhatsminerReplyTooLargeError when the
        reply exceeds the size cap.
        """
        reader, writer = await self._connect()
        request_sent = completed = False
        try:
            async with asyncio.timeout(self._timeout):
                writer.write(request)
                await writer.drain()
                request_sent = True
                reply = await self._read_reply(reader)
            completed = True
        except TimeoutError as err:
            raise WhatsminerTimeoutError(
                f"{self._host}:{self._port} did not answer within {self._timeout} s",
                request_sent=request_sent,
            ) from err
        except OSError as err:
            raise WhatsminerConnectionError(
                f"connection to {self._host}:{self._port} failed: {err}",
                request_sent=request_sent,
            ) from err
        finally:
            await _release(writer, abort=not completed)
        if not reply:
            raise WhatsminerConnectionError(
                f"{self._host}:{self._port} closed the connection without a reply",
                request_sent=True,
            )
        _LOGGER.debug("%s:%s replied with %d bytes", self._host, self._port, len(reply))
        return reply

    async def download(
        self, request: bytes, size_of: SizeOf, *, keep: int, time_limit: float
    ) -> tuple[int, bytes]:
        """Send ``request``, then read a JSON header and the raw bytes it announces.

        ``size_of`` reads the header (decrypting it, for a privileged command) and returns
        the number of bytes that follow. The whole exchange must finish within
        ``time_limit`` seconds. Returns the size and the last ``keep`` bytes.
        """
        peer = f"{self._host}:{self._port}"
        reader, writer = await self._connect()
        request_sent = completed = False
        try:
            async with asyncio.timeout(time_limit):
                writer.write(request)
                await writer.drain()
                request_sent = True
                header, received = await read_json_header(reader, peer)
                size = size_of(header)
                tail = await read_tail(reader, size, keep, received, peer)
            completed = True
        except TimeoutError as err:
            raise WhatsminerTimeoutError(
                f"{peer} did not finish the download within {time_limit} s",
                request_sent=request_sent,
            ) from err
        except OSError as err:
            raise WhatsminerConnectionError(
                f"connection to {peer} failed: {err}", request_sent=request_sent
            ) from err
        finally:
            await _release(writer, abort=not completed)
        _LOGGER.debug("%s sent %d bytes after the header", peer, size)
        return size, tail

    async def close(self) -> None:
        """Nothing to release: every v2 exchange closes its own connection."""

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open the TCP connection for one exchange."""
        try:
            async with asyncio.timeout(self._connect_timeout):
                connection = await asyncio.open_connection(self._host, self._port)
        except TimeoutError as err:
            raise WhatsminerTimeoutError(
                f"{self._host}:{self._port} did not accept a connection within "
                f"{self._connect_timeout} s"
            ) from err
        except (OSError, ValueError, OverflowError) as err:
            # ValueError (UnicodeError) and OverflowError: a host or port the resolver or
            # the socket refuses. The client checks both first; this is the last line.
            raise WhatsminerConnectionError(
                f"cannot connect to {self._host}:{self._port}: {err}"
            ) from err
        self._connections_opened += 1
        return connection

    async def _read_reply(self, reader: asyncio.StreamReader) -> bytes:
        """Read until EOF, a NUL byte or a complete JSON document, within the size cap."""
        reply = bytearray()
        while chunk := await reader.read(_CHUNK_BYTES):
            terminator = chunk.find(b"\0")
            if terminator >= 0:
                chunk = chunk[:terminator]
            reply += chunk
            if len(reply) > self._max_reply_bytes:
                raise WhatsminerReplyTooLargeError(
                    f"{self._host}:{self._port} sent more than {self._max_reply_bytes} bytes"
                )
            if terminator >= 0 or _is_complete_json(reply):
                break
        return bytes(reply)
