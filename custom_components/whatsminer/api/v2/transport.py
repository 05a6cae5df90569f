"""Moving request and reply bytes between the v2 client and a miner.

The client talks to a :class:`Transport`; it never opens sockets itself. API v2 has one
request per TCP connection (:class:`V2Transport`). API v3 frames every message with a
4-byte little-endian length and keeps one connection open for many frames
(``api/v3/transport.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import socket
import struct
from typing import TYPE_CHECKING, Any, Final, Protocol

from ..common import Endpoint
from ..download import read_json_header, read_tail
from ..errors import (
    WhatsminerConnectionError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..download import SizeOf

_LOGGER = logging.getLogger(__name__)

_CHUNK_BYTES: Final = 64 * 1024
_LINGER_RESET: Final = struct.pack("ii", 1, 0)
"""SO_LINGER on, with no time: ``close`` resets the connection."""


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


def _abort(sock: socket.socket) -> None:
    """Close a failed exchange's connection with a reset, dropping any unsent data.

    A stuck miner never takes what is left in the send buffer; a reset frees the socket
    at once instead of leaving the kernel to retry.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    sock.close()


class _SocketReader:
    """Reads from a connected non-blocking socket through the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        """Read ``sock`` on ``loop``."""
        self._loop = loop
        self._sock = sock

    async def read(self, n: int) -> bytes:
        """Return up to ``n`` bytes; empty at the end of the stream."""
        return await self._loop.sock_recv(self._sock, n)


class V2Transport(Endpoint):
    """API v2: one JSON request per TCP connection, the reply read until it is complete.

    The reply ends at whichever comes first: the miner closing the connection, a NUL
    byte (the cgminer terminator), or a complete JSON document.
    """

    async def exchange(self, request: bytes) -> bytes:
        """Open a connection, send ``request``, read the reply and close the connection.

        Raises WhatsminerTimeoutError or WhatsminerConnectionError when the miner is not
        reachable or the reply does not arrive; ``request_sent`` on the error says
        whether the request had left. Raises WhatsminerReplyTooLargeError when the
        reply exceeds the size cap.
        """
        reply = await self._round_trip(
            request, self._read_reply, time_limit=self._timeout, late="did not answer"
        )
        if not reply:
            raise WhatsminerConnectionError(
                f"{self._peer} closed the connection without a reply", request_sent=True
            )
        _LOGGER.debug("%s replied with %d bytes", self._peer, len(reply))
        return reply

    async def download(
        self, request: bytes, size_of: SizeOf, *, keep: int, time_limit: float
    ) -> tuple[int, bytes]:
        """Send ``request``, then read a JSON header and the raw bytes it announces.

        ``size_of`` reads the header (decrypting it, for a privileged command) and returns
        the number of bytes that follow. The whole exchange must finish within
        ``time_limit`` seconds. Returns the size and the last ``keep`` bytes.
        """

        async def read(reader: _SocketReader) -> tuple[int, bytes]:
            header, received = await read_json_header(reader, self._peer)
            size = size_of(header)
            return size, await read_tail(reader, size, keep, received, self._peer)

        size, tail = await self._round_trip(
            request, read, time_limit=time_limit, late="did not finish the download"
        )
        _LOGGER.debug("%s sent %d bytes after the header", self._peer, size)
        return size, tail

    async def close(self) -> None:
        """Nothing to release: every v2 exchange closes its own connection."""

    async def _round_trip[T](
        self,
        request: bytes,
        read: Callable[[_SocketReader], Awaitable[T]],
        *,
        time_limit: float,
        late: str,
    ) -> T:
        """Connect, send ``request`` and ``read`` what comes back, all within ``time_limit``.

        ``late`` says what the miner failed to do in time, for the error text. The
        connection is closed afterwards; reset when the exchange failed.
        """
        loop = asyncio.get_running_loop()
        sock = await self._connect(loop)
        request_sent = completed = False
        try:
            async with asyncio.timeout(time_limit):
                await loop.sock_sendall(sock, request)
                request_sent = True
                result = await read(_SocketReader(loop, sock))
            completed = True
        except TimeoutError as err:
            raise WhatsminerTimeoutError(
                f"{self._peer} {late} within {time_limit} s", request_sent=request_sent
            ) from err
        except OSError as err:
            raise WhatsminerConnectionError(
                f"connection to {self._peer} failed: {err}", request_sent=request_sent
            ) from err
        finally:
            if completed:
                sock.close()
            else:
                _abort(sock)
        return result

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> socket.socket:
        """Open the TCP connection for one exchange.

        A bare non-blocking socket driven by the loop's ``sock_*`` calls: one request
        and one reply per connection need none of the stream machinery, whose objects
        were most of a poll's CPU time.
        """
        return await self._opened(self._open_socket(loop))

    async def _open_socket(self, loop: asyncio.AbstractEventLoop) -> socket.socket:
        """Connect to the first of the host's addresses that accepts; raise the last error."""
        last_error: OSError | None = None
        for family, address in await self._addresses(loop):
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(0.0)  # non-blocking
                await loop.sock_connect(sock, address)
            except OSError as err:
                sock.close()
                last_error = err
            except BaseException:
                sock.close()
                raise
            else:
                return sock
        raise last_error or OSError(f"{self._host} has no address")

    async def _addresses(
        self, loop: asyncio.AbstractEventLoop
    ) -> list[tuple[socket.AddressFamily, tuple[Any, ...]]]:
        """Return the (family, address) pairs to try: an IP address as it is, a name resolved.

        The port is always ours (the resolver would wrap one over 65535 around).
        """
        try:
            version = ipaddress.ip_address(self._host).version
        except ValueError:
            infos = await loop.getaddrinfo(self._host, None, type=socket.SOCK_STREAM)
            return [(family, (info[0], self._port, *info[2:])) for family, _, _, _, info in infos]
        family = socket.AF_INET6 if version == 6 else socket.AF_INET  # noqa: PLR2004
        return [(family, (self._host, self._port))]

    async def _read_reply(self, reader: _SocketReader) -> bytes:
        """Read until EOF, a NUL byte or a complete JSON document, within the size cap."""
        reply = bytearray()
        while chunk := await reader.read(_CHUNK_BYTES):
            terminator = chunk.find(b"\0")
            if terminator >= 0:
                chunk = chunk[:terminator]
            reply += chunk
            if len(reply) > self._max_reply_bytes:
                raise WhatsminerReplyTooLargeError(
                    f"{self._peer} sent more than {self._max_reply_bytes} bytes"
                )
            if terminator >= 0 or _is_complete_json(reply):
                break
        return bytes(reply)
