"""V2Client reads over loopback TCP: fetch, identity, fallbacks and failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.whatsminer.api import (
    CommandOutcome,
    ErrorCode,
    PowerMode,
    StartMining,
    V2Client,
    WhatsminerCommandRejectedError,
    WhatsminerConnectionError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
)
from custom_components.whatsminer.api.v2.transport import Transport, V2Transport

from .conftest import run_inline
from .fake_miner import FIXTURES, INVALID_CMD, Action, FakeMiner, btminer_reply, fixture

POLL = {"summary+edevs+pools", "status", "get_error_code", "get_psu"}
JOIN_REFUSED = btminer_reply("command join err", code=45, status="E")


def sent(miner: FakeMiner) -> list[str]:
    """Return the plaintext commands the miner received, in order."""
    return [str(request["cmd"]) for request in miner.requests]


async def test_fetch_costs_four_connections_then_two_on_api_2_0_5(
    miner: FakeMiner, client: V2Client
) -> None:
    snapshot = await client.fetch()
    await client.fetch()

    assert client.connections_opened == miner.connections == 4 + 2
    assert set(sent(miner)[:4]) == POLL
    # The PSU is read every 5 minutes; so is status while the summary shows hashing.
    assert set(sent(miner)[4:]) == POLL - {"get_psu", "status"}
    assert snapshot.hashrate == pytest.approx(124.5)
    assert len(snapshot.boards) == 3
    assert snapshot.power_limit == 3300
    assert snapshot.mining is True
    assert snapshot.power_mode is PowerMode.NORMAL
    assert snapshot.errors[0] == ErrorCode(code="218", time="2024-06-15 10:30:00")
    assert snapshot.psu is not None
    assert snapshot.psu.model == "P221B"
    assert snapshot.firmware == "20240924.14.Rel"
    # No v2 read reports these settings; the entities remember what was written.
    assert (snapshot.led_auto, snapshot.upfreq_speed) == (None, None)
    assert snapshot.power_percent == 100  # btminer's start value; nothing written since


async def test_identity_reads_three_commands_at_once(miner: FakeMiner, client: V2Client) -> None:
    miner.replies["get_miner_info"] = btminer_reply(
        {
            "mac": "d4:01:02:03:04:05",
            "hostname": "rig",
            "ledstat": "manual",
            "minersn": "SN1",
            "upfreq_speed": "4",
        }
    )

    identity = await client.identity()
    snapshot = await client.fetch()

    assert set(sent(miner)[:3]) == {"get_version", "get_miner_info", "devdetails"}
    assert miner.requests[sent(miner).index("get_miner_info")]["info"].startswith("ip,")
    assert identity.mac == "D4:01:02:03:04:05"
    assert (identity.hostname, identity.serial, identity.model) == ("rig", "SN1", "M30S+VE40")
    assert identity.api_version == "2.0.5"
    assert client.connections_opened == 3 + 4
    # get_miner_info's LED and ramp-up settings are not taken over into the data.
    assert (snapshot.led_auto, snapshot.upfreq_speed) == (None, None)


async def test_old_api_keeps_errors_in_summary_and_skips_get_error_code(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.replies |= {
        "get_version": fixture("asicrs_v1_get_version.json"),
        "summary": fixture("asicrs_v1_summary_with_errors.json"),
        "get_miner_info": INVALID_CMD,
    }

    identity = await client.identity()
    opened = client.connections_opened
    snapshot = await client.fetch()

    assert identity.mac == "C4:08:28:00:A4:19"  # from summary: get_miner_info is missing
    assert opened == 4
    assert client.connections_opened - opened == 3  # the join, status and get_psu
    assert "get_error_code" not in sent(miner)
    assert [error.code for error in snapshot.errors] == ["110", "600"]


@pytest.mark.parametrize(
    "error_code_reply",
    [INVALID_CMD, btminer_reply({"error_code": []})],
    ids=["get_error_code-missing", "get_error_code-empty"],
)
async def test_old_firmware_polled_without_identity_reports_the_summary_errors(
    miner: FakeMiner, client: V2Client, error_code_reply: dict[str, object]
) -> None:
    miner.replies |= {
        "get_version": fixture("asicrs_v1_get_version.json"),
        "summary": fixture("asicrs_v1_summary_with_errors.json"),
        "get_miner_info": INVALID_CMD,
        "get_error_code": error_code_reply,
    }

    snapshot = await client.fetch()  # no identity(): the API version is not known

    assert "get_error_code" in sent(miner)
    assert "get_version" not in sent(miner)
    assert [error.code for error in snapshot.errors] == ["110", "600"]


@pytest.mark.parametrize(
    ("error_code_reply", "expected"),
    [
        (fixture("asicrs_v2_get_error_code_with_errors.json"), ["218", "110"]),
        (fixture("asicrs_v2_get_error_code.json"), ["531"]),
    ],
    ids=["listed", "empty-list"],
)
async def test_api_2_0_5_errors_are_get_error_code_s_else_summary_s(
    miner: FakeMiner,
    client: V2Client,
    error_code_reply: dict[str, object],
    expected: list[str],
) -> None:
    summary = fixture("asicrs_v2_summary.json")
    summary["SUMMARY"][0] |= {"Error Code Count": 1, "Error Code 0": 531}
    miner.replies |= {"summary": summary, "get_error_code": error_code_reply}

    without_identity = await client.fetch()
    await client.identity()
    with_identity = await client.fetch()

    assert sent(miner).count("get_error_code") == 2
    assert [error.code for error in without_identity.errors] == expected
    assert with_identity.errors == without_identity.errors


async def test_identity_without_mac_fails(miner: FakeMiner, client: V2Client) -> None:
    miner.replies["get_miner_info"] = btminer_reply({"ledstat": "auto"})
    miner.replies["summary"] = fixture("official205_summary.json")

    with pytest.raises(WhatsminerInvalidReplyError, match="no MAC"):
        await client.identity()


async def test_optional_reads_answering_invalid_cmd_are_remembered(
    miner: FakeMiner, client: V2Client
) -> None:
    del miner.replies["get_psu"]
    miner.replies["get_error_code"] = INVALID_CMD
    miner.replies["summary"] = fixture("asicrs_v1_summary_with_errors.json")

    first = await client.fetch()
    second = await client.fetch()

    assert first.psu is not None
    assert first.psu.model is None  # only the summary's PSU fan is known
    assert first.psu.fan_speed == 9060
    assert [error.code for error in second.errors] == ["110", "600"]
    assert sent(miner).count("get_psu") == sent(miner).count("get_error_code") == 1
    assert client.connections_opened == 4 + 1


@pytest.mark.parametrize(
    "failure",
    [
        btminer_reply("API command ERROR", code=132, status="E"),
        b"<html>not json</html>",
        b"{" + b" " * (1024 * 1024 + 1),
    ],
    ids=["rejected", "garbage", "oversize"],
)
async def test_failing_optional_read_leaves_its_fields_empty(
    miner: FakeMiner, client: V2Client, failure: bytes | dict[str, object]
) -> None:
    miner.script["get_psu"] = [failure]

    snapshot = await client.fetch()
    await client.fetch()

    assert snapshot.psu is None
    assert snapshot.hashrate is not None
    assert sent(miner).count("get_psu") == 2  # not remembered: it may work next time


async def test_miner_that_cannot_join_reads_apart_from_then_on(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.joins = False

    first = await client.fetch()
    opened = client.connections_opened
    second = await client.fetch()

    assert opened == 8  # both joins refused, then summary, edevs and pools apart
    assert client.connections_opened - opened == 3  # pools, PSU and status wait 5 minutes
    assert sent(miner).count("summary+edevs+pools") == sent(miner).count("summary+edevs") == 1
    assert first == second
    assert len(first.boards) == 3


@pytest.mark.parametrize(
    "joined",
    [b"garbage", {"summary": [fixture("official205_summary.json")]}],
    ids=["garbage", "missing-part"],
)
async def test_unreadable_joined_reply_falls_back_to_split_reads(
    miner: FakeMiner, client: V2Client, joined: bytes | dict[str, object]
) -> None:
    miner.script["summary+edevs+pools"] = [joined]

    snapshot = await client.fetch()
    opened = client.connections_opened
    await client.fetch()

    assert len(snapshot.boards) == 3
    assert len(snapshot.pools) == 3
    assert {"summary", "edevs", "pools"} <= set(sent(miner))
    assert "summary+edevs" not in sent(miner)
    assert client.connections_opened - opened == 2  # a garbled reply changed nothing
    assert sent(miner).count("summary+edevs+pools") == 2


async def test_joined_reply_with_a_garbled_summary_part_is_read_apart_once(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.script["summary+edevs+pools"] = [
        {
            "summary": [{"STATUS": [{"STATUS": "S"}], "SUMMARY": []}],
            "edevs": [{"STATUS": "S"}],
            "pools": [{"STATUS": "S"}],
        }
    ]

    snapshot = await client.fetch()
    await client.fetch()

    assert snapshot.hashrate is not None
    assert sent(miner).count("summary") == 1
    assert sent(miner).count("summary+edevs+pools") == 2


async def test_miner_without_edevs_joins_summary_with_devs(
    miner: FakeMiner, client: V2Client
) -> None:
    del miner.replies["edevs"]  # the joined reply's edevs part answers "invalid cmd"

    first = await client.fetch()
    opened = client.connections_opened
    second = await client.fetch()

    assert [board.hashrate for board in first.boards] == pytest.approx([41.5, 41.8, 41.7])
    assert second.boards == first.boards
    assert opened == 5  # summary+edevs+pools, then devs alone, and the other three reads
    assert client.connections_opened - opened == 2
    assert sent(miner).count("summary+edevs+pools") == sent(miner).count("summary+devs+pools") == 1
    assert "summary" not in sent(miner)


async def test_miner_without_edevs_reading_apart_uses_devs(
    miner: FakeMiner, client: V2Client
) -> None:
    del miner.replies["edevs"]
    miner.joins = False

    first = await client.fetch()
    opened = client.connections_opened
    second = await client.fetch()

    assert second.boards == first.boards
    assert client.connections_opened - opened == 3
    assert sent(miner)[-3:].count("devs") == 1
    assert "edevs" not in sent(miner)[-3:]


async def test_refused_devs_part_fails_the_poll(miner: FakeMiner, client: V2Client) -> None:
    del miner.replies["edevs"]
    await client.fetch()
    del miner.replies["devs"]

    with pytest.raises(WhatsminerCommandRejectedError, match="invalid cmd"):
        await client.fetch()
    assert sent(miner).count("summary+devs+pools") == 1


async def test_refused_summary_part_fails_the_poll(miner: FakeMiner, client: V2Client) -> None:
    miner.replies["summary"] = INVALID_CMD

    with pytest.raises(WhatsminerCommandRejectedError, match="invalid cmd"):
        await client.fetch()


async def test_miner_without_any_board_read_fails_the_poll(
    miner: FakeMiner, client: V2Client
) -> None:
    del miner.replies["edevs"], miner.replies["devs"]

    with pytest.raises(WhatsminerCommandRejectedError, match="invalid cmd"):
        await client.fetch()


async def test_required_read_refused_fails_the_poll(miner: FakeMiner, client: V2Client) -> None:
    miner.replies["status"] = INVALID_CMD

    with pytest.raises(WhatsminerCommandRejectedError):
        await client.fetch()


async def test_empty_summary_fails_the_poll(miner: FakeMiner, client: V2Client) -> None:
    miner.replies["summary"] = {"STATUS": [{"STATUS": "S"}], "SUMMARY": []}

    with pytest.raises(WhatsminerInvalidReplyError, match="empty SUMMARY"):
        await client.fetch()


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (Action.DROP, WhatsminerConnectionError),
        (Action.RESET, WhatsminerConnectionError),
        (Action.HANG, WhatsminerTimeoutError),
        (Action.PARTIAL_THEN_RESET, WhatsminerConnectionError),
        (b'{"STATUS":[{"STATUS":"S"}],"POOLS":[{"URL":"stratum', WhatsminerInvalidReplyError),
        (b"\xff\x00 garbage", WhatsminerInvalidReplyError),
        (b"[" + b"1," * 600_000 + b"1]", WhatsminerReplyTooLargeError),
        ({"STATUS": [{"STATUS": "E", "Code": 9, "Msg": "x"}]}, WhatsminerCommandRejectedError),
    ],
    ids=[
        "drop",
        "reset",
        "timeout",
        "partial-reset",
        "truncated",
        "garbage",
        "oversize",
        "rejected",
    ],
)
@pytest.mark.parametrize("command", ["status", "pools"])
async def test_failing_required_read_fails_the_poll(
    miner: FakeMiner,
    client: V2Client,
    action: Action | bytes,
    error: type[Exception],
    command: str,
) -> None:
    miner.joins = command != "pools"  # pools is read alone where the miner cannot join
    miner.script[command] = [action]

    with pytest.raises(error):
        await client.fetch()


@pytest.mark.parametrize(
    "no_pools",
    [
        {"STATUS": [{"STATUS": "E", "When": 1, "Code": 8, "Msg": "No pools", "Description": ""}]},
        {"STATUS": [{"STATUS": "E", "Msg": " no pools "}]},
        {"STATUS": [{"STATUS": "E", "Code": 8}]},
    ],
    ids=["cgminer", "message-only", "code-only"],
)
async def test_miner_without_pools_has_empty_pools(
    miner: FakeMiner, client: V2Client, no_pools: dict[str, object]
) -> None:
    miner.replies["pools"] = no_pools

    snapshot = await client.fetch()

    assert snapshot.pools == ()
    assert snapshot.active_pool is None
    assert snapshot.hashrate is not None


async def test_unreachable_miner(miner: FakeMiner, client: V2Client) -> None:
    await miner.stop()

    with pytest.raises(WhatsminerConnectionError):
        await client.fetch()
    with pytest.raises(WhatsminerConnectionError):
        await client.identity()
    assert client.connections_opened == 0


async def test_quirky_old_firmware_is_read_through_its_repairs(
    miner: FakeMiner, client: V2Client
) -> None:
    summary = json.dumps(fixture("asicrs_v1_summary.json")).replace("}]", ",}]") + "\0"
    miner.replies |= {
        "summary": summary.encode(),
        "get_error_code": (FIXTURES / "official205_get_error_code.malformed.txt").read_bytes(),
        "status": fixture("asicrs-pr187_status_v1api_fw20220919.json"),
        "get_psu": b'{"STATUS":"S","Code":131,"Msg":{"vin":"23000""temp0":"36"},"Description":""}',
    }
    miner.joins = False

    snapshot = await client.fetch()

    assert snapshot.hashrate == pytest.approx(67.39480097)
    assert snapshot.errors == (ErrorCode(code="329", time="2022-01-17 11:28:11"),)
    assert snapshot.firmware == "20220919.15.REL"
    assert snapshot.mining is False
    assert snapshot.psu is not None
    assert snapshot.psu.input_voltage == 230.0


async def test_firmware_change_forgets_what_the_old_firmware_did(
    miner: FakeMiner, client: V2Client
) -> None:
    miner.joins = False
    await client.identity()
    await client.fetch()
    await client.identity()  # same firmware: still reads apart, pools and PSU kept
    await client.fetch()
    assert sent(miner).count("summary+edevs+pools") == 1
    assert sent(miner).count("pools") == sent(miner).count("get_psu") == 1

    miner.joins = True
    miner.replies["get_version"] = btminer_reply({"api_ver": "2.0.5", "fw_ver": "20240101.1.REL"})
    await client.identity()
    await client.fetch()

    assert sent(miner).count("summary+edevs+pools") == 2
    assert sent(miner).count("get_psu") == 2


async def test_read_and_read_joined(miner: FakeMiner, client: V2Client) -> None:
    reply = await client.read("get_version")
    parts = await client.read_joined(["summary", "pools"])
    three = await client.read_joined(["summary", "devs", "pools"])

    assert reply["Msg"] == fixture("asicrs_v2_get_version.json")["Msg"]
    assert set(parts) == {"summary", "pools"}
    assert set(three) == {"summary", "devs", "pools"}
    assert sent(miner) == ["get_version", "summary+pools", "summary+devs+pools"]


@pytest.mark.parametrize(
    "names",
    [
        ["summary"],
        ["summary", "summary"],
        ["summary", "status"],
        ["summary", "pools", "summary"],
        ["summary", "pools", "devs", "edevs"],
    ],
)
async def test_read_joined_refuses_what_the_firmware_cannot_join(
    client: V2Client, names: list[str]
) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError):
        await client.read_joined(names)
    assert client.connections_opened == 0


async def test_read_refuses_unknown_commands(client: V2Client) -> None:
    with pytest.raises(WhatsminerInvalidArgumentError):
        await client.read("reboot")
    assert client.connections_opened == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"host": ""}, "host must be"),
        ({"host": None}, "host must be"),
        ({"host": "rig\0.lan"}, "host must be"),
        ({"host": "a" * 254}, "host must be"),
        ({"host": "a" * 64 + ".lan"}, "host must be"),
        ({"port": 0}, "port must be an integer from 1 to 65535"),
        ({"port": 65536}, "port must be"),
        ({"port": "4028"}, "port must be"),
        ({"port": True}, "port must be"),
        ({"password": "ad\0min"}, "password must be text without NUL"),
        ({"password": None}, "password must be text"),
        ({"password": b"admin"}, "password must be text"),
    ],
)
def test_invalid_address_or_password_is_refused_up_front(
    arguments: dict[str, Any], message: str
) -> None:
    defaults: dict[str, Any] = {"host": "127.0.0.1", "password": "admin"}

    with pytest.raises(WhatsminerInvalidArgumentError, match=message) as caught:
        V2Client(**(defaults | arguments))
    assert "ad\0min" not in str(caught.value)


@pytest.mark.parametrize(
    "host",
    ["192.168.1.20", "rig-7.lan", "fe80::1%eth0", "a" * 63 + "." + "b" * 63, "rig.lan."],
)
def test_names_and_addresses_are_accepted(host: str) -> None:
    assert V2Client(host, "", port=65535).host == host


async def test_client_properties(miner: FakeMiner) -> None:
    client = V2Client("127.0.0.1", "admin", port=miner.port, run_blocking=run_inline)

    assert client.host == "127.0.0.1"
    assert client.connections_opened == 0
    await client.close()


class CountingTransport:
    """A transport that counts the exchanges and closes it carries for a real one."""

    def __init__(self, inner: Transport) -> None:
        """Wrap ``inner``."""
        self.inner = inner
        self.requests: list[bytes] = []
        self.closed = 0

    @property
    def connections_opened(self) -> int:
        """The wrapped transport's count."""
        return self.inner.connections_opened

    async def exchange(self, request: bytes) -> bytes:
        """Note the request, then let the wrapped transport carry it."""
        self.requests.append(request)
        return await self.inner.exchange(request)

    async def close(self) -> None:
        """Count the close and pass it on."""
        self.closed += 1
        await self.inner.close()


