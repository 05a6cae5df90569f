"""The v3 transport over real loopback TCP: framing, one kept connection, reconnects, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import socket
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.whatsminer.api import (
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
)
from custom_components.whatsminer.api.v3 import transport as v3_transport
from custom_components.whatsminer.api.v3.transport import FrameReader, V3Transport

from .fake_miner import loopback_server, reset

HEADER = struct.Struct("<I")
PEER = "10.0.0.9:4433"

type Reply = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


def frame(body: bytes) -> bytes:
    return HEADER.pack(len(body)) + body


@dataclass
class FramedServer:
    """A scripted v3 peer on 127.0.0.1: answers each request frame with the next reply.

    Without a scripted reply it echoes the request back inside a frame.
    """

    replies: list[Reply] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until the client closes it or a reply ends it."""
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                size = HEADER.unpack(await reader.readexactly(HEADER.size))[0]
                body = await reader.readexactly(size)
                self.requests.append(body)
                reply = self.replies.pop(0) if self.replies else echo
                await reply(body, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            writer.transport.abort()
        finally:
            writer.close()

    def close_connections(self) -> None:
        """Close every open connection from the miner's side, as its idle timeout does."""
        for writer in self.writers:
            writer.close()


async def echo(body: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(frame(body))
    await writer.drain()


def send(*chunks: bytes, then: str = "stay") -> Reply:
    """Return a reply that writes ``chunks``, then stays open, closes, resets or hangs."""

    async def reply(_: bytes, writer: asyncio.StreamWriter) -> None:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        if then == "close":
            writer.close()
            raise ConnectionError
        if then == "reset":
            reset(writer)
            raise ConnectionError
        if then == "hang":
            await asyncio.Event().wait()

    return reply


@contextlib.asynccontextmanager
async def serving(*replies: Reply) -> AsyncIterator[FramedServer]:
    fake = FramedServer(replies=list(replies))
    async with loopback_server(fake.handle) as port:
        fake.port = port
        yield fake


def transport(port: int, **kwargs: object) -> V3Transport:
    return V3Transport("127.0.0.1", port, timeout=0.5, connect_timeout=0.5, **kwargs)  # type: ignore[arg-type]


async def connected(server: FramedServer) -> tuple[V3Transport, Any]:
    """Return a transport to ``server`` and the connection its first exchange opened."""
    link = transport(server.port)
    await link.exchange(b"[1]")
    connection = link._connection
    assert connection is not None
    return link, connection


async def settle() -> None:
    """Let the event loop deliver what the peer sent (a FIN, a RST)."""
    for _ in range(20):
        await asyncio.sleep(0.005)


# Framing ------------------------------------------------------------------------------------


async def read_frames(stream: bytes, max_frame_bytes: int = 64) -> bytes:
    reader = asyncio.StreamReader()
    reader.feed_data(stream)
    reader.feed_eof()
    return await FrameReader(reader, peer=PEER, max_frame_bytes=max_frame_bytes).read()


async def test_reader_skips_heartbeats() -> None:
    assert await read_frames(bytes(4) * 3 + frame(b'{"code":0}')) == b'{"code":0}'


async def test_reader_returns_one_frame_at_a_time() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(frame(b"{}") + frame(b"[1]"))
    frames = FrameReader(reader, peer=PEER, max_frame_bytes=64)

    assert (await frames.read(), await frames.read()) == (b"{}", b"[1]")


@pytest.mark.parametrize(
    ("stream", "error", "text"),
    [
        (b"", WhatsminerConnectionError, "closed the connection without replying"),
        (bytes(4), WhatsminerConnectionError, "closed the connection without replying"),
        (b"\x05\x00", WhatsminerConnectionError, "in the middle of a reply"),
        (HEADER.pack(10) + b"{}", WhatsminerConnectionError, "in the middle of a reply"),
        (HEADER.pack(65) + bytes(65), WhatsminerReplyTooLargeError, "frame of 65 bytes"),
        (frame(b"\xff\xfe"), WhatsminerInvalidReplyError, "not UTF-8"),
    ],
    ids=["eof", "heartbeat-then-eof", "cut-header", "cut-body", "too-large", "not-utf8"],
)
async def test_reader_errors_name_the_peer_not_the_content(
    stream: bytes, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text) as caught:
        await read_frames(stream)

    assert PEER in str(caught.value)
    if isinstance(caught.value, WhatsminerConnectionError):
        assert caught.value.request_sent


async def test_reader_turns_a_broken_stream_into_a_connection_error() -> None:
    reader = asyncio.StreamReader()
    reader.set_exception(ConnectionResetError("reset by peer"))

    with pytest.raises(WhatsminerConnectionError, match="without replying"):
        await FrameReader(reader, peer=PEER, max_frame_bytes=64).read()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.binary(max_size=24)
        | st.binary(max_size=80).map(frame)
        | st.just(bytes(4))
        | st.integers(0, 2**32 - 1).map(HEADER.pack),
        max_size=6,
    ).map(b"".join)
)
async def test_any_byte_stream_gives_a_frame_or_a_typed_error(stream: bytes) -> None:
    try:
        body = await read_frames(stream)
    except WhatsminerError:
        return
    assert 0 < len(body) <= 64
    body.decode("utf-8")


