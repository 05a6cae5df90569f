"""The v2 transport over real loopback TCP: reply ends, size cap, timeouts, resets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import socket
from typing import Any

import pytest

from custom_components.whatsminer.api import (
    WhatsminerConnectionError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
)
from custom_components.whatsminer.api.common import MAX_REPLY_BYTES
from custom_components.whatsminer.api.v2.transport import V2Transport

from .fake_miner import loopback_server, reset

type Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[int]:
    """Run ``handler`` for each connection on 127.0.0.1 once it has read; yield the port."""

    async def after_the_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(4096)
            await handler(reader, writer)
        except asyncio.CancelledError:
            writer.transport.abort()
        finally:
            writer.close()

    async with loopback_server(after_the_request) as port:
        yield port


def transport(port: int, **kwargs: Any) -> V2Transport:
    return V2Transport("127.0.0.1", port, timeout=0.3, connect_timeout=0.3, **kwargs)


def replying(*chunks: bytes, then: str = "close") -> Handler:
    """Return a handler that sends ``chunks``, then closes, hangs or resets."""

    async def handler(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.01)
        if then == "hang":
            await asyncio.Event().wait()
        if then == "reset":
            reset(writer)

    return handler


@pytest.mark.parametrize(
    ("chunks", "then", "expected"),
    [
        ((b'{"a":', b"1}"), "close", b'{"a":1}'),
        ((b'{"a":1,}',), "close", b'{"a":1,}'),
        ((b'{"a":1}',), "hang", b'{"a":1}'),
        ((b'{"a":1}\n',), "hang", b'{"a":1}\n'),
        ((b'{"a":1,}\0trailing',), "hang", b'{"a":1,}'),
        ((b'{"a":', b"1,}\0"), "hang", b'{"a":1,}'),
    ],
    ids=["eof", "eof-invalid", "complete-json", "complete-json-newline", "nul", "nul-later"],
)
async def test_reply_ends_at_eof_nul_or_complete_json(
    chunks: tuple[bytes, ...], then: str, expected: bytes
) -> None:
    async with serve(replying(*chunks, then=then)) as port:
        link = transport(port)
        assert await link.exchange(b'{"cmd":"summary"}') == expected
        assert link.connections_opened == 1
        await link.close()


async def test_each_exchange_opens_its_own_connection() -> None:
    async with serve(replying(b"{}")) as port:
        link = transport(port)
        for _ in range(3):
            await link.exchange(b"{}")
        assert link.connections_opened == 3


@pytest.mark.parametrize(
    ("reply", "then", "error", "match"),
    [
        ((b'{"a":1,}',), "hang", WhatsminerTimeoutError, "did not answer"),
        ((), "hang", WhatsminerTimeoutError, None),
        ((b'{"STATUS":',), "reset", WhatsminerConnectionError, "failed"),
    ],
    ids=["incomplete_reply_without_eof_times_out", "silent_miner_times_out", "reset_mid_reply"],
)
async def test_a_reply_that_fails_after_sending_counts_as_sent(
    reply: tuple[bytes, ...], then: str, error: type[WhatsminerConnectionError], match: str | None
) -> None:
    async with serve(replying(*reply, then=then)) as port:
        with pytest.raises(error, match=match) as caught:
            await transport(port).exchange(b"{}")
    assert caught.value.request_sent is True


async def test_close_without_reply_is_a_lost_reply() -> None:
    async with serve(replying()) as port:
        with pytest.raises(WhatsminerConnectionError, match="without a reply") as caught:
            await transport(port).exchange(b"{}")
    assert caught.value.request_sent is True
    assert not isinstance(caught.value, WhatsminerTimeoutError)


async def test_refused_connection_is_not_sent() -> None:
    async with serve(replying()) as port:
        pass
    link = transport(port)
    with pytest.raises(WhatsminerConnectionError, match="cannot connect") as caught:
        await link.exchange(b"{}")
    assert caught.value.request_sent is False
    assert link.connections_opened == 0


@pytest.mark.parametrize("port", [70000, -1], ids=["port-too-high", "port-negative"])
async def test_port_the_socket_layer_refuses_is_a_connection_error(port: int) -> None:
    link = V2Transport("127.0.0.1", port, timeout=0.3, connect_timeout=0.3)

    with pytest.raises(WhatsminerConnectionError, match="cannot connect") as caught:
        await link.exchange(b"{}")
    assert caught.value.request_sent is False


async def test_host_the_resolver_refuses_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The resolver raises UnicodeError for labels over 63 characters or empty labels; the
    # test harness forbids real DNS look-ups, so the resolver's answer is stood in for.
    async def refuse(*_args: object, **_kwargs: object) -> None:
        raise UnicodeError("label too long")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", refuse)
    link = V2Transport("a" * 64 + ".example", 4028, timeout=0.3, connect_timeout=0.3)

    with pytest.raises(WhatsminerConnectionError, match="cannot connect") as caught:
        await link.exchange(b"{}")
    assert caught.value.request_sent is False


async def test_miner_that_stops_reading_does_not_hold_the_close() -> None:
    request = b" " * (64 * 1024 * 1024)  # far more than the socket buffers hold
    async with serve(replying(then="hang")) as port:  # reads 4 KiB, then nothing
        async with asyncio.timeout(5):  # a graceful close would wait for the buffer forever
            with pytest.raises(WhatsminerTimeoutError) as caught:
                await transport(port).exchange(request)
    assert caught.value.request_sent is False


async def test_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    async def never_connects(*_: object, **__: object) -> None:
        await asyncio.sleep(10)

    monkeypatch.setattr(asyncio.get_running_loop(), "sock_connect", never_connects)
    with pytest.raises(WhatsminerTimeoutError, match="did not accept a connection") as caught:
        await transport(4028).exchange(b"{}")
    assert caught.value.request_sent is False


async def test_reply_over_the_cap_fails() -> None:
    async with serve(replying(b"[" + b" " * 100, b" " * 100, then="hang")) as port:
        with pytest.raises(WhatsminerReplyTooLargeError, match="more than 150 bytes"):
            await transport(port, max_reply_bytes=150).exchange(b"{}")


async def test_reply_over_one_mebibyte_fails() -> None:
    oversize = b'{"x":"' + b"a" * MAX_REPLY_BYTES + b'"}'
    async with serve(replying(oversize)) as port:
        with pytest.raises(WhatsminerReplyTooLargeError):
            await transport(port).exchange(b"{}")


async def test_reply_of_exactly_the_cap_is_read() -> None:
    reply = b'{"x":"' + b"a" * 92 + b'"}'  # 100 bytes
    async with serve(replying(reply)) as port:
        assert await transport(port, max_reply_bytes=100).exchange(b"{}") == reply


async def test_name_is_resolved_and_each_address_tried_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serve(replying(b'{"a":1}')) as port:

        async def resolve(host: str, port: object, **_: object) -> list[tuple[Any, ...]]:
            assert (host, port) == ("miner.local", None)
            closed = ("127.0.0.1", 9)  # nothing listens on the discard port
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", closed),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
            ]

        tried: list[tuple[Any, ...]] = []
        loop = asyncio.get_running_loop()
        connect = loop.sock_connect

        async def record(sock: socket.socket, address: tuple[Any, ...]) -> None:
            tried.append(address)
            # The resolver's answer carries no port: ours replaces it; the first is refused.
            await connect(sock, address if len(tried) > 1 else ("127.0.0.1", 9))

        monkeypatch.setattr(loop, "getaddrinfo", resolve)
        monkeypatch.setattr(loop, "sock_connect", record)
        link = V2Transport("miner.local", port, timeout=0.3, connect_timeout=0.3)

        assert await link.exchange(b"{}") == b'{"a":1}'
    assert tried == [("127.0.0.1", port), ("127.0.0.1", port)]
    assert link.connections_opened == 1


async def test_name_without_addresses_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def resolve(*_: object, **__: object) -> list[tuple[Any, ...]]:
        return []

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolve)
    link = V2Transport("miner.local", 4028, timeout=0.3, connect_timeout=0.3)

    with pytest.raises(WhatsminerConnectionError, match="has no address"):
        await link.exchange(b"{}")


async def test_ipv6_address_connects_over_ipv6(monkeypatch: pytest.MonkeyPatch) -> None:
    families: list[int] = []

    async def refuse(sock: socket.socket, address: tuple[Any, ...]) -> None:
        families.append(sock.family)
        raise ConnectionRefusedError(111, f"refused {address}")

    monkeypatch.setattr(asyncio.get_running_loop(), "sock_connect", refuse)
    link = V2Transport("fd00::10", 4028, timeout=0.3, connect_timeout=0.3)

    with pytest.raises(WhatsminerConnectionError, match="cannot connect"):
        await link.exchange(b"{}")
    assert families == [socket.AF_INET6]
