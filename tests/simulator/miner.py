"""`SimulatedMiner`: one Whatsminer on a loopback address, serving API v2 and (v3 firmware) v3.

The miner glues the pieces together: its `MinerState`, the protocol modules `v2` and `v3`,
the `Faults` a test switches, and two `Listener`s. Each accepted connection is one task that
reads a request, lets the protocol module answer it, sends the reply through the faults, and
then carries out any restart the command asked for: with `restart_seconds > 0` a restart
window opens for that long. A reboot closes both ports (connections are refused and open ones
dropped). A btminer restart closes only port 4028, which btminer itself serves; port 4433
stays up, open v3 connections survive, and v3 status reads answer "btminer process is down
err" until the window ends (PROTOCOL.md §4.2, §5 item 13).

API v3 serves at most `v3_max_clients` connections at once (PROTOCOL.md §4.1: 10); one more
is accepted and closed at once, without a reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
import contextlib
import logging
import socket
import time
from typing import Any

from . import net, v2, v3
from .auth import Auth
from .faults import Faults
from .identity import loopback_address, mac_for_host
from .lifecycle import StartStop
from .profiles import KNOWN_QUIRKS, PROFILES, Profile
from .state import MinerState, RestartKind

_LOGGER = logging.getLogger(__name__)

V2_PORT = 4028
V3_PORT = 4433
V2_IDLE_TIMEOUT_S = 10.0  # PROTOCOL.md §1.1: the miner closes a silent connection after 10 s
V3_IDLE_TIMEOUT_S = 300.0  # PROTOCOL.md §4.1: 300 s of inactivity
V3_MAX_CLIENTS = 10  # PROTOCOL.md §4.1: "A maximum of 10 concurrent clients are supported."
UPLOAD_LIMIT_BYTES = 256 * 1024 * 1024
# Requests are recorded for assertions; the oldest are dropped beyond this many.
RECORD_LIMIT = 10_000

type Serve = Callable[[socket.socket, str], Coroutine[Any, Any, None]]


def wall_clock() -> float:
    """Return ``time.time()``, looked up at call time (freezegun patches the module)."""
    return time.time()


class SimulatedMiner(StartStop):
    """A simulated Whatsminer; see docs/architecture.md "The simulator contract"."""

    def __init__(
        self,
        host: str = "127.0.0.2",
        password: str = "admin",  # noqa: S107 - the factory default of every Whatsminer
        profile: str | Profile = "m50",
        *,
        v2_port: int = V2_PORT,
        v3_port: int = V3_PORT,
        mac: str | None = None,
        restart_seconds: float = 0.0,
        ramp_scale: float = 1.0,
        api_switch: bool = True,
        quirks: Iterable[str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Describe the miner; nothing listens until `start`.

        `ramp_scale` multiplies the profile's start-up times (0: full hashrate as soon as
        mining starts); `quirks` overrides the profile's v2 reply quirks (see
        profiles.KNOWN_QUIRKS);
        `clock` replaces `time.time` so tests can move time (token expiry, uptime); the
        default looks `time.time` up on every call, so freezegun's frozen clock reaches it.
        """
        loopback_address(host)
        self.host = host
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.v2_port = v2_port
        self.v3_port = v3_port
        self.restart_seconds = restart_seconds
        self.quirks: set[str] = set(self.profile.quirks if quirks is None else quirks)
        if unknown := self.quirks - KNOWN_QUIRKS:
            raise ValueError(f"unknown quirks {sorted(unknown)}; known: {sorted(KNOWN_QUIRKS)}")
        self.state = MinerState.create(
            clock=clock or wall_clock,
            host=host,
            mac=mac or mac_for_host(host),
            password=password,
            api_switch=api_switch,
        )
        self.state.ramp_scale = ramp_scale
        self.faults = Faults()
        self.faults.on_refuse_change = self._sync_listeners
        self.auth = Auth()
        self.commands: list[str] = []
        self.requests: list[dict[str, Any]] = []
        # Connections served, on both ports and per port (v3 ones over the limit excluded).
        self.connections_accepted = 0
        self.v2_connections_accepted = 0
        self.v3_connections_accepted = 0
        # v3 connections closed at once because `v3_max_clients` were already open.
        self.v3_connections_rejected = 0
        self.v3_max_clients = V3_MAX_CLIENTS
        self.v2_idle_timeout = V2_IDLE_TIMEOUT_S
        self.v3_idle_timeout = V3_IDLE_TIMEOUT_S
        self._v2_listener = net.Listener(host, v2_port, self._accept_v2)
        self._listeners = [self._v2_listener]
        if self.profile.has_v3:
            self._listeners.append(net.Listener(host, v3_port, self._accept_v3))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: dict[asyncio.Task[None], socket.socket] = {}
        self._v3_tasks: set[asyncio.Task[None]] = set()
        self._restart_task: asyncio.Task[None] | None = None
        self._restart_kind: RestartKind | None = None
        # Power cut at its plug (`unplug`): nothing listens until `plug`.
        self.unplugged = False

    def __repr__(self) -> str:
        """Show where the miner lives and what it is."""
        return f"<SimulatedMiner {self.host} {self.profile.name} mac={self.mac}>"

    @property
    def mac(self) -> str:
        """The MAC the miner reports."""
        return self.state.mac

    @property
    def password(self) -> str:
        """The current admin password (changes with `update_pwd`)."""
        return self.state.password

    @property
    def clock(self) -> Callable[[], float]:
        """The time source of the miner (uptime, tokens, `When`)."""
        return self.state.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.state.clock = clock

    @property
    def running(self) -> bool:
        """Whether `start` was called and `stop` was not."""
        return self._loop is not None

    @property
    def restarting(self) -> bool:
        """Whether a restart window is in progress (port 4028 closed, 4433 too on a reboot)."""
        return self._restart_task is not None and not self._restart_task.done()

    @property
    def restart_kind(self) -> RestartKind | None:
        """What the restart window in progress restarts, or None outside one."""
        return self._restart_kind if self.restarting else None

    @property
    def listening(self) -> bool:
        """Whether every port accepts connections right now."""
        return all(listener.is_open for listener in self._listeners)

    @property
    def v3_open_connections(self) -> int:
        """How many v3 connections the miner is serving right now."""
        return len(self._v3_tasks)

    async def start(self) -> None:
        """Open the ports; raise OSError if the address is in use."""
        self._loop = asyncio.get_running_loop()
        try:
            self._sync_listeners()
        except OSError:
            self._close_listeners()
            self._loop = None
            raise

    async def stop(self) -> None:
        """Close the ports, end every connection and the restart window, and wait for them.

        A restart window in progress ends as if it had run out (btminer is back up).
        """
        self._close_listeners()
        self._loop = None
        tasks = list(self._connections)
        if self._restart_task is not None:
            tasks.append(self._restart_task)
            self._restart_task = None
            self.state.restart(self._restart_kind or RestartKind.BTMINER)
        self._restart_kind = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sock in self._connections.values():
            sock.close()
        self._connections.clear()
        self._v3_tasks.clear()

    def close_v3_connections(self) -> int:
        """Close every open v3 connection now, as the 300 s idle timeout does; return how many.

        The client sees an orderly end of stream (FIN) at once, so a test can check that a
        client reconnects transparently without waiting for `v3_idle_timeout`.
        """
        tasks = list(self._v3_tasks)
        for task in tasks:
            sock = self._connections.get(task)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
            task.cancel()
        return len(tasks)

    def record(self, command: str, request: Mapping[str, Any]) -> None:
        """Note a command the miner executed (privileged ones as decrypted)."""
        self.commands.append(command)
        self.requests.append(dict(request))
        if len(self.commands) > RECORD_LIMIT:
            del self.commands[: RECORD_LIMIT // 2]
            del self.requests[: RECORD_LIMIT // 2]

    # Listeners and restarts

    def _sync_listeners(self) -> None:
        """Open or close the ports to match: running, not refusing, and the restart window.

        A reboot closes every port; a btminer restart only 4028, which btminer serves.
        """
        kind = self.restart_kind
        if self._loop is None or self.faults.refuse or self.unplugged or kind is RestartKind.SYSTEM:
            self._close_listeners()
            return
        if kind is RestartKind.BTMINER:
            self._v2_listener.close()
        for listener in self._listeners:
            if kind is None or listener is not self._v2_listener:
                listener.open(self._loop)

    def _close_listeners(self) -> None:
        for listener in self._listeners:
            listener.close()

    def restart(
        self, kind: RestartKind = RestartKind.BTMINER, seconds: float | None = None
    ) -> None:
        """Restart btminer or reboot, as the restarting commands do; tokens are lost.

        With `restart_seconds > 0` (and the miner running) a restart window opens: a reboot
        closes both ports and drops every connection; a btminer restart closes port 4028 and
        drops its connections, while v3 stays up and reports btminer as down. A restart
        during a window starts the window again (a reboot is never shortened to a btminer
        restart). Without a window the miner comes back at once. `seconds` replaces
        `restart_seconds` for this one restart (the boot after `plug`).
        """
        self.auth.forget_tokens()
        window = self.restart_seconds if seconds is None else seconds
        if window <= 0 or self._loop is None:
            self.state.restart(kind)
            return
        if self.restart_kind is RestartKind.SYSTEM:
            kind = RestartKind.SYSTEM
        if self._restart_task is not None:
            self._restart_task.cancel()
        self._restart_kind = kind
        self.state.btminer_down = True
        self._restart_task = self._loop.create_task(self._restart_window(kind, window))
        self._sync_listeners()
        current = asyncio.current_task()
        for task in list(self._connections):
            dropped = kind is RestartKind.SYSTEM or task not in self._v3_tasks
            if dropped and task is not current:
                task.cancel()

    def unplug(self) -> None:
        """Cut the miner's power: both ports close and every connection drops until `plug`."""
        self.unplugged = True
        self._sync_listeners()
        for task in list(self._connections):
            task.cancel()

    def plug(self, boot_seconds: float | None = None) -> None:
        """Give the miner power again: it boots as after a reboot.

        The boot takes `boot_seconds`, by default `restart_seconds`.
        """
        self.unplugged = False
        self.restart(RestartKind.SYSTEM, boot_seconds)
        self._sync_listeners()

    async def _restart_window(self, kind: RestartKind, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.state.restart(kind)
        self._restart_task = None
        self._restart_kind = None
        try:
            self._sync_listeners()
        except OSError as error:  # someone else took the address meanwhile
            _LOGGER.warning("%s: cannot listen again after the restart: %s", self.host, error)

    # Connections

    def _accept_v2(self, sock: socket.socket, client_ip: str) -> None:
        self.v2_connections_accepted += 1
        self._spawn(self._serve_v2, sock, client_ip)

    def _accept_v3(self, sock: socket.socket, client_ip: str) -> None:
        if len(self._v3_tasks) >= self.v3_max_clients:
            self.v3_connections_rejected += 1
            net.close(sock)
            return
        self.v3_connections_accepted += 1
        self._v3_tasks.add(self._spawn(self._serve_v3, sock, client_ip))

    def _spawn(self, serve: Serve, sock: socket.socket, client_ip: str) -> asyncio.Task[None]:
        assert self._loop is not None
        self.connections_accepted += 1
        task = self._loop.create_task(self._run(serve, sock, client_ip))
        self._connections[task] = sock
        task.add_done_callback(self._forget_connection)
        return task

    def _forget_connection(self, task: asyncio.Task[None]) -> None:
        self._v3_tasks.discard(task)
        sock = self._connections.pop(task, None)
        if sock is not None:
            sock.close()

    async def _run(self, serve: Serve, sock: socket.socket, client_ip: str) -> None:
        try:
            await serve(sock, client_ip)
        except (OSError, TimeoutError):
            pass  # the client went away or went quiet
        except Exception:  # a simulator bug must not kill the miner
            _LOGGER.exception("%s: error while serving %s", self.host, client_ip)
        finally:
            net.close(sock)

    async def _serve_v2(self, sock: socket.socket, client_ip: str) -> None:
        request = bytearray()
        async with asyncio.timeout(self.v2_idle_timeout):
            while not v2.request_complete(request) and len(request) <= v2.MAX_REQUEST_BYTES:
                chunk = await net.receive(sock)
                if not chunk:
                    break
                request += chunk
        if not request:
            return
        reply = v2.handle(self, bytes(request), client_ip)
        if await net.deliver(sock, reply.payload, self.faults.take(), _unframed):
            if reply.trailer:
                await asyncio.sleep(0.01)  # download_logs: "after 10 ms delay"
                await net.send(sock, reply.trailer)
            if reply.receives_upload and await self._receive_upload(sock):
                net.close(sock)
                self.restart(RestartKind.SYSTEM)
        net.close(sock)
        if reply.restart is not None:
            self.restart(reply.restart)

    async def _receive_upload(self, sock: socket.socket) -> bool:
        """Read a firmware image (uint32 LE size, then the bytes); True if it all arrived."""
        async with asyncio.timeout(self.v2_idle_timeout):
            header = await net.receive_exactly(sock, 4)
            size = int.from_bytes(header or b"", "little")
            if header is None or size > UPLOAD_LIMIT_BYTES:
                return False
            if await net.receive_exactly(sock, size) is None:
                return False
        self.state.firmware_uploads.append(size)
        return True

    async def _serve_v3(self, sock: socket.socket, client_ip: str) -> None:
        del client_ip  # v3 tokens are not bound to the client
        while True:
            async with asyncio.timeout(self.v3_idle_timeout):
                header = await net.receive_exactly(sock, v3.HEADER.size)
                if header is None:
                    return
                (size,) = v3.HEADER.unpack(header)
                if size > v3.MAX_REQUEST_FRAME:
                    return
                body = await net.receive_exactly(sock, size) if size else b""
            if body is None:
                return
            if not body:
                continue  # heartbeat
            reply = v3.handle(self, body)
            delivered = await net.deliver(sock, reply.payload, self.faults.take(), v3.frame)
            if delivered and reply.trailer:
                await net.send(sock, reply.trailer)
            if reply.restart is not None:
                self.restart(reply.restart)
                if self.restart_kind is RestartKind.SYSTEM:
                    return  # the control board reboots: this connection dies too
            if not delivered:
                return


def _unframed(payload: bytes) -> bytes:
    return payload
