"""`get.miner.status` joins and the idle-miner quirk (PROTOCOL.md §4.5, §4.9).

Any `+` join of summary, pools and edevs, in any order, returns each section. While mining is
stopped, a status read with `pools` but without `summary` fails with code -1 (MDK saw this on
hardware), which is why clients join `summary` into every status read.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner

SECTIONS = ("summary", "pools", "edevs")
JOINS = [
    "+".join(order)
    for size in range(1, len(SECTIONS) + 1)
    for order in itertools.permutations(SECTIONS, size)
]


def status(param: str) -> dict[str, str]:
    return {"cmd": "get.miner.status", "param": param}


@pytest.mark.parametrize("param", JOINS)
async def test_every_join_returns_its_sections(conn: wire.V3Connection, param: str) -> None:
    reply = await conn.request(status(param))
    assert reply["code"] == 0
    assert list(reply["msg"]) == param.split("+")


@pytest.mark.parametrize("param", JOINS)
async def test_idle_miner_fails_pools_without_summary(
    v3_miner: SimulatedMiner, conn: wire.V3Connection, param: str
) -> None:
    assert (await conn.write("set.miner.service", "stop", wire.V3_PASSWORD))["code"] == 0
    reply = await conn.request(status(param))
    parts = param.split("+")
    if "pools" in parts and "summary" not in parts:
        assert (reply["code"], reply["desc"]) == (-1, "get.miner.status")
        assert isinstance(reply["msg"], str)
        assert v3_miner.commands[-1] != "get.miner.status"  # a failed read is not recorded
    else:
        assert reply["code"] == 0
        assert list(reply["msg"]) == parts


async def test_idle_summary_reads_zero_and_pools_come_back_with_mining(
    v3_miner: SimulatedMiner, conn: wire.V3Connection
) -> None:
    v3_miner.state.mining = False
    msg = (await conn.request(status("summary+pools")))["msg"]
    assert msg["summary"]["hash-realtime"] == 0
    assert msg["summary"]["power-limit"] == 0
    assert [pool["stratum-active"] for pool in msg["pools"]] == [False, False, False]
    assert (await conn.request(status("pools")))["code"] == -1
    v3_miner.state.mining = True
    reply = await conn.request(status("pools"))
    assert reply["code"] == 0
    assert reply["msg"]["pools"][0]["stratum-active"]
