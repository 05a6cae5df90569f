"""The name a miner gets as device and config entry title.

Every miner leaves the factory with the host name "WhatsMiner", so a farm of them
would get as many devices named alike (and entity ids numbered _2, _3, ...). A host
name the user set is kept; the factory one (or none) becomes the model and the end
of the MAC address, the way the miner's own label and the DHCP lease tell them apart.

The firmware writes a model and its hashboard version as one word ("M50_VH50",
"M30S+VE40"); ``readable_model`` writes them the way people do, "M50 (VH50)", for names
and the device's model (its ``model_id`` keeps the firmware's word).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .api import Identity

FACTORY_HOSTNAME: Final = "whatsminer"
FALLBACK_MODEL: Final = "Whatsminer"

_MODEL_AND_VERSION: Final = re.compile(r"(M\d+[A-Z]*\+*)_?(V[A-Z]{0,2}\d+[A-Z]?)", re.IGNORECASE)
"""The firmware's model word: the model ("M50", "M30S+"), then its hashboard version."""


def miner_name(identity: Identity) -> str:
    """Return the user's host name, or model and MAC suffix, e.g. "M50S+ (VH40) 8C36".

    Only new entries take it as their title: an existing entry (and its entity ids)
    keeps the name it was given.
    """
    hostname = (identity.hostname or "").strip()
    if hostname and hostname.casefold() != FACTORY_HOSTNAME:
        return hostname
    suffix = identity.mac.replace(":", "").replace("-", "")[-4:].upper()
    return f"{readable_model(identity.model)} {suffix}"


def software_version(identity: Identity) -> str | None:
    """Return the firmware and the API it speaks, e.g. "20240924.14.Rel (API 2.0.5)".

    The device page shows it as the firmware; the API version tells v2 from v3.
    """
    if identity.firmware is None or identity.api_version is None:
        return identity.firmware
    return f"{identity.firmware} (API {identity.api_version})"


def readable_model(model: str | None) -> str:
    """Return the firmware's model as people write it: "M50_VH50" as "M50 (VH50)".

    A model that does not read as model and hashboard version is returned as it is.
    """
    model = (model or "").strip()
    if not model:
        return FALLBACK_MODEL
    if parts := _MODEL_AND_VERSION.fullmatch(model):
        return f"{parts[1]} ({parts[2]})"
    return model
