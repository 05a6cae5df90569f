"""The miner's log: a JSON header, then raw bytes on the same connection (v2 and v3)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.whatsminer.api import (
    V2Client,
    V3Client,
    WhatsminerConnectionError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
    WhatsminerWriteDisabledError,
)
from custom_components.whatsminer.api.download import (
    MAX_DOWNLOAD_BYTES,
    MAX_HEADER_BYTES,
    announced_size,
    read_json_header,
    read_tail,
    split_header,
)
from custom_components.whatsminer.api.v2.transport import V2Transport
from custom_components.whatsminer.api.v3.transport import HEADER, V3Transport
from tests.simulator.v2_writes import miner_log

from .conftest import run_inline
from .test_transport import replying, serve

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

KEEP = 256 * 1024
HISTORY = b"".join(b"%06d old line of the miner's log\n" % n for n in range(20_000))  # ~680 KiB


async def log_miner(
    miner_factory: MinerFactory, profile: str, *, api_switch: bool = True
) -> SimulatedMiner:
    """Start a simulated miner whose clock stands still.

    The log's last line carries the miner's time of the download; a stopped clock makes it the
    same when the test builds the expected log a moment later, across a second's boundary too.
    """
    miner = await miner_factory(profile=profile, password="s3cret", api_switch=api_switch)
    now = miner.clock()
    miner.clock = lambda: now
    return miner


def v2_client(miner: SimulatedMiner) -> V2Client:
    return V2Client(
        miner.host, miner.password, port=miner.v2_port, timeout=2.0, run_blocking=run_inline
    )


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_a_short_log_comes_whole(miner_factory: MinerFactory, api: str) -> None:
    profile = "m50" if api == "v2" else "m60_v3"
    miner = await log_miner(miner_factory, profile)
    client = v2_client(miner) if api == "v2" else V3Client(miner.host, "s3cret")

    log = await client.download_log(KEEP)
    await client.close()

    assert log.tail == miner_log(miner.state)
    assert log.size == len(log.tail)
    assert b"btminer start" in log.tail
    assert "btminer" not in repr(log)  # the content stays out of repr (and so of logs)
    assert ("download_logs" if api == "v2" else "get.log.download") in miner.commands


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_only_the_end_of_a_long_log_is_kept(miner_factory: MinerFactory, api: str) -> None:
    profile = "m50" if api == "v2" else "m60_v3"
    miner = await log_miner(miner_factory, profile)
    miner.state.log_history = HISTORY
    client = v2_client(miner) if api == "v2" else V3Client(miner.host, "s3cret")

    log = await client.download_log(KEEP)
    after = await client.fetch()  # the API still answers normally afterwards
    await client.close()

    whole = miner_log(miner.state)
    assert log.size == len(whole) > KEEP
    assert log.tail == whole[-KEEP:]
    assert after.mining is True


async def test_v3_download_leaves_the_kept_connection_alone(miner_factory: MinerFactory) -> None:
    miner = await log_miner(miner_factory, "m60_v3")
    async with V3Client(miner.host, "s3cret") as client:
        await client.fetch()
        await client.download_log(KEEP)
        await client.fetch()

        assert client.connections_opened == 2  # the kept one, and one for the download


@pytest.mark.parametrize("keep", [0, -1, True, 1.5, "256"])
async def test_a_wrong_keep_sends_nothing(miner_factory: MinerFactory, keep: Any) -> None:
    miner = await log_miner(miner_factory, "m50")
    client = v2_client(miner)
    v3 = V3Client(miner.host, "s3cret")

    for each in (client, v3):
        with pytest.raises(WhatsminerInvalidArgumentError, match="keep"):
            await each.download_log(keep)
        assert each.connections_opened == 0


async def test_v2_refusal_is_typed(miner_factory: MinerFactory) -> None:
    miner = await log_miner(miner_factory, "m50", api_switch=False)

    with pytest.raises(WhatsminerWriteDisabledError):
        await v2_client(miner).download_log(KEEP)


async def test_v2_stale_token_gets_one_fresh_token(miner_factory: MinerFactory) -> None:
    miner = await log_miner(miner_factory, "m50")
    client = v2_client(miner)
    await client.verify_password()
    miner.auth.forget_tokens()  # as after a btminer restart

    log = await client.download_log(KEEP)

    assert log.tail == miner_log(miner.state)


# The header's size ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "size"), [(12, 12), ("12", 12), (" 7 ", 7), (0, 0)])
def test_announced_sizes(value: object, size: int) -> None:
    assert announced_size(value, "logsize") == size


@pytest.mark.parametrize("value", [-1, "-1", "1e3", "12.5", "x", None, True, [1], {}])
def test_what_is_not_a_size(value: object) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="logsize is not a size"):
        announced_size(value, "logsize")


def test_a_size_beyond_the_cap() -> None:
    with pytest.raises(WhatsminerReplyTooLargeError):
        announced_size(MAX_DOWNLOAD_BYTES + 1, "logsize")


# Reading header and bytes, whatever the segmentation ---------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


def fed(data: bytes, cuts: list[int]) -> asyncio.StreamReader:
    """Return a reader that holds ``data`` in pieces cut at ``cuts``, then EOF."""
    reader = asyncio.StreamReader()
    start = 0
    for cut in sorted({min(cut, len(data)) for cut in cuts}):
        reader.feed_data(data[start:cut])
        start = cut
    reader.feed_data(data[start:])
    reader.feed_eof()
    return reader


@settings(deadline=None)
@given(
    header=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    body=st.binary(max_size=600),
    keep=st.integers(1, 700),
    cuts=st.lists(st.integers(0, 800), max_size=6),
)
async def test_header_and_tail_survive_any_segmentation(
    header: dict[str, Any], body: bytes, keep: int, cuts: list[int]
) -> None:
    encoded = json.dumps(header).encode()
    reader = fed(encoded + body, cuts)

    got_header, received = await read_json_header(reader, "peer")
    tail = await read_tail(reader, len(body), keep, received, "peer")

    assert json.loads(got_header) == header
    assert tail == body[-keep:]


@given(data=st.binary(max_size=300))
@example(data=b"\x0b0")  # a vertical tab is whitespace to Python, not to JSON
def test_split_header_never_raises(data: bytes) -> None:
    split = split_header(data)
    if split is not None:
        header, rest = split
        assert header + rest == data
        json.loads(header)


@given(body=st.binary(min_size=1, max_size=300), missing=st.integers(1, 50))
async def test_a_log_cut_short_is_a_connection_error(body: bytes, missing: int) -> None:
    with pytest.raises(WhatsminerConnectionError, match=f"after {len(body)} of"):
        await read_tail(fed(body, []), len(body) + missing, 10, b"", "peer")


async def test_extra_bytes_beyond_the_size_are_ignored() -> None:
    assert await read_tail(fed(b"", []), 3, 10, b"abcdef", "peer") == b"abc"


@pytest.mark.parametrize(
    ("stream", "error", "match"),
    [
        (b"", WhatsminerConnectionError, "without replying"),
        (b"   ", WhatsminerConnectionError, "without replying"),
        (b"not json at all", WhatsminerInvalidReplyError, "not JSON"),
        (b"[" * (MAX_HEADER_BYTES + 2), WhatsminerReplyTooLargeError, "no JSON header"),
    ],
    ids=["nothing", "blank", "garbage", "endless"],
)
async def test_bad_headers(stream: bytes, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        await read_json_header(fed(stream, []), "peer")


# The transports over loopback: failures end in typed errors --------------------------


def size_from_json(raw: bytes) -> int:
    return int(json.loads(raw)["n"])


def v2_transport(port: int) -> V2Transport:
    return V2Transport("127.0.0.1", port, timeout=0.3, connect_timeout=0.3)


def v3_transport(port: int) -> V3Transport:
    return V3Transport("127.0.0.1", port, timeout=0.3, connect_timeout=0.3)


def framed(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


async def test_v2_transport_reads_header_and_bytes_in_one_segment() -> None:
    async with serve(replying(b'{"n":"5"}hello')) as port:
        assert await v2_transport(port).download(b"{}", size_from_json, keep=3, time_limit=1.0) == (
            5,
            b"llo",
        )


@pytest.mark.parametrize(
    ("chunks", "then", "error"),
    [
        ((b'{"n":10}abc',), "close", WhatsminerConnectionError),
        ((b'{"n":10}abc',), "reset", WhatsminerConnectionError),
        ((b'{"n":10}abc',), "hang", WhatsminerTimeoutError),
    ],
    ids=["cut", "reset", "stalled"],
)
async def test_v2_transport_failures(
    chunks: tuple[bytes, ...], then: str, error: type[Exception]
) -> None:
    async with serve(replying(*chunks, then=then)) as port:
        with pytest.raises(error) as caught:
            await v2_transport(port).download(b"{}", size_from_json, keep=3, time_limit=0.3)
    assert caught.value.request_sent is True  # type: ignore[attr-defined]


async def test_v3_transport_reads_frame_and_bytes() -> None:
    async with serve(replying(framed(b'{"n":5}') + b"hel", b"lo")) as port:
        link = v3_transport(port)
        assert await link.download(b"{}", size_from_json, keep=4, time_limit=1.0) == (5, b"ello")
        assert link.connections_opened == 1


@pytest.mark.parametrize(
    ("chunks", "then", "error"),
    [
        ((framed(b'{"n":10}') + b"abc",), "close", WhatsminerConnectionError),
        ((framed(b'{"n":10}') + b"abc",), "reset", WhatsminerConnectionError),
        ((framed(b'{"n":10}') + b"abc",), "hang", WhatsminerTimeoutError),
    ],
    ids=["cut", "reset", "stalled"],
)
async def test_v3_transport_failures(
    chunks: tuple[bytes, ...], then: str, error: type[Exception]
) -> None:
    async with serve(replying(*chunks, then=then)) as port:
        with pytest.raises(error):
            await v3_transport(port).download(b"{}", size_from_json, keep=3, time_limit=0.3)
