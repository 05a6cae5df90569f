"""The POSIX time zone rule of an IANA zone, as the miner wants it set.

Whatsminer firmware (OpenWrt underneath) takes its time zone as a POSIX TZ rule
(``CET-1CEST,M3.5.0,M10.5.0/3``) together with the IANA name (``Europe/Berlin``); Home
Assistant knows only the name. Every compiled zone file (TZif version 2 and later,
RFC 8536 §3.3) ends with exactly that rule, so it is read from there: from the system's
zone files or, where there are none, from the ``tzdata`` package Python's ``zoneinfo``
falls back to. Nothing is looked up on the network. Reading a file blocks: callers run
:func:`posix_rule` in the executor.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
import re
from typing import Final
import zoneinfo

from .api import WhatsminerInvalidArgumentError, check_zone_name

_TZIF_MAGIC: Final = b"TZif"
_FIRST_VERSION_WITH_FOOTER: Final = ord("2")
_MAX_ZONE_FILE_BYTES: Final = 1024 * 1024  # real ones are under 4 KiB
# What the miner takes (the api package checks it again): printable ASCII, no spaces.
_RULE: Final = re.compile(r"[!-~]{3,64}")


def rule_from_tzif(data: bytes) -> str | None:
    """Return the POSIX rule at the end of a TZif file; None when it has none.

    The footer is the file's last line, between two newlines; version 1 files and
    zones whose rule cannot be written in POSIX form have none (or an empty one).
    """
    if (
        len(data) < len(_TZIF_MAGIC) + 1
        or not data.startswith(_TZIF_MAGIC)
        or data[len(_TZIF_MAGIC)] < _FIRST_VERSION_WITH_FOOTER
        or not data.endswith(b"\n")
    ):
        return None
    start = data.rfind(b"\n", 0, len(data) - 1)
    footer = data[start + 1 : -1]
    if start < 0 or not _RULE.fullmatch(footer.decode("latin-1")):
        return None
    return footer.decode("ascii")


def _zone_file(zone_name: str) -> bytes | None:
    """Return the compiled zone file of ``zone_name``, from the system or ``tzdata``."""
    parts = zone_name.split("/")
    for directory in zoneinfo.TZPATH:
        path = Path(directory).joinpath(*parts)
        if path.is_file():
            return path.read_bytes()[:_MAX_ZONE_FILE_BYTES]
    try:
        packaged = resources.files("tzdata").joinpath("zoneinfo", *parts)
    except ModuleNotFoundError:
        return None
    return packaged.read_bytes()[:_MAX_ZONE_FILE_BYTES] if packaged.is_file() else None


def posix_rule(zone_name: str) -> str | None:
    """Return the POSIX rule of the IANA zone ``zone_name``; None if it cannot be found.

    Blocking (file I/O): run it in the executor.
    """
    try:
        check_zone_name(zone_name)  # also keeps the name from leaving the zone directory
    except WhatsminerInvalidArgumentError:
        return None
    data = _zone_file(zone_name)
    return None if data is None else rule_from_tzif(data)
