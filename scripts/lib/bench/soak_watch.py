"""What the soak watches while it runs: the miners' states, and `hass`'s memory and handles.

Why from outside: whatever the soak kept inside `hass` would grow its memory, the very figure
it measures. States come over the websocket as the frontend gets them (`subscribe_entities`,
for the few entities the figures need), each with Home Assistant's own time of the change;
memory and descriptors come from /proc; tasks and threads from the probe, whose lag window is
restarted at every sample so that it does not grow either.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp

    from tests.e2e.ha_api import HomeAssistantClient

SAMPLE_S = 15.0
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")

# A state series: (time.time() of the change, state), oldest first.
type Series = list[tuple[float, str]]


class StateLog:
    """Every state the watched entities took, from a `subscribe_entities` subscription."""

    def __init__(self, client: HomeAssistantClient, session: aiohttp.ClientSession) -> None:
        """Prepare; `run` subscribes."""
        self._client = client
        self._session = session
        self.series: dict[str, Series] = {}

    async def run(self, entity_ids: list[str]) -> None:
        """Subscribe and record until cancelled."""
        if self._client.tokens is None:
            raise RuntimeError("log in first")
        url = f"{self._client.base_url.replace('http', 'ws', 1)}/api/websocket"
        async with self._session.ws_connect(url, max_msg_size=0) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self._client.tokens.access_token})
            await ws.receive_json()  # auth_ok
            await ws.send_json({"id": 1, "type": "subscribe_entities", "entity_ids": entity_ids})
            async for message in ws:
                body = message.json()
                if body.get("type") == "event":
                    self._record(body["event"])

    def _record(self, event: dict[str, Any]) -> None:
        """Note added, changed and removed states (compressed as the frontend gets them)."""
        now = time.time()
        for entity_id, state in event.get("a", {}).items():
            self._note(entity_id, state.get("lc", now), state["s"])
        for entity_id, diff in event.get("c", {}).items():
            plus = diff.get("+", {})
            if "s" in plus:
                self._note(entity_id, plus.get("lc", now), plus["s"])
        for entity_id in event.get("r", []):
            self._note(entity_id, now, "removed")

    def _note(self, entity_id: str, when: float, state: str) -> None:
        series = self.series.setdefault(entity_id, [])
        if not series or series[-1][1] != state:
            series.append((when, state))


@dataclass(frozen=True, slots=True)
class Sample:
    """`hass` at one moment: resident memory, open descriptors, asyncio tasks, threads."""

    at: float  # time.time()
    rss_bytes: int
    fds: int
    tasks: int
    threads: int


def descriptors(pid: int) -> int:
    """Return how many files and sockets the process has open."""
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def rss_bytes(pid: int) -> int:
    """Return the process's resident memory."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES


async def sample(client: HomeAssistantClient, pid: int) -> Sample:
    """Take one sample, and restart the probe's window so that it never grows."""
    census = (await client.rest("GET", "/api/farm_probe?census"))["census"]
    await client.rest("POST", "/api/farm_probe")
    return Sample(time.time(), rss_bytes(pid), descriptors(pid), census["tasks"], census["threads"])


async def sample_forever(client: HomeAssistantClient, pid: int, into: list[Sample]) -> None:
    """Sample every SAMPLE_S until cancelled; a sample that fails is skipped."""
    while True:
        with contextlib.suppress(Exception):
            into.append(await sample(client, pid))
        await asyncio.sleep(SAMPLE_S)
