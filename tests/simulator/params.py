"""Checks of command parameters, shared by the v2 and v3 command handlers.

The firmware documents most values as strings ("0".."99999") but accepts JSON numbers too
(pyasic sends ints), so numbers may arrive either way. A bad value raises `InvalidParameterError`,
which v2 answers with Code 132 and v3 with code -2 (a missing one: v3 code -3).
"""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
import re
from typing import Any

_INTEGER = re.compile(r"[+-]?\d+")
_HOSTNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_PASSWORD = re.compile(r"[A-Za-z0-9_]{1,8}")


class InvalidParameterError(ValueError):
    """A parameter is missing or has a value the command does not accept."""

    def __init__(self, name: str, *, missing: bool = False) -> None:
        """Name the offending parameter; `missing` tells v3 to answer -3 instead of -2."""
        super().__init__(f"{'missing' if missing else 'invalid'} param: {name}")
        self.name = name
        self.missing = missing


def require(params: Mapping[str, Any], name: str) -> Any:
    """Return `params[name]`, or raise because it is missing."""
    if name not in params or params[name] is None:
        raise InvalidParameterError(name, missing=True)
    return params[name]


def integer(value: object, name: str, low: int, high: int) -> int:
    """Return an int in [low, high] given as a JSON number or a decimal string."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value)
    else:
        raise InvalidParameterError(name)
    if not low <= number <= high:
        raise InvalidParameterError(name)
    return number


def flag(value: object, name: str) -> bool:
    """Return a 0/1 switch given as 0, 1, "0", "1" or a JSON bool."""
    if isinstance(value, bool):
        return value
    return bool(integer(value, name, 0, 1))


def true_false(value: object, name: str) -> bool:
    """Return a "true"/"false" string (or a JSON bool) as a bool."""
    if isinstance(value, bool):
        return value
    if value in {"true", "false"}:
        return value == "true"
    raise InvalidParameterError(name)


def choice[T: str](value: object, name: str, allowed: tuple[T, ...]) -> T:
    """Return `value` if it is one of the `allowed` strings."""
    for option in allowed:
        if value == option:
            return option
    raise InvalidParameterError(name)


def text(value: object, name: str) -> str:
    """Return a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(name)
    return value


def hostname(value: object, name: str) -> str:
    """Return a hostname: letters, digits, `-`, `_`, `.`; up to 63 characters."""
    if not isinstance(value, str) or not _HOSTNAME.fullmatch(value):
        raise InvalidParameterError(name)
    return value


def ipv4(value: object, name: str) -> str:
    """Return a dotted IPv4 address."""
    try:
        return str(ipaddress.IPv4Address(value if isinstance(value, str) else ""))
    except ValueError:
        raise InvalidParameterError(name) from None


def password(value: object, name: str) -> str:
    """Return an admin password: 1-8 of `[A-Za-z0-9_]` (PROTOCOL.md §2.5 `update_pwd`)."""
    if not isinstance(value, str) or not _PASSWORD.fullmatch(value):
        raise InvalidParameterError(name)
    return value


def led_step(value: object, name: str) -> dict[str, Any]:
    """Return one manual LED step: color red/green, period/duration/start in ms."""
    if not isinstance(value, Mapping):
        raise InvalidParameterError(name)
    return {
        "color": choice(require(value, "color"), "color", ("red", "green")),
        **{
            key: integer(require(value, key), key, 0, 1_000_000)
            for key in ("period", "duration", "start")
        },
    }
