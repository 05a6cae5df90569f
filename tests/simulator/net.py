"""Sockets for simulated miners: listeners without threads, and fault-aware sending.

A `Listener` is a non-blocking listening socket watched by the event loop's selector: it
opens and closes synchronously (a test that sets `miner.faults.refuse = False` can connect on
the very next line), costs one file descriptor, and has no thread or task while idle, so
hundreds of miners fit in one process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import os
import socket
import struct

from .faults import OVERSIZE_BYTES, ReplyFaults

BACKLOG = 128
RECV_BYTES = 65536
# How many connections one readiness callback accepts before yielding to other work.
ACCEPT_BATCH = 64
ACCEPT_RETRY_S = 0.1  # pause after accept() fails, e.g. when out of file descriptors

type Framer = Callable[[bytes], bytes]
type AcceptCallback = Callable[[socket.socket, str], None]


class Listener:
    """One listening TCP socket on (host, port), handing accepted sockets to a callback."""

    def __init__(self, host: str, port: int, on_accept: AcceptCallback) -> None:
        """Prepare the listener; nothing is bound until `open`."""
        self.host = host
        self.port = port
        self._on_accept = on_accept
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._paused: asyncio.TimerHandle | None = None

    @property
    def is_open(self) -> bool:
        """Whether the port currently accepts connections."""
        return self._sock is not None

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind and listen now; raise OSError if the address is taken."""
        if self._sock is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(BACKLOG)
            sock.settimeout(0)  # non-blocking
        except OSError:
            sock.close()
            raise
        loop.add_reader(sock.fileno(), self._accept)
        self._sock, self._loop = sock, loop

    def close(self) -> None:
        """Stop listening now; new connections are refused."""
        if self._sock is None or self._loop is None:
            return
        if self._paused is not None:
            self._paused.cancel()
            self._paused = None
        else:
            self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        self._sock = None

    def _accept(self) -> None:
        sock, loop = self._sock, self._loop
        if sock is None or loop is None:
            return
        for _ in range(ACCEPT_BATCH):
            try:
                conn, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # Out of file descriptors: the connection stays queued and the socket stays
                # readable, so stop watching for a moment instead of spinning.
                loop.remove_reader(sock.fileno())
                self._paused = loop.call_later(ACCEPT_RETRY_S, self._resume)
                return
            conn.settimeout(0)  # non-blocking
            self._on_accept(conn, address[0])

    def _resume(self) -> None:
        self._paused = None
        if self._sock is not None and self._loop is not None:
            self._loop.add_reader(self._sock.fileno(), self._accept)


async def receive(sock: socket.socket) -> bytes:
    """Return the next chunk from `sock` (b"" at end of stream)."""
    return await asyncio.get_running_loop().sock_recv(sock, RECV_BYTES)


async def receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    """Return exactly `size` bytes, or None if the stream ends first."""
    buffer = bytearray()
    while len(buffer) < size:
        chunk = await asyncio.get_running_loop().sock_recv(
            sock, min(RECV_BYTES, size - len(buffer))
        )
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


async def send(sock: socket.socket, data: bytes) -> None:
    """Send all of `data`."""
    await asyncio.get_running_loop().sock_sendall(sock, data)


def close(sock: socket.socket) -> None:
    """Close after the data sent so far: FIN, discard unread input, release the descriptor.

    Unread input at close() would make the kernel answer with RST instead of FIN, which can
    destroy a reply the client has not read yet, so it is drained first.
    """
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
    with contextlib.suppress(OSError):
        while sock.recv(RECV_BYTES):
            pass
    sock.close()


def reset(sock: socket.socket) -> None:
    """Abort the connection with a TCP RST."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def oversized(payload: bytes) -> bytes:
    """Pad the reply inside its outermost object, so it only completes past 1 MiB.

    A reader that stops at the first complete JSON document still has to read more than
    1 MiB to get there, as with a firmware that sends hundreds of error codes.
    """
    end = payload.rfind(b"}")
    return payload[:end] + b" " * OVERSIZE_BYTES + payload[end:]


async def deliver(sock: socket.socket, payload: bytes, faults: ReplyFaults, framer: Framer) -> bool:
    """Send one reply through the faults in force; False when the connection must end."""
    if faults.delay > 0:
        await asyncio.sleep(faults.delay)
    if faults.drop:
        return False
    wire = framer(payload)
    if faults.reset or faults.truncate:
        await send(sock, wire[: max(1, len(wire) // 2)])
        if faults.reset:
            reset(sock)
        return False
    if faults.garbage:
        await send(sock, framer(b"\xff" + os.urandom(len(payload) or 64)))
        return False
    if faults.oversize:
        await send(sock, framer(oversized(payload)))
        return False
    await send(sock, wire)
    return True
