"""Types and limits both API generations share.

``JsonObject`` is a parsed reply before its fields are checked; :data:`MAX_REPLY_BYTES`
bounds what either transport reads; :class:`BlockingRunner` runs CPU-heavy work (v2's
md5-crypt) off the event loop, ``hass.async_add_executor_job`` in Home Assistant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

type JsonObject = Mapping[str, object]

MAX_REPLY_BYTES: Final = 1024 * 1024
"""The largest reply accepted. Real replies are a few KiB; this bounds memory."""


class BlockingRunner(Protocol):
    """Runs a blocking function off the event loop (``hass.async_add_executor_job``)."""

    def __call__[T](self, func: Callable[[], T], /) -> Awaitable[T]:
        """Run ``func`` in a worker and return its result."""
