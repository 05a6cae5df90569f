"""Replies whose content is hostile or strange, through the whole client.

A STATUS of a shape no firmware sends, numbers too large to compute with, lone surrogate
escapes, ``-1`` for "unknown" and a garbled error list: each gives a typed error, None, a
clean string or "errors unknown", never a crash or a value Home Assistant cannot store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from custom_components.whatsminer.api import (
    SetLedAuto,
    V2Client,
    V3Client,
    WhatsminerInvalidReplyError,
)
from custom_components.whatsminer.api.v2 import models as v2_models
from custom_components.whatsminer.api.v2.models import V2Replies, errors

from .fake_miner import INVALID_CMD, FakeMiner, btminer_reply, encrypt_reply, fixture
from .mutations import check_model
from .test_v3_client_replies import ScriptedTransport

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from custom_components.whatsminer.api.models import MinerData
    from custom_components.whatsminer.api.v3.transport import V3Transport

ODD_STATUSES = [["S"], {"S": "S"}, None]


@pytest.fixture
def polled(monkeypatch: pytest.MonkeyPatch) -> list[V2Replies]:
    """Collect the replies each v2 poll hands the models."""
    collected: list[V2Replies] = []
    build = v2_models.build_miner_data

    def spy(replies: V2Replies) -> MinerData:
        collected.append(replies)
        return build(replies)

    monkeypatch.setattr(v2_models, "build_miner_data", spy)
    return collected


def _summary_with_status(status: object) -> dict[str, Any]:
    summary = fixture("asicrs_v2_summary.json")
    summary["STATUS"][0]["STATUS"] = status
    return summary


def _odd_poll(miner: FakeMiner, status: object) -> None:
    miner.replies["summary"] = _summary_with_status(status)


def _odd_identity(miner: FakeMiner, status: object) -> None:
    miner.replies["get_miner_info"] = {"STATUS": [{"STATUS": status}], "Msg": {}}
    miner.replies["summary"] = _summary_with_status(status)  # where the MAC is looked for next


@pytest.mark.parametrize("status", ODD_STATUSES, ids=["list", "object", "null"])
@pytest.mark.parametrize(
    ("plant", "read"),
    [(_odd_poll, V2Client.fetch), (_odd_identity, V2Client.identity)],
    ids=["poll", "identity"],
)
async def test_a_status_of_unknown_shape_fails_a_read_with_a_typed_error(
    miner: FakeMiner,
    client: V2Client,
    status: object,
    plant: Callable[[FakeMiner, object], None],
    read: Callable[[V2Client], Awaitable[object]],
) -> None:
    plant(miner, status)

    with pytest.raises(WhatsminerInvalidReplyError, match="STATUS that is not a string"):
        await read(client)


@pytest.mark.parametrize("status", ODD_STATUSES, ids=["list", "object", "null"])
async def test_a_status_of_unknown_shape_fails_a_privileged_command_with_a_typed_error(
    miner: FakeMiner, client: V2Client, status: object
) -> None:
    miner.script["set_led"] = [encrypt_reply({"STATUS": [{"STATUS": status}]}, miner.aes_key)]

    with pytest.raises(WhatsminerInvalidReplyError, match="STATUS that is not a string"):
        await client.run(SetLedAuto())
    miner.script["get_token"] = [{"STATUS": [{"STATUS": status}], "Msg": {}}]
    client._privileged.forget()
    with pytest.raises(WhatsminerInvalidReplyError, match="STATUS that is not a string"):
        await client.run(SetLedAuto())


async def test_huge_numbers_in_every_board_do_not_overflow(
    miner: FakeMiner, client: V2Client
) -> None:
    summary = fixture("asicrs_v2_summary.json")
    del summary["SUMMARY"][0]["Chip Temp Avg"]  # the boards' mean is taken instead
    edevs = fixture("official205_edevs.json")
    for board in edevs["DEVS"]:
        board |= {"Chip Temp Avg": 1e308, "Temperature": 1.7e308, "MHS av": 10**400}
    miner.replies |= {"summary": summary, "edevs": edevs}

    data = await client.fetch()

    assert data.chip_temp_avg is None
    assert {board.temperature for board in data.boards} == {None}
    check_model(data)


async def test_lone_surrogates_reach_no_model(miner: FakeMiner, client: V2Client) -> None:
    broken = "\ud800"
    miner.replies["get_miner_info"] = btminer_reply(
        {"hostname": f"wm{broken}", "mac": "D4:01:02:03:04:05", "minersn": broken}
    )
    miner.replies["get_version"] = btminer_reply({"api_ver": "2.0.5", "fw_ver": f"2024{broken}"})
    pools = fixture("asicrs_v2_pools.json")
    pools["POOLS"][0]["URL"] = f"stratum+tcp://{broken}:3333"
    miner.replies["pools"] = pools
    miner.replies["get_error_code"] = btminer_reply({"error_code": [{f"5{broken}": broken}]})
    miner.replies["get_psu"] = btminer_reply({"sw_version": broken, "model": "\udfff"})

    identity = await client.identity()
    data = await client.fetch()

    check_model(identity)
    check_model(data)
    assert identity.hostname == "wm\ufffd"
    assert data.pools[0].url == "stratum+tcp://\ufffd:3333"
    assert data.errors[0].code == "5\ufffd"
    assert data.psu is not None
    assert data.psu.firmware == "\ufffd"


@pytest.mark.parametrize(
    "answer",
    [b"garbage\xff{", btminer_reply("API command ERROR", code=132, status="E"), btminer_reply([])],
    ids=["garbled", "refused", "no-list"],
)
async def test_an_unreadable_error_list_leaves_the_errors_unknown(
    miner: FakeMiner, client: V2Client, polled: list[V2Replies], answer: object
) -> None:
    miner.replies["get_error_code"] = cast("Any", answer)

    await client.fetch()

    assert errors(polled[0]) is None


async def test_firmware_without_get_error_code_reports_no_errors(
    miner: FakeMiner, client: V2Client, polled: list[V2Replies]
) -> None:
    miner.replies["get_error_code"] = INVALID_CMD

    await client.fetch()
    await client.fetch()

    assert [errors(replies) for replies in polled] == [(), ()]
    assert [request["cmd"] for request in miner.requests].count("get_error_code") == 1


async def test_v3_minus_one_and_huge_numbers_become_none() -> None:
    scripted = ScriptedTransport()
    status = cast("dict[str, Any]", scripted.answers["get.miner.status"])["msg"]
    status["summary"] |= {
        "fan-speed-in": -1,
        "fan-speed-out": "-1",
        "elapsed": -1,
        "hash-realtime": -1,
        "hash-1min": -1,
        "hash-average": -1,
        "factory-hash": 1e308,
        "power-realtime": -1,
        "power-5min": -1,
    }
    for board in status["edevs"]:
        board |= {"freq": -1, "effective-chips": -1, "hash-realtime": -1, "hash-average": -1}
    client = V3Client("10.0.0.9", "super", transport=cast("V3Transport", scripted))

    data = await client.fetch()

    check_model(data)
    assert (data.fan_in, data.fan_out, data.elapsed) == (None, None, None)
    assert (data.hashrate, data.hashrate_average, data.hashrate_factory) == (None, None, None)
    for board in data.boards:
        assert (board.frequency, board.effective_chips, board.hashrate) == (None, None, None)