# One kept connection ------------------------------------------------------------------------


async def test_requests_share_one_connection() -> None:
    async with serving() as server:
        link = transport(server.port)

        replies = [await link.exchange(f'{{"n":{n}}}'.encode()) for n in range(20)]
        await link.close()

    assert replies == [f'{{"n":{n}}}'.encode() for n in range(20)]
    assert (link.connections_opened, server.connections) == (1, 1)
    assert server.requests[0] == b'{"n":0}'


async def test_concurrent_requests_are_serialised_on_the_connection() -> None:
    async with serving() as server:
        link = transport(server.port)

        replies = await asyncio.gather(*(link.exchange(b"[%d]" % n) for n in range(10)))
        await link.close()

    assert list(replies) == [b"[%d]" % n for n in range(10)]
    assert server.connections == 1


async def test_heartbeats_before_a_reply_are_skipped() -> None:
    async with serving(send(bytes(4), bytes(4) + frame(b"{}"))) as server:
        link = transport(server.port)

        assert await link.exchange(b"{}") == b"{}"
        await link.close()


async def test_an_idle_connection_the_miner_closed_is_replaced_before_use() -> None:
    async with serving() as server:
        link = transport(server.port)
        await link.exchange(b"[1]")
        server.close_connections()
        await settle()

        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert (link.connections_opened, server.connections) == (2, 2)
    assert server.requests == [b"[1]", b"[2]"]  # nothing was sent on the closed one


async def test_an_idle_connection_the_miner_reset_is_replaced_before_use() -> None:
    async with serving() as server:
        link = transport(server.port)
        await link.exchange(b"[1]")
        reset(server.writers[0])
        await settle()

        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert link.connections_opened == 2


async def test_a_reused_connection_closed_before_the_reply_is_retried_once() -> None:
    async with serving(echo, send(then="close")) as server:
        link = transport(server.port)
        await link.exchange(b"[1]")

        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert server.requests == [b"[1]", b"[2]", b"[2]"]
    assert link.connections_opened == 2


async def test_a_request_that_must_not_run_twice_is_not_retried() -> None:
    async with serving(echo, send(then="close")) as server:
        link = transport(server.port)
        await link.exchange(b"[1]")

        with pytest.raises(WhatsminerConnectionError, match="without replying") as caught:
            await link.exchange(b"[2]", idempotent=False)

        assert await link.exchange(b"[3]") == b"[3]"  # the next one connects again
        await link.close()

    assert caught.value.request_sent
    assert server.requests == [b"[1]", b"[2]", b"[3]"]


async def test_a_request_that_did_not_leave_is_retried_even_if_not_idempotent() -> None:
    async with serving() as server:
        link, connection = await connected(server)

        async def broken_drain() -> None:
            raise ConnectionResetError("reset by peer")

        connection.writer.drain = broken_drain  # type: ignore[method-assign]

        assert await link.exchange(b"[2]", idempotent=False) == b"[2]"
        await link.close()

    assert link.connections_opened == 2


async def test_a_fresh_connection_closed_before_the_reply_is_not_retried() -> None:
    async with serving(send(then="close")) as server:
        link = transport(server.port)

        with pytest.raises(WhatsminerConnectionError, match="without replying") as caught:
            await link.exchange(b"[1]")

    assert caught.value.request_sent
    assert server.requests == [b"[1]"]


async def test_a_retry_that_fails_too_raises() -> None:
    async with serving(echo, send(then="close"), send(then="close")) as server:
        link = transport(server.port)
        await link.exchange(b"[1]")

        with pytest.raises(WhatsminerConnectionError, match="without replying"):
            await link.exchange(b"[2]")

    assert link.connections_opened == 2


