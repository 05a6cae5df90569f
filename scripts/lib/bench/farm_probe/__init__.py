"""A probe that `scripts/bench --farm` loads into the Home Assistant it measures.

Never shipped: it lives beside the benchmark and is linked into a throw-away config folder.
It measures from inside the process what cannot be seen from outside: how late the event
loop runs a timer (lag), how long the garbage collector stops the world, and how many polls
of our coordinators succeeded or failed. ``GET /api/farm_probe`` returns the figures since
the last ``POST /api/farm_probe`` (which starts a new window).

`scripts/bench --soak` also asks it how many asyncio tasks and threads are alive (``?census``)
and has it hand a miner's new address to the integration as Home Assistant's DHCP watcher
does (``POST /api/farm_probe/dhcp``): the soak's miners live on loopback, where no DHCP
request is ever seen.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import gc
from pathlib import Path
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.config_entries import SOURCE_DHCP
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, callback
from homeassistant.helpers import discovery_flow, entity_registry as er
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

if TYPE_CHECKING:
    from aiohttp import web
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

DOMAIN = "farm_probe"
WATCHED = "whatsminer"
OUR_PACKAGE = "custom_components.whatsminer"
LAG_INTERVAL_S = 0.01
LONG_LAG_S = 0.02  # a lag above this is kept with its times, to take collections out of it
SHORT_PAUSE_S = 0.001  # a collection shorter than this is not worth a span
STALL_S = 0.1  # the farm's lag target: a stall longer than this is looked into
STALL_SAMPLE_S = 0.02
STALL_FRAMES = 8
IDLE_CALLS = frozenset({"wait", "select", "poll", "get", "sleep", "accept", "_worker"})
LEFTOVER_WAIT_S = 6.0  # the recorder commits every 5 s


def _module_of(obj: object) -> str:
    """Return the module that defines the object's class ("" when it does not say)."""
    module = getattr(type(obj), "__module__", "")
    return module if isinstance(module, str) else ""


class Window:
    """What happened since the window opened."""

    def __init__(self) -> None:
        """Open an empty window."""
        self.started = time.monotonic()
        self.lags: list[float] = []
        self.long_lags: list[tuple[float, float]] = []  # (asked, ran), time.monotonic()
        self.gc_pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self.gc_spans: list[tuple[float, float]] = []  # (start, end) of the longer pauses
        self.stall_stacks: Counter[tuple[str, ...]] = Counter()  # samples per loop stack
        self.busy_threads: Counter[tuple[str, ...]] = Counter()  # other threads then
        self.polls_ok = 0
        self.polls_failed = 0
        self.state_changes = 0  # of our entities

    def lag_max_besides_gc(self) -> float:
        """Return the longest lag less the collector's pauses within it.

        What is left of a stall is callbacks' own work (polls, state writes, the recorder):
        it tells a collection of the whole heap apart from code that holds the loop. Worked
        out afterwards from the times, because a collection run by another thread may hand
        the loop back before its end is counted.
        """
        longest = max((lag for lag in self.lags if lag <= LONG_LAG_S), default=0.0)
        for asked, ran in self.long_lags:
            paused = sum(
                max(0.0, min(ran, end) - max(asked, start)) for start, end in self.gc_spans
            )
            longest = max(longest, ran - asked - LAG_INTERVAL_S - paused)
        return longest

    def figures(self) -> dict[str, Any]:
        """Return the window's raw figures (the orchestrator does the statistics)."""
        return {
            "seconds": time.monotonic() - self.started,
            "lags": self.lags,
            "lag_max_besides_gc": self.lag_max_besides_gc(),
            "gc_pauses": self.gc_pauses,
            "polls_ok": self.polls_ok,
            "polls_failed": self.polls_failed,
            "state_changes": self.state_changes,
            "stall_stacks": self.stall_stacks.most_common(5),
            "busy_threads": self.busy_threads.most_common(5),
        }


