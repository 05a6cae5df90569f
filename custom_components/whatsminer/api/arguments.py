"""Checks of what a client is built with: the miner's address, its ports, the password.

A host or port the resolver or the socket layer cannot take would otherwise surface
as a UnicodeError, ValueError or OverflowError from deep inside asyncio at the first
poll, and a password with a NUL byte as a passlib error after a token was spent.
Checking them up front turns each into a WhatsminerInvalidArgumentError before
anything is sent. As in ``commands``, messages state the rule, never the value.
"""

from __future__ import annotations

from typing import Final

from .errors import WhatsminerInvalidArgumentError

MAX_HOST_CHARS: Final = 253
"""The longest DNS name; addresses are shorter."""

MAX_LABEL_CHARS: Final = 63
"""The longest label (the text between dots) of a DNS name."""

_PORTS: Final = range(1, 65536)


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
