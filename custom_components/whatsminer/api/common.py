"""Types, limits and the transport core both API generations share.

``JsonObject`` is a parsed reply before its fields are checked; :data:`MAX_REPLY_BYTES`
bounds what either transport reads, and :class:`Endpoint` is what both transports keep;
:class:`BlockingRunner` runs CPU-heavy work (v2's md5-crypt) off the event loop,
``hass.async_add_executor_job`` in Home Assistant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

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
        max_reply_bytes: int,
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


class BlockingRunner(Protocol):
    """Runs a blocking function off the event loop (``hass.async_add_executor_job``)."""

    def __call__[T](self, func: Callable[[], T], /) -> Awaitable[T]:
        """Run ``func`` in a worker and return its result."""
