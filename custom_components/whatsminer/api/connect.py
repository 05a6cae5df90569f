"""Find out which API a miner speaks and hand back a client for it.

Firmware from about May 2024 on speaks API v3 on TCP 4433 and still answers a reduced
v2 on 4028, so v3 is asked first (PROTOCOL.md §4.8, §4.9: detection by firmware date is
wrong). A miner seen before starts with the generation it spoke then, and is probed
again when that port stops answering (a downgrade, or v3 switched off) or when a v2
miner's firmware changed (an upgrade keeps 4028 answering).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .errors import WhatsminerConnectionError, WhatsminerError
from .models import ApiGeneration
from .v2.client import V2Client
from .v3.client import V3Client

if TYPE_CHECKING:
    from .client import WhatsminerClient
    from .common import BlockingRunner
    from .models import Identity

_LOGGER = logging.getLogger(__name__)


def new_client(
    generation: ApiGeneration,
    host: str,
    password: str,
    *,
    run_blocking: BlockingRunner | None = None,
) -> WhatsminerClient:
    """Return a client of ``generation`` for the miner at ``host``; nothing is sent yet."""
    if generation is ApiGeneration.V3:
        return V3Client(host, password)
    return V2Client(host, password, run_blocking=run_blocking)


async def connect(
    host: str,
    password: str,
    *,
    known: Identity | None = None,
    current: WhatsminerClient | None = None,
    run_blocking: BlockingRunner | None = None,
) -> tuple[WhatsminerClient, Identity]:
    """Return a client that the miner answers, and the identity it read.

    ``known`` is the identity stored when the miner was last seen, ``current`` the
    client in use for it (tried first and returned again when it still fits; the
    caller closes it when another one is returned). Clients this function opens and
    does not return are closed.

    When no generation answers, raises the first error that is not a connection error
    (something answered, but not as a miner should), else the first one: a miner that
    is simply off reports the port it was expected on.
    """
    if known is None:
        order = (ApiGeneration.V3, ApiGeneration.V2)
    else:
        other = ApiGeneration.V2 if known.api_generation is ApiGeneration.V3 else ApiGeneration.V3
        order = (known.api_generation, other)
    errors: list[WhatsminerError] = []
    for generation in order:
        client = current if _speaks(current, generation) else None
        client = client or new_client(generation, host, password, run_blocking=run_blocking)
        try:
            identity = await client.identity()
        except WhatsminerError as err:
            if client is not current:
                await client.close()
            if not isinstance(err, WhatsminerConnectionError) and known is not None:
                raise  # the expected port answered, but not as a miner should
            _LOGGER.debug("%s: no API %s answer: %s", host, generation.value, err)
            errors.append(err)
            continue
        if not errors and _may_have_moved_to_v3(known, identity):  # v3 not tried yet
            upgraded = await _probe_v3(host, password)
            if upgraded is not None:
                if client is not current:
                    await client.close()
                return upgraded
        return client, identity
    raise next((err for err in errors if not isinstance(err, WhatsminerConnectionError)), errors[0])


def _speaks(client: WhatsminerClient | None, generation: ApiGeneration) -> bool:
    """Whether ``client`` is a client of ``generation``."""
    kind = V3Client if generation is ApiGeneration.V3 else V2Client
    return isinstance(client, kind)


def _may_have_moved_to_v3(known: Identity | None, identity: Identity) -> bool:
    """Whether a v2 answer comes from firmware that changed since it was last seen."""
    return (
        known is not None
        and identity.api_generation is ApiGeneration.V2
        and identity.firmware != known.firmware
    )


async def _probe_v3(host: str, password: str) -> tuple[WhatsminerClient, Identity] | None:
    """Return a v3 client and identity if the miner answers on the v3 port."""
    client = V3Client(host, password)
    try:
        return client, await client.identity()
    except WhatsminerError as err:
        _LOGGER.debug("%s: still no API v3 after a firmware change: %s", host, err)
        await client.close()
        return None
