"""Types, limits and the transport core both API generations share.

``JsonObject`` is a parsed reply before its fields are checked; :data:`MAX_REPLY_BYTES`
bounds what either transport reads, and :class:`Endpoint` is what both transports keep;
:class:`BlockingRunner` runs CPU-heavy work (v2's md5-crypt) off the event loop,
``hass.async_add_executor_job`` in Home Assistant.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final, Protocol

from .errors import WhatsminerConnectionError, WhatsminerTimeoutError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

type JsonObject = Mapping[str, object]

MAX_REPLY_BYTES: Final = 1024 * 1024
"""The largest reply accepted. Real replies are a few KiB; this bounds memory."""


class Endpoint:
    """Where a miner listens, how long to wait for it and how much to read; what opened.

    The part of a transport both generations share; each builds its exchanges on it.
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
        self._peer = f"{host}:{port}"
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._max_reply_bytes = max_reply_bytes
        self._connections_opened = 0

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far."""
        return self._connections_opened

    async def _opened[T](self, opening: Awaitable[T]) -> T:
        """Await ``opening`` (a new connection) within the connect timeout, and count it.

        Raises WhatsminerTimeoutError when the miner does not accept in time and
        WhatsminerConnectionError when the connection fails.
        """
        try:
            async with asyncio.timeout(self._connect_timeout):
                opened = await opening
        except TimeoutError as err:
            raise WhatsminerTimeoutError(
                f"{self._peer} did not accept a connection within {self._connect_timeout} s"
            ) from err
        except (OSError, ValueError, OverflowError) as err:
            # ValueError (UnicodeError) and OverflowError: a host or port the resolver or
            # the socket refuses. The client checks both first; this is the last line.
            raise WhatsminerConnectionError(f"cannot connect to {self._peer}: {err}") from err
        self._connections_opened += 1
        return opened


class BlockingRunner(Protocol):
    """Runs a blocking function off the event loop (``hass.async_add_executor_job``)."""

    def __call__[T](self, func: Callable[[], T], /) -> Awaitable[T]:
        """Run ``func`` in a worker and return its result."""
