"""Wait for Home Assistant's view of a miner to catch up with the miner.

The integration refreshes right after plain commands, but only after a delay (and a
debounce for the power limit) after commands that restart the miner; tests poll instead
of sleeping for the worst case.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .ha_api import HomeAssistantClient

# Longest path: POWER_LIMIT_DEBOUNCE (2 s) + RESTART_REFRESH_DELAY (10 s) + a poll.
STATE_TIMEOUT = 45.0


async def wait_until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `check` until it returns True; fail naming `what` after STATE_TIMEOUT."""
    try:
        async with asyncio.timeout(STATE_TIMEOUT):
            while not await check():  # noqa: ASYNC110 - polling another process
                await asyncio.sleep(0.5)
    except TimeoutError:
        raise AssertionError(f"timed out after {STATE_TIMEOUT:.0f} s waiting for {what}") from None


async def wait_for_state(
    client: HomeAssistantClient,
    entity_id: str,
    accept: Callable[[str], bool],
    what: str,
) -> dict[str, Any]:
    """Wait until `accept(state)` holds for `entity_id`; return that state object.

    A ValueError from `accept` counts as "not yet": "unknown" and "unavailable" do not
    parse as the number or timestamp a check expects.
    """
    latest: dict[str, Any] = {}

    async def check() -> bool:
        latest.update(await client.state(entity_id))
        try:
            return accept(latest["state"])
        except ValueError:
            return False

    try:
        await wait_until(check, f"{entity_id} {what}")
    except AssertionError as err:
        raise AssertionError(f"{err}; last state {latest.get('state')!r}") from None
    return latest
