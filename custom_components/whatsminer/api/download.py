"""Replies that a JSON header opens and raw bytes follow, on the same connection.

The miner's log comes this way on both APIs (PROTOCOL.md §2.5 ``download_logs``, §4.9
``get.log.download``): first a JSON reply announcing a size, then that many raw bytes,
neither framed nor terminated. On v2 the header is the first JSON document of the
stream and the bytes may arrive in the same segment; on v3 it is an ordinary frame.

Only the last ``keep`` bytes are kept while reading, so memory stays bounded however
large the log is; the announced size is capped too (:data:`MAX_DOWNLOAD_BYTES`), and
the caller bounds the time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, Protocol

from .errors import (
    WhatsminerConnectionError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
)
from .values import integer

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_HEADER_BYTES: Final = 64 * 1024
"""The longest JSON header accepted; real ones are under 200 bytes."""

MAX_DOWNLOAD_BYTES: Final = 256 * 1024 * 1024
"""The largest size a header may announce; miners keep logs of a few MiB."""

DOWNLOAD_TIME_LIMIT_S: Final = 60.0
"""How long a whole download may take; a few MiB on a slow control board fit easily."""

_CHUNK_BYTES: Final = 64 * 1024
_DECODER: Final = json.JSONDecoder()

type SizeOf = Callable[[bytes], int]
"""Reads the header and returns the number of raw bytes that follow it."""


class ChunkReader(Protocol):
    """Where the bytes come from: an asyncio stream (v3) or a socket (v2)."""

    async def read(self, n: int) -> bytes:
        """Return up to ``n`` bytes; empty at the end of the stream."""


def check_keep(keep: int) -> int:
    """Return ``keep`` if it is a positive number of bytes to keep."""
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise WhatsminerInvalidArgumentError("keep must be a positive number of bytes")
    return keep


def announced_size(value: object, field: str) -> int:
    """Return the size a header announces: a whole number, as JSON number or text."""
    size = integer(value)
    if size is None or size < 0 or (size != value and str(size) != str(value).strip()):
        raise WhatsminerInvalidReplyError(f"the header's {field} is not a size")
    if size > MAX_DOWNLOAD_BYTES:
        raise WhatsminerReplyTooLargeError(
            f"the header announces {size} bytes, more than the {MAX_DOWNLOAD_BYTES} accepted"
        )
    return size


def split_header(buffer: bytes) -> tuple[bytes, bytes] | None:
    """Split ``buffer`` into the JSON document it starts with and the bytes after it.

    Returns None while the document is not complete (or not JSON at all: the caller
    stops at :data:`MAX_HEADER_BYTES` or at the end of the stream).
    """
    text = buffer.decode("utf-8", errors="surrogateescape")
    stripped = text.lstrip(" \t\n\r")  # JSON whitespace only
    try:
        _, end = _DECODER.raw_decode(stripped)
    except (ValueError, RecursionError):
        return None
    consumed = len(text) - len(stripped) + end
    header = text[:consumed].encode("utf-8", errors="surrogateescape")
    return header, buffer[len(header) :]


async def read_json_header(reader: ChunkReader, peer: str) -> tuple[bytes, bytes]:
    """Read until the stream holds one whole JSON document; return it and what followed."""
    buffer = b""
    while (split := split_header(buffer)) is None:
        if len(buffer) > MAX_HEADER_BYTES:
            raise WhatsminerReplyTooLargeError(
                f"{peer} sent no JSON header within {MAX_HEADER_BYTES} bytes"
            )
        chunk = await reader.read(_CHUNK_BYTES)
        if not chunk:
            if buffer.strip():
                raise WhatsminerInvalidReplyError(f"{peer} sent a header that is not JSON")
            raise WhatsminerConnectionError(
                f"{peer} closed the connection without replying", request_sent=True
            )
        buffer += chunk
    return split


async def read_tail(reader: ChunkReader, size: int, keep: int, received: bytes, peer: str) -> bytes:
    """Read the ``size`` raw bytes that follow a header; return the last ``keep`` of them.

    ``received`` holds the bytes that came with the header already. Raises
    WhatsminerConnectionError when the stream ends before ``size`` bytes arrived.
    """
    tail = bytearray(received[:size][-keep:])
    got = min(len(received), size)
    while got < size:
        chunk = await reader.read(min(_CHUNK_BYTES, size - got))
        if not chunk:
            raise WhatsminerConnectionError(
                f"{peer} ended the download after {got} of {size} bytes", request_sent=True
            )
        got += len(chunk)
        tail += chunk
        del tail[:-keep]
    return bytes(tail)
