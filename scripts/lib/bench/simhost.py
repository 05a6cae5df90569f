"""The simulated miners in a process of their own, counting what every miner serves.

    python -m bench.simhost      (PYTHONPATH: the repository root and scripts/lib)

Why a process of its own: the miners' work then never shows in a client's CPU figures, and
on two cores the clients and the miners each get one.

Counting happens on the miners' side, so it is the same for every client:

* connections: the simulator's own counters (`v2_connections_accepted`, …);
* requests: every command a miner executed (`SimulatedMiner.record`);
* bytes: what the miner read and wrote on its API connections. The simulator does all its
  socket I/O through `loop.sock_recv` and `loop.sock_sendall`, so this process runs on a
  `CountingLoop` that adds those up per local address, whatever the simulator's code is;
* web: pyasic's detection also asks ports 80 and 443 (a real Whatsminer serves its web UI
  there; the simulator does not). `WebKnocks` listens there, counts each connection and closes
  it at once, which pyasic takes exactly as a miner without a web UI: it goes on with the API.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import contextlib
import socket
import sys
from typing import TYPE_CHECKING, Any

from tests.simulator import MinerFarm

from . import soak_sim, wire
from .measure import raise_descriptor_limit

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner

    from .wire import Message

WEB_PORTS = (80, 443)


def local_host(sock: socket.socket) -> str:
    """Return the address a connection reached, which names the simulated miner."""
    try:
        return str(sock.getsockname()[0])
    except OSError:
        return "?"


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that adds up the bytes read and written per local address."""

    def __init__(self) -> None:
        """Start with no bytes counted."""
        super().__init__()
        self.bytes_in: Counter[str] = Counter()
        self.bytes_out: Counter[str] = Counter()

    async def sock_recv(self, sock: socket.socket, n: int) -> bytes:
        """Receive, and count what arrived."""
        data = await super().sock_recv(sock, n)
        self.bytes_in[local_host(sock)] += len(data)
        return data

    async def sock_sendall(self, sock: socket.socket, data: Any) -> None:
        """Send, and count what was sent."""
        await super().sock_sendall(sock, data)
        self.bytes_out[local_host(sock)] += len(data)


class WebKnocks:
    """Listeners on a host's web ports that count each connection and close it at once."""

    def __init__(self, host: str, counts: Counter[str]) -> None:
        """Bind both ports now; raise OSError when that is not allowed (not root)."""
        self.host = host
        self._counts = counts
        self._loop = asyncio.get_running_loop()
        self._socks: list[socket.socket] = []
        try:
            for port in WEB_PORTS:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._socks.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((host, port))
                sock.listen(128)
                sock.settimeout(0)  # non-blocking
                self._loop.add_reader(sock.fileno(), self._accept, sock)
        except OSError:
            self.close()
            raise

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _address = listener.accept()
            except OSError:
                return
            self._counts[self.host] += 1
            conn.close()

    def close(self) -> None:
        """Stop listening."""
        for sock in self._socks:
            with contextlib.suppress(OSError, ValueError):
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._socks.clear()


class SimHost:
    """Groups of simulated miners, started and counted on request."""

    def __init__(self, loop: CountingLoop) -> None:
        """Start with no miners."""
        self._loop = loop
        self._farms: dict[str, MinerFarm] = {}
        self._knocks: dict[str, list[WebKnocks]] = {}
        self._requests: Counter[str] = Counter()
        self._web: Counter[str] = Counter()

    async def handle(self, request: Message) -> Message:
        """Answer one request: start, counters, fault (the soak's, soak_sim.py), stop."""
        op = request.pop("op")
        if op == "start":
            return await self.start(**request)
        if op == "counters":
            return self.counters(**request)
        if op == "fault":
            return await soak_sim.apply(self, **request)
        if op == "stop":
            await self.stop(**request)
            return {}
        raise ValueError(f"unknown request {op!r}")

    async def start(
        self,
        *,
        group: str,
        first_host: str,
        count: int,
        profile: str,
        password: str,
        web: bool,
        restart_seconds: float = 0.0,
        ramp_scale: float = 1.0,
    ) -> Message:
        """Start `count` miners of `profile` from `first_host` on, as group `group`.

        `restart_seconds` and `ramp_scale` go to every miner (the soak's boots and ramps).
        """
        farm = MinerFarm(
            count, first_host=first_host, profile=profile, password=password,
            restart_seconds=restart_seconds, ramp_scale=ramp_scale,
        )  # fmt: skip
        for miner in farm:
            self._count_requests(miner)
        await farm.start()
        self._farms[group] = farm
        web_error = None
        if web:
            knocks = self._knocks.setdefault(group, [])
            try:
                for host in farm.hosts:
                    knocks.append(WebKnocks(host, self._web))
            except OSError as error:
                web_error = f"cannot listen on ports 80/443 ({error}); web knocks not counted"
                for listener in self._knocks.pop(group):
                    listener.close()
        return {
            "hosts": farm.hosts,
            "macs": [miner.mac for miner in farm],
            "model": farm.profile.model,
            "firmware": farm.profile.firmware,
            "boards": farm.profile.boards,
            "web_counted": web and web_error is None,
            "web_error": web_error,
        }

    def _count_requests(self, miner: SimulatedMiner) -> None:
        record = miner.record
        host = miner.host

        def counting_record(command: str, request: Any) -> None:
            self._requests[host] += 1
            record(command, request)

        setattr(miner, "record", counting_record)  # noqa: B010 - an instance wrapper

    def miner(self, host: str) -> SimulatedMiner:
        """Return the miner on `host`, whichever group it is in."""
        for farm in self._farms.values():
            for miner in farm:
                if miner.host == host:
                    return miner
        raise KeyError(host)

    def replace(self, old: SimulatedMiner, new: SimulatedMiner) -> None:
        """Put `new` in `old`'s place in its group, its requests counted (the soak's faults)."""
        for farm in self._farms.values():
            if old in farm.miners:
                farm.miners[farm.miners.index(old)] = new
        self._count_requests(new)

    def counters(self, group: str) -> Message:
        """Per host: v2, v3, web, requests, bytes in, bytes out, v3 connections refused.

        The last one counts v3 connections over the firmware's limit of 10 at once, which the
        miner closes without a reply (and which `v3_connections_accepted` leaves out).
        """
        rows = {
            miner.host: [
                miner.v2_connections_accepted,
                miner.v3_connections_accepted,
                self._web[miner.host],
                self._requests[miner.host],
                self._loop.bytes_in[miner.host],
                self._loop.bytes_out[miner.host],
                miner.v3_connections_rejected,
            ]
            for miner in self._farms[group]
        }
        return {"hosts": rows}

    async def stop(self, group: str) -> None:
        """Stop a group's miners and web listeners."""
        for knocks in self._knocks.pop(group, []):
            knocks.close()
        farm = self._farms.pop(group, None)
        if farm is not None:
            await farm.stop()

    async def stop_all(self) -> None:
        """Stop every group."""
        for group in list(self._farms):
            await self.stop(group)


async def serve() -> None:
    """Serve the orchestrator; stop every miner however it ends."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, CountingLoop):
        raise TypeError("run with loop_factory=CountingLoop")
    host = SimHost(loop)
    try:
        await wire.serve_async(host.handle)
    finally:
        await host.stop_all()


def main() -> int:
    """Run until the orchestrator says quit or goes away."""
    raise_descriptor_limit()
    asyncio.run(serve(), loop_factory=CountingLoop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
