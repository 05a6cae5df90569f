"""The miner's identity as it is kept in the config entry.

A miner on a solar schedule is often off when Home Assistant starts. Keeping the last
identity in ``entry.data`` lets the entry load anyway, with the same device and entities
shown unavailable, instead of retrying setup until the sun comes up.

Reading tolerates keys that are missing (stored by an older or newer version of the
integration): only the MAC is needed to find the device, and everything else is read
from the miner again with the first answered poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import ApiGeneration, Identity

if TYPE_CHECKING:
    from collections.abc import Mapping


def identity_as_data(identity: Identity) -> dict[str, Any]:
    """Return the identity as JSON-safe config entry data."""
    return {
        "mac": identity.mac,
        "hostname": identity.hostname,
        "model": identity.model,
        "firmware": identity.firmware,
        "api_version": identity.api_version,
        "api_generation": identity.api_generation.value,
        "serial": identity.serial,
    }


def identity_from_data(data: Mapping[str, Any] | None) -> Identity | None:
    """Return the stored identity, or None when the miner has never been seen."""
    if not data or not data.get("mac"):
        return None
    try:
        generation = ApiGeneration(data.get("api_generation"))
    except ValueError:
        generation = ApiGeneration.V2  # the only one the client speaks today
    return Identity(
        mac=data["mac"],
        hostname=data.get("hostname"),
        model=data.get("model"),
        firmware=data.get("firmware"),
        api_version=data.get("api_version"),
        api_generation=generation,
        serial=data.get("serial"),
    )
