"""The end of the miner's own log, redacted, for the diagnostics download.

Support asks for the miner's log first. Only its last :data:`LOG_TAIL_BYTES` are
attached, so the download stays small however long the miner has been running. The log
is the miner's free text: before it leaves Home Assistant, what locates or identifies the
miner or its owner is replaced, by pattern (IP and MAC addresses, URLs, ``key=value``
credentials) and by value (the pools and workers, host, host name and serial this entry
knows). A log that cannot be read leaves a short reason instead: diagnostics must not
fail because the miner is busy or off. The log's content is never logged.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import CONF_HOST, CONF_PASSWORD

from .api import WhatsminerError
from .helpers import WrongMinerError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .api import MinerLog
    from .coordinator import WhatsminerCoordinator

LOG_TAIL_BYTES: Final = 256 * 1024
"""How much of the end of the miner's log the diagnostics carry."""

REDACTED: Final = "**REDACTED**"
_GZIP_MAGIC: Final = b"\x1f\x8b"

# Order matters: URLs first (they may hold addresses and credentials), then MACs before
# IPv6 (a MAC looks like a short IPv6 address).
_PATTERNS: Final = (
    re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://\S+"),
    re.compile(r"\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b"),
    re.compile(r"\b(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}\b"),
    re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4})?(?![\w:])"),
    re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
)
_CREDENTIAL: Final = re.compile(
    r"(?i)\b(pass(?:wd|word)?\d?|pwd|worker\d?|user(?:name)?\d?|account|token|key|salt|sign)"
    r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


def redact_log(text: str, known: Iterable[str]) -> str:
    """Replace what identifies the miner or its owner in ``text``.

    ``known`` holds values to replace wherever they appear (pool URLs, workers, host
    name…); the longest go first, so a value that contains another is replaced whole.
    """
    for value in sorted({value for value in known if len(value) >= 3}, key=len, reverse=True):  # noqa: PLR2004
        text = text.replace(value, REDACTED)
    text = _CREDENTIAL.sub(lambda match: f"{match[1]}{match[2]}{REDACTED}", text)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _known_values(coordinator: WhatsminerCoordinator) -> list[str]:
    """Return what this entry knows that identifies the miner, its owner or the pools."""
    identity, data = coordinator.link.identity, coordinator.data
    entry_data = coordinator.config_entry.data
    values = [
        entry_data[CONF_HOST],
        entry_data[CONF_PASSWORD],
        identity.mac,
        identity.hostname or "",
        identity.serial or "",
    ]
    if data is not None:
        for pool in data.pools:
            values += [pool.url, pool.user or ""]
            # A worker is "account.worker": the account alone identifies the owner too.
            values += (pool.user or "").split(".")[:1]
    return values


def _log_lines(log: MinerLog, known: Iterable[str]) -> list[str]:
    """Decode, trim to whole lines and redact the end of the log."""
    text = log.tail.decode("utf-8", errors="replace")
    if log.size > len(log.tail):
        text = text.partition("\n")[2]  # the first line was cut in the middle
    return redact_log(text, known).splitlines()


async def async_miner_log(coordinator: WhatsminerCoordinator) -> dict[str, Any]:
    """Download the end of the miner's log; a short reason instead when that fails."""
    known = _known_values(coordinator)
    try:
        await coordinator.link.async_confirm_identity()
        log = await coordinator.link.client.download_log(LOG_TAIL_BYTES)
    except WrongMinerError:
        return {"error": "a different miner answers at the address"}
    except WhatsminerError as err:
        return {"error": redact_log(f"{type(err).__name__}: {err}", known)}
    if log.tail.startswith(_GZIP_MAGIC):
        return {"size": log.size, "error": "the miner sent a compressed archive; not attached"}
    return {"size": log.size, "attached_bytes": len(log.tail), "lines": _log_lines(log, known)}
