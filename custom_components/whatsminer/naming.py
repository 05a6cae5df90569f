"""The name a miner gets as device and config entry title.

Every miner leaves the factory with the host name "WhatsMiner", so a farm of them
would get as many devices named alike (and entity ids numbered _2, _3, ...). A host
name the user set is kept; the factory one (or none) becomes the model and the end
of the MAC address, the way the miner's own label and the DHCP lease tell them apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .api import Identity

FACTORY_HOSTNAME: Final = "whatsminer"
FALLBACK_MODEL: Final = "Whatsminer"


def miner_name(identity: Identity) -> str:
    """Return the user's host name, or model and MAC suffix, e.g. "M50S+VH40 8C36"."""
    hostname = (identity.hostname or "").strip()
    if hostname and hostname.casefold() != FACTORY_HOSTNAME:
        return hostname
    suffix = identity.mac.replace(":", "").replace("-", "")[-4:].upper()
    return f"{identity.model or FALLBACK_MODEL} {suffix}"
