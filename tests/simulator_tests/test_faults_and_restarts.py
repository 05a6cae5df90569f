"""Fault injection on both ports, and restart windows during which the ports go away."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import struct
import time
from typing import TYPE_CHECKING

import pytest

from tests.simulator import RestartKind
from tests.simulator.faults import OVERSIZE_BYTES

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

SUMMARY = b'{"cmd": "summary"}'
# A restart window that ends on its own: long enough that the checks made during it still
# fall inside it when a busy machine stalls the event loop (a full garbage collection there
# can take most of a second). Waiting WINDOW_S + END_S sees it over: its timer fires first.
WINDOW_S = 1.0
END_S = 0.15
# A window that outlasts its test (the miner's stop ends it), for checks made during it only.
LONG_WINDOW_S = 30.0


async def v2_outcome(host: str) -> tuple[str, bytes]:
    """Send `summary` and say how the connection ended: ("eof", data) or ("reset", b"")."""
    try:
        return "eof", await wire.exchange(host, SUMMARY)
    except ConnectionResetError:
        return "reset", b""


async def full_v2_reply_length(miner: SimulatedMiner) -> int:
    return len(await wire.exchange(miner.host, SUMMARY))


async def test_delay_holds_the_reply(miner: SimulatedMiner) -> None:
    miner.faults.delay = 0.3
    started = time.monotonic()
    reply = await wire.ask(miner.host, {"cmd": "summary"})
    assert time.monotonic() - started >= 0.3
    assert reply["SUMMARY"]


async def test_drop_closes_without_reply_but_runs_the_command(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    miner.faults.drop = True
    raw = await wire.exchange(
        miner.host, wire.envelope(session.key, {"cmd": "power_off", "token": session.token})
    )
    assert raw == b""
    assert not miner.state.mining
    assert miner.commands[-1] == "power_off"


async def test_reset_aborts_mid_reply(miner: SimulatedMiner) -> None:
    miner.faults.reset = True
    assert await v2_outcome(miner.host) == ("reset", b"")


async def test_truncate_sends_part_of_the_reply(miner: SimulatedMiner) -> None:
    full = await full_v2_reply_length(miner)
    miner.faults.truncate = True
    kind, raw = await v2_outcome(miner.host)
    assert kind == "eof"
    assert 0 < len(raw) < full
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)


async def test_garbage_is_not_json(miner: SimulatedMiner) -> None:
    miner.faults.garbage = True
    raw = await wire.exchange(miner.host, SUMMARY)
    assert raw.startswith(b"\xff")
    with pytest.raises(UnicodeDecodeError):
        raw.decode()


async def test_oversize_reply_is_valid_json_above_1_mib(miner: SimulatedMiner) -> None:
    miner.faults.oversize = True
    raw = await wire.exchange(miner.host, SUMMARY)
    assert len(raw) > OVERSIZE_BYTES > 1024 * 1024
    assert json.loads(raw)["SUMMARY"]
    assert raw.rstrip(b"\x00").endswith(b"}")  # padded inside, not after, the document


async def test_refuse_closes_and_reopens_at_once(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m60_v3")
    miner.faults.refuse = True
    assert not miner.listening
    with pytest.raises(ConnectionRefusedError):
        await wire.exchange(miner.host, SUMMARY)
    with pytest.raises(ConnectionRefusedError):
        await wire.V3Connection.open(miner.host)
    miner.faults.refuse = False
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]
    conn = await wire.V3Connection.open(miner.host)
    await conn.close()


async def test_count_limits_faults_to_the_next_replies(miner: SimulatedMiner) -> None:
    miner.faults.drop = True
    miner.faults.count = 2
    assert await wire.exchange(miner.host, SUMMARY) == b""
    assert await wire.exchange(miner.host, SUMMARY) == b""
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]
    assert not miner.faults.drop
    assert miner.faults.count is None


async def test_clear_switches_everything_off(miner: SimulatedMiner) -> None:
    miner.faults.garbage = miner.faults.refuse = True
    miner.faults.delay = 5
    miner.faults.clear()
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]


# --- v3 ---

V3_STATUS = {"cmd": "get.miner.status", "param": "summary"}


async def v3_conn(miner_factory: MinerFactory) -> tuple[SimulatedMiner, wire.V3Connection]:
    miner = await miner_factory(profile="m60_v3")
    return miner, await wire.V3Connection.open(miner.host)


async def test_v3_delay_and_count(miner_factory: MinerFactory) -> None:
    miner, conn = await v3_conn(miner_factory)
    miner.faults.delay = 1.0  # the reply after it comes well within that on a busy machine
    miner.faults.count = 1
    started = time.monotonic()
    assert (await conn.request(V3_STATUS))["code"] == 0
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    assert (await conn.request(V3_STATUS))["code"] == 0
    assert time.monotonic() - started < 1.0
    await conn.close()


@pytest.mark.parametrize("fault", ["drop", "truncate", "reset"])
async def test_v3_connection_ends_without_a_whole_frame(
    miner_factory: MinerFactory, fault: str
) -> None:
    miner, conn = await v3_conn(miner_factory)
    setattr(miner.faults, fault, True)
    with pytest.raises((asyncio.IncompleteReadError, ConnectionResetError)):
        await conn.request(V3_STATUS)
    await conn.close()


async def test_v3_garbage_is_a_frame_of_non_json(miner_factory: MinerFactory) -> None:
    miner, conn = await v3_conn(miner_factory)
    miner.faults.garbage = True
    await conn.send_frame(json.dumps(V3_STATUS).encode())
    body = await conn.read_frame()
    assert body.startswith(b"\xff")
    await conn.close()


async def test_v3_oversize_frame(miner_factory: MinerFactory) -> None:
    miner, conn = await v3_conn(miner_factory)
    miner.faults.oversize = True
    await conn.send_frame(json.dumps(V3_STATUS).encode())
    (size,) = struct.unpack("<I", await conn.reader.readexactly(4))
    body = await asyncio.wait_for(conn.reader.readexactly(size), 5)
    assert size > 1024 * 1024
    assert json.loads(body)["code"] == 0
    await conn.close()


# --- restarts ---


async def test_reboot_refuses_connections_for_restart_seconds(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(restart_seconds=WINDOW_S)
    elapsed_before = miner.state.elapsed
    reply = await wire.V2Session(miner.host, "admin").run("reboot")
    assert reply["Msg"] == "API command OK"
    assert (miner.restarting, miner.listening) == (True, False)
    with pytest.raises(ConnectionRefusedError):
        await wire.exchange(miner.host, SUMMARY)
    await asyncio.sleep(WINDOW_S + END_S)
    assert (miner.restarting, miner.listening) == (False, True)
    summary = (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"][0]
    assert summary["Elapsed"] < elapsed_before
    assert summary["Uptime"] <= 1


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("restart_btminer", {}),
        ("set_low_power", {}),
        ("adjust_power_limit", {"power_limit": "3000"}),
        ("factory_reset", {}),
    ],
)
async def test_restarting_commands_open_a_restart_window(
    miner_factory: MinerFactory, command: str, params: dict[str, str]
) -> None:
    miner = await miner_factory(restart_seconds=LONG_WINDOW_S)
    await wire.V2Session(miner.host, "admin").run(command, **params)
    assert miner.restarting
    assert not miner.listening


async def test_v3_reboot_drops_open_connections(miner_factory: MinerFactory) -> None:
    """A reboot takes the whole control board down: both ports and every connection.

    (A btminer restart leaves port 4433 up: see test_v3_btminer_down.py.)
    """
    miner = await miner_factory(profile="m60_v3", password="super", restart_seconds=WINDOW_S)
    bystander = await wire.V3Connection.open(miner.host)
    assert (await bystander.request(V3_STATUS))["code"] == 0
    actor = await wire.V3Connection.open(miner.host)
    reply = await actor.write("set.system.reboot", None, "super")
    assert reply["msg"] == "ok"
    assert miner.restart_kind is RestartKind.SYSTEM
    assert await bystander.read_to_end() == b""
    assert await actor.read_to_end() == b""
    with pytest.raises(ConnectionRefusedError):
        await wire.V3Connection.open(miner.host)
    with pytest.raises(ConnectionRefusedError):
        await wire.exchange(miner.host, SUMMARY)
    await asyncio.sleep(WINDOW_S + END_S)
    assert not miner.restarting
    conn = await wire.V3Connection.open(miner.host)
    summary = (await conn.request(V3_STATUS))["msg"]["summary"]
    assert summary["elapsed"] <= 1
    for connection in (bystander, actor, conn):
        await connection.close()


async def test_stop_during_a_restart_window_leaves_nothing_behind(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(restart_seconds=30)
    await wire.V2Session(miner.host, "admin").run("reboot")
    assert (miner.restarting, miner.running) == (True, True)
    await miner.stop()
    assert (miner.restarting, miner.running) == (False, False)
    assert miner.restart_kind is None
    assert not miner.state.btminer_down
    assert miner.state.uptime < 1  # the reboot completed


async def test_listener_waits_out_a_lack_of_file_descriptors(miner: SimulatedMiner) -> None:
    loop = asyncio.get_running_loop()
    listener = miner._listeners[0]
    with socket.socket() as client:
        client.settimeout(0)  # non-blocking
        lowest_free = os.open(os.devnull, os.O_RDONLY)
        os.close(lowest_free)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
        try:
            await loop.sock_connect(client, (miner.host, 4028))  # the kernel completes it
            await loop.sock_sendall(client, SUMMARY)
            # accept() fails with EMFILE and the listener pauses for ACCEPT_RETRY_S, then tries
            # again (and pauses again) while the limit holds. Watch for the pause rather than
            # sleep a fixed 50 ms: a loop stalled past the pause runs the retry before the check,
            # which then finds the listener resumed for a moment.
            for _ in range(500):
                if listener._paused is not None:
                    break
                await asyncio.sleep(0.01)
            assert listener._paused is not None  # accept() failed with EMFILE
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        chunks = []
        async with asyncio.timeout(5):
            while chunk := await loop.sock_recv(client, 65536):
                chunks.append(chunk)
    assert json.loads(b"".join(chunks))["SUMMARY"]
    assert listener._paused is None


async def test_closing_a_paused_listener_cancels_its_retry(miner: SimulatedMiner) -> None:
    listener = miner._listeners[0]
    loop = asyncio.get_running_loop()
    assert listener._sock is not None
    loop.remove_reader(listener._sock.fileno())
    listener._paused = loop.call_later(60, listener._resume)
    handle = listener._paused
    await miner.stop()
    assert handle.cancelled()
    assert not listener.is_open


async def test_address_taken_during_a_restart_is_logged(
    miner_factory: MinerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    miner = await miner_factory(restart_seconds=WINDOW_S)
    await wire.V2Session(miner.host, "admin").run("reboot")
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind((miner.host, 4028))
        squatter.listen()
        await asyncio.sleep(WINDOW_S + END_S)
        assert (miner.restarting, miner.listening) == (False, False)
    assert "cannot listen again after the restart" in caplog.text
    miner.faults.refuse = False  # any listener update opens the port again
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]
