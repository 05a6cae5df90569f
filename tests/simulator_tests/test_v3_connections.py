"""v3 connection handling a persistent client relies on: limits, counters, closes, heartbeats.

The firmware serves at most 10 clients at once (PROTOCOL.md §4.1); the simulator accepts one
more and closes it at once. Counters let client tests assert that polls share one connection,
and `close_v3_connections` lets them check reconnects without waiting out the 300 s idle close.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner

STATUS = {"cmd": "get.miner.status", "param": "summary"}


async def wait_for_open_connections(miner: SimulatedMiner, count: int) -> None:
    """Wait until the miner has noticed closes (it sees them on its next read)."""
    for _ in range(500):
        if miner.v3_open_connections == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{miner.v3_open_connections} open v3 connections, expected {count}")


async def test_an_eleventh_client_is_closed_at_once(v3_miner: SimulatedMiner) -> None:
    assert v3_miner.v3_max_clients == 10
    clients = [await wire.V3Connection.open(v3_miner.host) for _ in range(10)]
    for client in clients:
        assert (await client.request(STATUS))["code"] == 0
    extra = await wire.V3Connection.open(v3_miner.host)  # the kernel completes the handshake
    assert await extra.read_to_end() == b""
    await extra.close()
    assert (v3_miner.v3_open_connections, v3_miner.v3_connections_rejected) == (10, 1)
    assert v3_miner.v3_connections_accepted == 10
    assert (await clients[-1].request(STATUS))["code"] == 0  # the ten are unaffected
    await clients.pop().close()
    await wait_for_open_connections(v3_miner, 9)
    replacement = await wire.V3Connection.open(v3_miner.host)
    assert (await replacement.request(STATUS))["code"] == 0
    for client in [*clients, replacement]:
        await client.close()


async def test_the_client_limit_is_settable(v3_miner: SimulatedMiner) -> None:
    v3_miner.v3_max_clients = 1
    first = await wire.V3Connection.open(v3_miner.host)
    assert (await first.request(STATUS))["code"] == 0
    second = await wire.V3Connection.open(v3_miner.host)
    assert await second.read_to_end() == b""
    assert v3_miner.v3_connections_rejected == 1
    assert v3_miner.commands == ["get.miner.status"]
    for connection in (first, second):
        await connection.close()


async def test_counters_separate_v2_and_v3(v3_miner: SimulatedMiner) -> None:
    conn = await wire.V3Connection.open(v3_miner.host)
    for _ in range(20):
        assert (await conn.request(STATUS))["code"] == 0
    assert (v3_miner.v3_connections_accepted, v3_miner.v2_connections_accepted) == (1, 0)
    await wire.ask(v3_miner.host, {"cmd": "summary"})
    await wire.ask(v3_miner.host, {"cmd": "pools"})
    assert (v3_miner.v3_connections_accepted, v3_miner.v2_connections_accepted) == (1, 2)
    assert v3_miner.connections_accepted == 3
    assert v3_miner.v3_open_connections == 1
    await conn.close()


async def test_close_now_hook_ends_connections_like_the_idle_close(
    v3_miner: SimulatedMiner,
) -> None:
    first = await wire.V3Connection.open(v3_miner.host)
    second = await wire.V3Connection.open(v3_miner.host)
    for connection in (first, second):
        assert (await connection.request(STATUS))["code"] == 0
    assert v3_miner.close_v3_connections() == 2
    assert await first.read_to_end() == b""
    assert await second.read_to_end() == b""
    await wait_for_open_connections(v3_miner, 0)
    assert v3_miner.close_v3_connections() == 0
    again = await wire.V3Connection.open(v3_miner.host)
    assert (await again.request(STATUS))["code"] == 0
    assert v3_miner.v3_connections_accepted == 3
    for connection in (first, second, again):
        await connection.close()


async def test_close_now_hook_leaves_v2_alone(miner: SimulatedMiner) -> None:
    assert miner.close_v3_connections() == 0
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]


async def test_heartbeats_keep_an_idle_connection_open(v3_miner: SimulatedMiner) -> None:
    # Heartbeats 0.1 s apart over 1.5 s keep alive a connection closed after 1 s of silence;
    # the margin lets a busy machine stall the event loop between two of them.
    v3_miner.v3_idle_timeout = 1.0
    conn = await wire.V3Connection.open(v3_miner.host)
    for _ in range(15):
        await asyncio.sleep(0.1)
        await conn.heartbeat()
    assert (await conn.request(STATUS))["code"] == 0
    assert await conn.read_to_end() == b""  # then silence: closed after the idle timeout
    assert v3_miner.v3_connections_accepted == 1
    await conn.close()