def counting_transport(miner: FakeMiner) -> CountingTransport:
    return CountingTransport(V2Transport("127.0.0.1", miner.port, timeout=0.5, connect_timeout=0.5))


async def test_an_injected_transport_carries_every_exchange(miner: FakeMiner) -> None:
    transport = counting_transport(miner)
    # port 1 and the tiny timeouts would fail: they do not apply to an injected transport
    client = V2Client(
        "127.0.0.1",
        "admin",
        port=1,
        timeout=0.001,
        connect_timeout=0.001,
        run_blocking=run_inline,
        transport=transport,
    )

    await client.identity()
    await client.fetch()
    assert await client.run(StartMining()) is CommandOutcome.CONFIRMED

    assert len(transport.requests) == miner.connections == client.connections_opened == 3 + 4 + 2
    assert miner.executed == ["power_on"]


async def test_async_with_closes_the_client(miner: FakeMiner) -> None:
    transport = counting_transport(miner)
    async with V2Client(
        "127.0.0.1", "admin", run_blocking=run_inline, transport=transport
    ) as client:
        assert isinstance(client, V2Client)
        await client.run(StartMining())
    assert transport.closed == 0  # an injected transport belongs to the caller
    await client.run(StartMining())  # the token was forgotten on the way out

    assert [request["cmd"] for request in miner.requests if "cmd" in request].count(
        "get_token"
    ) == 2


async def test_async_with_closes_the_client_on_an_error(miner: FakeMiner) -> None:
    transport = counting_transport(miner)
    await miner.stop()

    with pytest.raises(WhatsminerConnectionError):
        async with V2Client("127.0.0.1", "admin", transport=transport) as client:
            await client.fetch()
    assert transport.closed == 0
