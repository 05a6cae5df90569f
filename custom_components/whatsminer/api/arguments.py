"""Argument checks: what a client is built with, and what an operation carries.

A host or port the resolver or the socket layer cannot take would otherwise surface
as a UnicodeError, ValueError or OverflowError from deep inside asyncio at the first
poll, and a password with a NUL byte as a passlib error after a token was spent.
Checking them up front turns each into a WhatsminerInvalidArgumentError before
anything is sent. The same holds for the arguments of every operation
(:mod:`.operations`): a Home Assistant service call can pass anything, whatever the
annotations say. Messages name the argument and the rule, never the value: some values
are passwords.
"""

from __future__ import annotations

from collections.abc import Sequence
import re
from typing import Final

from .errors import WhatsminerInvalidArgumentError
from .models import PoolConfig

MAX_HOST_CHARS: Final = 253
"""The longest DNS name; addresses are shorter."""

MAX_LABEL_CHARS: Final = 63
"""The longest label (the text between dots) of a DNS name."""

_PORTS: Final = range(1, 65536)

MAX_POOLS: Final = 3
_POOL_FIELD: Final = re.compile(r"[^\x00-\x1f\x7f]{0,255}")
_POOL_URL: Final = re.compile(r"[^\s\x00-\x1f\x7f]{1,255}")
_HOSTNAME: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HOSTNAME_RULE: Final = "1 to 63 letters, digits or inner hyphens"
# A POSIX TZ rule (``CST-8``, ``CET-1CEST,M3.5.0,M10.5.0/3``, ``<+0530>-5:30``): printable
# ASCII without spaces; the firmware writes it into its TZ file as it is.
_POSIX_ZONE: Final = re.compile(r"[!-~]{3,64}")
_POSIX_ZONE_RULE: Final = "a POSIX time zone rule of 3 to 64 printable characters"
# An IANA name (``Asia/Shanghai``, ``America/Argentina/Buenos_Aires``, ``UTC``, ``Etc/GMT+5``).
_ZONE_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,31}(?:/[A-Za-z0-9_+\-]{1,32}){0,3}")
_ZONE_NAME_RULE: Final = "an IANA time zone name such as Europe/Berlin"


def invalid(argument: str, rule: str) -> WhatsminerInvalidArgumentError:
    """Build the error for an argument that breaks its rule."""
    return WhatsminerInvalidArgumentError(f"{argument} must be {rule}")


def check_host(host: object) -> str:
    """Return ``host`` if it can name a miner: a DNS name or an IP address."""
    if (
        not isinstance(host, str)
        or not host
        or "\0" in host
        or len(host) > MAX_HOST_CHARS
        or any(len(label) > MAX_LABEL_CHARS for label in host.split("."))
    ):
        raise WhatsminerInvalidArgumentError(
            f"host must be a name or address of 1 to {MAX_HOST_CHARS} characters, "
            f"{MAX_LABEL_CHARS} at most between dots, without NUL"
        )
    return host


def check_port(argument: str, port: object) -> int:
    """Return ``port`` if it is a TCP port number."""
    if not isinstance(port, int) or isinstance(port, bool) or port not in _PORTS:
        raise WhatsminerInvalidArgumentError(f"{argument} must be an integer from 1 to 65535")
    return port


def check_password(password: object) -> str:
    """Return ``password`` if md5-crypt can take it: text without NUL bytes."""
    if not isinstance(password, str) or "\0" in password:
        raise WhatsminerInvalidArgumentError("password must be text without NUL characters")
    return password


def check_integer(argument: str, value: object, minimum: int, maximum: int) -> int:
    """Return ``value`` if it is an int (not a bool) within ``minimum..maximum``."""
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise invalid(argument, f"an integer from {minimum} to {maximum}")
    return value


def check_flag(argument: str, value: object) -> bool:
    """Return ``value`` if it is a real bool."""
    if not isinstance(value, bool):
        raise invalid(argument, "True or False")
    return value


def check_choice(argument: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` as a plain string if it is one of ``choices``."""
    for choice in choices:
        if value == choice:
            return str(choice)
    raise invalid(argument, "one of " + ", ".join(repr(str(choice)) for choice in choices))


def _checked_text(argument: str, value: object, pattern: re.Pattern[str], rule: str) -> str:
    """Return ``value`` if it is a string that ``pattern`` matches whole."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise invalid(argument, rule)
    return value


def check_hostname(value: object) -> str:
    """Return ``value`` if the firmware takes it as a host name (RFC 1123 label)."""
    return _checked_text("hostname", value, _HOSTNAME, _HOSTNAME_RULE)


def check_posix_zone(value: object) -> str:
    """Return ``value`` if it can be a POSIX TZ rule (``CST-8``)."""
    return _checked_text("timezone", value, _POSIX_ZONE, _POSIX_ZONE_RULE)


def check_zone_name(value: object) -> str:
    """Return ``value`` if it can be an IANA time zone name (``Asia/Shanghai``)."""
    return _checked_text("zonename", value, _ZONE_NAME, _ZONE_NAME_RULE)


def check_pools(value: object) -> tuple[PoolConfig, ...]:
    """Return ``value`` as a tuple if it holds 1 to 3 pools the firmware takes."""
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or not 1 <= len(value) <= MAX_POOLS
        or not all(isinstance(pool, PoolConfig) for pool in value)
    ):
        raise invalid("pools", f"a list of 1 to {MAX_POOLS} PoolConfig")
    for slot, pool in enumerate(value, start=1):
        _check_pool(slot, pool)
    return tuple(value)


def _check_pool(slot: int, pool: PoolConfig) -> None:
    """Check one pool's texts: a URL without spaces, a printable worker and password."""
    if not all(isinstance(text, str) for text in (pool.url, pool.worker, pool.password)):
        raise invalid(f"pool {slot} url, worker and password", "text")
    if not _POOL_URL.fullmatch(pool.url):
        raise invalid(f"pool {slot} url", "1 to 255 characters without spaces")
    if not (_POOL_FIELD.fullmatch(pool.worker) and _POOL_FIELD.fullmatch(pool.password)):
        raise invalid(f"pool {slot} worker and password", "printable, 255 at most")