class Probe:
    """The lag timer, the collector callback and the poll counters."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with an empty window."""
        self.hass = hass
        self.window = Window()
        self._gc_started = 0.0
        self.last_ran = time.monotonic()  # when the lag timer last ran
        self._wrapped: set[int] = set()
        self._ours: set[str] = set()

    def gc_callback(self, phase: str, info: dict[str, int]) -> None:
        """Time every collection (they stop the event loop like any other callback)."""
        if phase == "start":
            self._gc_started = time.monotonic()
        else:
            ended = time.monotonic()
            pause = ended - self._gc_started
            self.window.gc_pauses.append((info["generation"], pause))
            if pause > SHORT_PAUSE_S:
                self.window.gc_spans.append((self._gc_started, ended))

    async def sample_lag(self) -> None:
        """Ask for a timer every LAG_INTERVAL_S; record how late it ran."""
        while True:
            asked = time.monotonic()
            await asyncio.sleep(LAG_INTERVAL_S)
            ran = self.last_ran = time.monotonic()
            lag = max(0.0, ran - asked - LAG_INTERVAL_S)
            self.window.lags.append(lag)
            if lag > LONG_LAG_S:
                self.window.long_lags.append((asked, ran))

    @callback
    def count_state_change(self, event: Event[EventStateChangedData]) -> None:
        """Count a state written for one of our entities (recorded, sent to the frontend)."""
        if event.data["entity_id"] in self._ours:
            self.window.state_changes += 1

    def heap(self) -> dict[str, Any]:
        """Count the objects the collector tracks, ours apart, and time a full collection."""
        objects = gc.get_objects()
        ours = sum(1 for obj in objects if _module_of(obj).startswith(OUR_PACKAGE))
        total = len(objects)
        del objects
        started = time.perf_counter()
        gc.collect()
        return {"tracked": total, "ours": ours, "full_ms": 1000 * (time.perf_counter() - started)}

    async def poll_leftovers(self) -> dict[str, Any]:
        """Poll one miner and count the tracked objects the poll leaves alive a while after.

        Those are what outlive a poll (until the next one replaces them): the objects the
        collector promotes, whose growth sets how often a full collection runs. The old
        objects are held while counting, so no new object can take the id of a freed one.
        """
        entry = self.hass.config_entries.async_entries(WATCHED)[0]
        gc.collect()
        before = gc.get_objects()
        known = {id(obj) for obj in before}
        await entry.runtime_data.async_refresh()
        await asyncio.sleep(LEFTOVER_WAIT_S)  # the recorder commits what the poll wrote
        gc.collect()
        kinds: Counter[str] = Counter(
            f"{_module_of(obj)}.{type(obj).__qualname__}"
            for obj in gc.get_objects()
            if id(obj) not in known
        )
        del before
        return {
            "total": sum(kinds.values()),
            "ours": sum(n for kind, n in kinds.items() if kind.startswith(OUR_PACKAGE)),
            "kinds": kinds.most_common(12),
        }

    def watch_coordinators(self) -> int:
        """Count the polls of every loaded entry's coordinator; return how many are watched."""
        self._ours = {
            entity.entity_id
            for entity in er.async_get(self.hass).entities.values()
            if entity.platform == WATCHED
        }
        for entry in self.hass.config_entries.async_entries(WATCHED):
            coordinator = getattr(entry, "runtime_data", None)
            if coordinator is None or id(coordinator) in self._wrapped:
                continue
            self._wrapped.add(id(coordinator))
            self._count_polls(coordinator)
        return len(self._wrapped)

    def _count_polls(self, coordinator: Any) -> None:
        update = coordinator._async_update_data  # noqa: SLF001 - a benchmark probe
        probe = self

        async def counted() -> Any:
            try:
                data = await update()
            except BaseException:
                probe.window.polls_failed += 1
                raise
            probe.window.polls_ok += 1
            return data

        coordinator._async_update_data = counted  # noqa: SLF001


class StallWatch(threading.Thread):
    """Where the event loop's thread is while the loop stalls.

    The lag timer tells how long a stall was, not what held the loop. This thread looks
    every STALL_SAMPLE_S and, while the timer is more than STALL_S overdue, counts the loop
    thread's innermost frames. A collection holds every thread, this one too, so what it
    finds is code: ours, Home Assistant's, or a thread the loop waits for. So the other
    threads that are not idle at that moment are counted too: one of them held the loop.
    """

    def __init__(self, probe: Probe) -> None:
        """Watch the thread that builds it: the event loop's."""
        super().__init__(name="farm_probe stall watch", daemon=True)
        self.probe = probe
        self.loop_thread = threading.get_ident()

    def run(self) -> None:
        """Sample until the process ends."""
        while True:
            time.sleep(STALL_SAMPLE_S)
            if time.monotonic() - self.probe.last_ran < STALL_S + LAG_INTERVAL_S:
                continue
            window = self.probe.window
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():  # noqa: SLF001 - a probe
                stack = traceback.extract_stack(frame)[-STALL_FRAMES:]
                where = tuple(
                    f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno} {f.name}" for f in stack
                )
                if ident == self.loop_thread:
                    window.stall_stacks[where] += 1
                elif ident != threading.get_ident() and stack[-1].name not in IDLE_CALLS:
                    window.busy_threads[(f"thread {names.get(ident, ident)}", *where)] += 1


class ProbeView(HomeAssistantView):
    """GET: the figures of the window; POST: start a new window."""

    url = "/api/farm_probe"
    name = "api:farm_probe"

    def __init__(self, probe: Probe) -> None:
        """Serve one probe."""
        self.probe = probe

    async def get(self, request: web.Request) -> web.Response:
        """Return the window's figures; with ``?heap``, the heap's too (a full collection)."""
        figures = self.probe.window.figures()
        if "heap" in request.query:
            figures["heap"] = self.probe.heap()
        if "census" in request.query:
            figures["census"] = {
                "tasks": len(asyncio.all_tasks()),
                "threads": threading.active_count(),
            }
        if "leftovers" in request.query:
            figures["leftovers"] = await self.probe.poll_leftovers()
        figures["watched"] = len(self.probe._wrapped)  # noqa: SLF001
        return self.json(figures)

    async def post(self, request: web.Request) -> web.Response:
        """Watch the coordinators loaded by now and open a new window."""
        watched = self.probe.watch_coordinators()
        self.probe.window = Window()
        return self.json({"watched": watched})


class DhcpView(HomeAssistantView):
    """POST ``{ip, macaddress, hostname}``: what the DHCP watcher passes on for a seen lease."""

    url = "/api/farm_probe/dhcp"
    name = "api:farm_probe:dhcp"

    async def post(self, request: web.Request) -> web.Response:
        """Start the discovery flow the DHCP watcher would start."""
        hass = request.app[KEY_HASS]
        lease = await request.json()
        discovery_flow.async_create_flow(
            hass,
            WATCHED,
            {"source": SOURCE_DHCP},
            DhcpServiceInfo(
                ip=lease["ip"], hostname=lease["hostname"], macaddress=lease["macaddress"]
            ),
        )
        return self.json({})


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the probe."""
    probe = Probe(hass)
    gc.callbacks.append(probe.gc_callback)
    hass.async_create_background_task(probe.sample_lag(), "farm_probe lag")
    StallWatch(probe).start()
    hass.http.register_view(ProbeView(probe))
    hass.http.register_view(DhcpView())
    hass.bus.async_listen(EVENT_STATE_CHANGED, probe.count_state_change)
    return True