# Failures drop the connection -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [
        (send(HEADER.pack(2**20 + 1)), WhatsminerReplyTooLargeError, "more than the 1048576"),
        (send(frame(b"\xff" * 8)), WhatsminerInvalidReplyError, "not UTF-8"),
        (send(HEADER.pack(100) + b"{}", then="close"), WhatsminerConnectionError, "middle"),
        (send(HEADER.pack(100) + b"{}", then="reset"), WhatsminerConnectionError, "middle"),
        (send(then="hang"), WhatsminerTimeoutError, "did not answer within 0.5 s"),
        (send(HEADER.pack(100) + b"{}", then="hang"), WhatsminerTimeoutError, "did not answer"),
    ],
    ids=["too-large", "not-utf8", "cut", "cut-reset", "timeout", "timeout-mid-frame"],
)
async def test_a_failed_exchange_drops_the_connection(
    reply: Reply, error: type[WhatsminerError], text: str
) -> None:
    async with serving(reply) as server:
        link = transport(server.port)

        with pytest.raises(error, match=text) as caught:
            await link.exchange(b'{"secret":"hunter2"}')

        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert f"127.0.0.1:{server.port}" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert link.connections_opened == 2
    if isinstance(caught.value, WhatsminerConnectionError):
        assert caught.value.request_sent


async def test_a_timeout_on_a_reused_connection_is_not_retried() -> None:
    async with serving(echo, send(then="hang")) as server:
        link = transport(server.port)
        await link.exchange(b"[1]")

        with pytest.raises(WhatsminerTimeoutError):
            await link.exchange(b"[2]")

    assert server.requests == [b"[1]", b"[2]"]


async def test_cancelling_an_exchange_drops_the_connection() -> None:
    async with serving(send(then="hang")) as server:
        link = transport(server.port)
        task = asyncio.create_task(link.exchange(b"[1]"))
        await settle()
        assert server.requests == [b"[1]"]
        task.cancel()

        with pytest.raises(asyncio.CancelledError):
            await task

        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert link.connections_opened == 2


async def test_an_empty_request_is_refused_it_would_be_a_heartbeat() -> None:
    link = V3Transport("127.0.0.1", 1, timeout=0.5, connect_timeout=0.5)

    with pytest.raises(WhatsminerInvalidArgumentError, match="heartbeat"):
        await link.exchange(b"")


# Connecting and closing ---------------------------------------------------------------------


async def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    with pytest.raises(
        WhatsminerConnectionError, match=f"cannot connect to 127\\.0\\.0\\.1:{port}"
    ) as caught:
        await transport(port).exchange(b"{}")

    assert not caught.value.request_sent


async def test_a_connect_timeout_is_a_timeout_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def never(*_: object) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(asyncio, "open_connection", never)

    with pytest.raises(WhatsminerTimeoutError, match=r"did not accept a connection within 0\.5 s"):
        await transport(4433).exchange(b"{}")


async def test_a_host_the_resolver_refuses_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The resolver raises UnicodeError for labels over 63 characters; the newest test
    # harness forbids DNS look-ups altogether, so the resolver's answer is stood in for.
    async def refuse(*_args: object, **_kwargs: object) -> None:
        raise UnicodeError("label too long")

    monkeypatch.setattr(asyncio, "open_connection", refuse)
    link = V3Transport("a" * 64 + ".example", 4433, timeout=0.5, connect_timeout=0.5)

    with pytest.raises(WhatsminerConnectionError, match="cannot connect"):
        await link.exchange(b"{}")


async def test_close_ends_the_connection_and_the_next_request_opens_one() -> None:
    async with serving() as server:
        link = transport(server.port)
        await link.close()  # nothing open yet: nothing to do
        await link.exchange(b"[1]")
        await link.close()
        await settle()

        assert server.writers[0].is_closing()
        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert link.connections_opened == 2


async def test_close_does_not_wait_forever_for_a_stuck_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serving() as server:
        link, connection = await connected(server)

        async def stuck() -> None:
            await asyncio.Event().wait()

        monkeypatch.setattr(connection.writer, "wait_closed", stuck)
        monkeypatch.setattr(v3_transport, "CLOSE_TIMEOUT_SECONDS", 0.01)

        await link.close()

    assert link._connection is None


async def test_close_during_an_exchange_fails_that_exchange_only() -> None:
    async with serving(send(then="hang")) as server:
        link = transport(server.port)
        task = asyncio.create_task(link.exchange(b"[1]"))
        await settle()

        await link.close()

        with pytest.raises(WhatsminerConnectionError, match="without replying"):
            await task
        assert await link.exchange(b"[2]") == b"[2]"
        await link.close()

    assert link.connections_opened == 2
