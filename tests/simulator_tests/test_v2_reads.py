"""API v2 reads over TCP: both request keys, joins, reply families, profiles and quirks."""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.simulator import SimulatedMiner
from tests.simulator.profiles import QUIRK_TWO_JOINS

from . import wire

if TYPE_CHECKING:
    from tests.simulator.fixtures import MinerFactory

# Field names from the captures (official205_summary, pyasic-issue22, official205_edevs, …).
SUMMARY_2_0_5 = {
    "Elapsed", "MHS av", "MHS 5s", "MHS 1m", "MHS 5m", "MHS 15m", "HS RT", "Accepted",
    "Rejected", "Total MH", "Temperature", "freq_avg", "Fan Speed In", "Fan Speed Out", "Power",
    "Power Rate", "Pool Rejected%", "Pool Stale%", "Last getwork", "Uptime", "Security Mode",
    "Hash Stable", "Hash Stable Cost Seconds", "Hash Deviation%", "Target Freq", "Target MHS",
    "Env Temp", "Power Mode", "Factory GHS", "Power Limit", "Chip Temp Min", "Chip Temp Max",
    "Chip Temp Avg", "Debug", "Btminer Fast Boot",
}  # fmt: skip
EDEVS_2_0_5 = {
    "ASC", "Slot", "Enabled", "Status", "Temperature", "Chip Frequency", "MHS av", "MHS 5s",
    "MHS 1m", "MHS 5m", "MHS 15m", "HS RT", "HS Factory", "Accepted", "Rejected",
    "Last Valid Work", "Upfreq Complete", "Effective Chips", "PCB SN", "Chip Data",
    "Chip Temp Min", "Chip Temp Max", "Chip Temp Avg", "chip_vol_diff",
}  # fmt: skip
POOL_2_0_5 = {
    "POOL", "URL", "Status", "Priority", "Quota", "Long Poll", "Getworks", "Accepted", "Rejected",
    "Works", "Discarded", "Stale", "Get Failures", "Remote Failures", "User", "Last Share Time",
    "Diff1 Shares", "Proxy Type", "Proxy", "Difficulty Accepted", "Difficulty Rejected",
    "Difficulty Stale", "Last Share Difficulty", "Work Difficulty", "Has Stratum",
    "Stratum Active", "Stratum URL", "Stratum Difficulty", "Best Share", "Pool Rejected%",
    "Pool Stale%", "Bad Work", "Current Block Height", "Current Block Version",
}  # fmt: skip
STATUS_FW2024 = {
    "mineroff", "mineroff_reason", "mineroff_time", "FirmwareVersion", "power_mode",
    "power_limit_set", "hash_percent",
}  # fmt: skip
STATUS_FW20230208 = {"mineroff", "FirmwareVersion", "power_mode", "hash_percent"}
PSU_2_0_5 = {
    "name", "hw_version", "sw_version", "model", "iin", "vin", "fan_speed", "version",
    "serial_no", "vender",
}  # fmt: skip
MINER_INFO_2_0_5 = {"ip", "proto", "netmask", "dns", "mac", "ledstat", "gateway"}
BTMINER_KEYS = ["STATUS", "When", "Code", "Msg", "Description"]


def pyasic_repair(raw: bytes) -> dict[str, Any]:
    """Apply the repairs of PROTOCOL.md §1.4 that the m30_old quirks call for."""
    text = raw.removesuffix(b"\x00").decode().replace(",}", "}")
    if re.search(r'"error_code":\[".+"\]', text):
        text = text.replace("[", "{").replace("]", "}")
    result: dict[str, Any] = json.loads(text)
    return result


@pytest.mark.parametrize("key", ["cmd", "command"])
async def test_both_request_keys_are_accepted(miner: SimulatedMiner, key: str) -> None:
    reply = await wire.ask(miner.host, {key: "summary"})
    assert reply["STATUS"] == [{"STATUS": "S", "Msg": "Summary"}]
    assert miner.commands == ["summary"]


async def test_extra_parameters_are_ignored(miner: SimulatedMiner) -> None:
    reply = await wire.ask(miner.host, {"cmd": "get_miner_info", "info": "ip,mac"})
    assert set(reply["Msg"]) >= MINER_INFO_2_0_5


async def test_cgminer_reads_join_with_plus(miner: SimulatedMiner) -> None:
    reply = await wire.ask(miner.host, {"command": "summary+edevs+pools+devdetails"})
    assert set(reply) == {"summary", "edevs", "pools", "devdetails", "id"}
    assert reply["summary"][0]["SUMMARY"][0]["Elapsed"] > 0
    assert len(reply["edevs"][0]["DEVS"]) == 3
    assert reply["pools"][0]["POOLS"][0]["POOL"] == 1
    assert reply["devdetails"][0]["DEVDETAILS"][0]["Model"] == "M50_VH50"
    assert miner.commands == ["summary+edevs+pools+devdetails"]


async def test_two_joins_quirk_refuses_three_reads_joined(miner: SimulatedMiner) -> None:
    miner.quirks.add(QUIRK_TWO_JOINS)

    refused = await wire.ask(miner.host, {"cmd": "summary+edevs+pools"})
    joined = await wire.ask(miner.host, {"cmd": "summary+edevs"})

    assert (refused["STATUS"], refused["Code"], refused["Msg"]) == ("E", 14, "invalid cmd")
    assert set(joined) == {"summary", "edevs", "id"}
    assert miner.commands == ["summary+edevs"]


@pytest.mark.parametrize("command", ["summary+status", "get_version+get_psu", "summary+nope"])
async def test_get_and_status_commands_cannot_be_joined(
    miner: SimulatedMiner, command: str
) -> None:
    reply = await wire.ask(miner.host, {"cmd": command})
    assert (reply["STATUS"], reply["Code"], reply["Msg"]) == ("E", 14, "invalid cmd")
    assert miner.commands == []


async def test_unknown_command_is_code_14(miner: SimulatedMiner) -> None:
    reply = await wire.ask(miner.host, {"cmd": "stats"})
    assert list(reply) == BTMINER_KEYS
    assert reply | {"When": 0} == {
        "STATUS": "E",
        "When": 0,
        "Code": 14,
        "Msg": "invalid cmd",
        "Description": "",
    }


@pytest.mark.parametrize("request_bytes", [b"summary", b"[1, 2]", b'{"cmd": 7}', b"{}"])
async def test_requests_that_are_not_commands(miner: SimulatedMiner, request_bytes: bytes) -> None:
    reply = wire.parse(await wire.exchange(miner.host, request_bytes))
    assert reply["STATUS"] == "E"
    assert reply["Code"] in {14, 23}


async def test_request_may_arrive_in_pieces(miner: SimulatedMiner) -> None:
    reader, writer = await asyncio.open_connection(miner.host, 4028)
    writer.write(b'{"cmd": "sta')
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.write(b'tus", "note": "{[\\"}"}\n')
    await writer.drain()
    reply = wire.parse(await asyncio.wait_for(reader.read(), 5))
    writer.close()
    await writer.wait_closed()
    assert reply["Msg"]["mineroff"] == "false"


async def test_silent_connection_is_closed_after_the_idle_timeout(miner: SimulatedMiner) -> None:
    miner.v2_idle_timeout = 0.1
    reader, writer = await asyncio.open_connection(miner.host, 4028)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    await writer.wait_closed()


async def test_m50_replies_are_clean_2_0_5_json(miner: SimulatedMiner) -> None:
    raw = await wire.exchange(miner.host, b'{"cmd": "summary"}')
    summary = json.loads(raw)["SUMMARY"][0]
    assert set(summary) == SUMMARY_2_0_5 | {"Upfreq Complete"}
    edevs = (await wire.ask(miner.host, {"cmd": "edevs"}))["DEVS"]
    assert [set(board) for board in edevs] == [EDEVS_2_0_5] * 3
    pools = (await wire.ask(miner.host, {"cmd": "pools"}))["POOLS"]
    assert all(set(pool) == POOL_2_0_5 for pool in pools)
    status = await wire.ask(miner.host, {"cmd": "status"})
    assert list(status) == BTMINER_KEYS
    assert set(status["Msg"]) == STATUS_FW2024
    assert status["Msg"]["power_limit_set"] == "2147483647"
    psu = (await wire.ask(miner.host, {"cmd": "get_psu"}))["Msg"]
    assert set(psu) == PSU_2_0_5 | {"enable", "pin", "temp0"}
    assert all(isinstance(value, str) for value in psu.values())
    version = (await wire.ask(miner.host, {"cmd": "get_version"}))["Msg"]
    assert version == {
        "api_ver": "2.0.5",
        "fw_ver": "20240924.14.Rel",
        "platform": "H616",
        "chip": "H3LA03-23112004 BINVE2-195001C",
    }


async def test_summary_and_boards_agree(miner: SimulatedMiner) -> None:
    reply = await wire.ask(miner.host, {"cmd": "summary+edevs"})
    summary = reply["summary"][0]["SUMMARY"][0]
    boards = reply["edevs"][0]["DEVS"]
    for window in ("MHS av", "MHS 5s", "MHS 1m", "MHS 5m", "MHS 15m"):
        assert sum(board[window] for board in boards) == pytest.approx(summary[window], rel=1e-6)
    assert summary["Temperature"] == max(board["Temperature"] for board in boards)
    assert summary["Chip Temp Min"] == min(board["Chip Temp Min"] for board in boards)
    assert summary["Chip Temp Max"] == max(board["Chip Temp Max"] for board in boards)
    factory = sum(board["HS Factory"] for board in boards)
    assert summary["Factory GHS"] == pytest.approx(factory, abs=len(boards))
    assert summary["MHS av"] == pytest.approx(118e6)
    assert summary["Power"] == 3306
    assert summary["Power Rate"] == pytest.approx(3306 / 118, abs=0.01)


async def test_m30_old_has_the_old_firmware_quirks(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m30_old")
    miner.state.error_codes = [(329, "2022-01-17 11:28:11"), (110, "2022-01-17 11:29:00")]
    raw = await wire.exchange(miner.host, b'{"cmd":"get_error_code"}')
    assert raw.endswith(b",}\x00")
    assert b'"error_code":["329":"2022-01-17 11:28:11","110":"2022-01-17 11:29:00"]' in raw
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw.removesuffix(b"\x00"))
    assert pyasic_repair(raw)["Msg"] == {
        "error_code": {"329": "2022-01-17 11:28:11", "110": "2022-01-17 11:29:00"}
    }

    summary = pyasic_repair(await wire.exchange(miner.host, b'{"cmd":"summary"}'))
    fields = summary["SUMMARY"][0]
    assert fields["Firmware Version"] == "'20230208.18.Rel'"
    assert fields["MAC"] == miner.mac
    assert fields["Error Code Count"] == 2
    assert (fields["Error Code 0"], fields["Error Code 1"]) == (329, 110)
    assert summary["STATUS"][0]["Code"] == 11

    status = pyasic_repair(await wire.exchange(miner.host, b'{"cmd":"status"}'))
    assert set(status["Msg"]) == STATUS_FW20230208


async def test_quirks_switch_off_per_miner(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m30_old", quirks=())
    miner.state.error_codes = [(329, "2022-01-17 11:28:11")]
    reply = json.loads(await wire.exchange(miner.host, b'{"cmd":"get_error_code"}'))
    assert reply["Msg"] == {"error_code": [{"329": "2022-01-17 11:28:11"}]}
    miner.quirks.add("nul")
    assert (await wire.exchange(miner.host, b'{"cmd":"status"}')).endswith(b'""}\x00')


async def test_unknown_quirk_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown quirks"):
        SimulatedMiner("127.0.0.2", quirks=["newline"])


async def test_m60_v3_serves_a_reduced_v2(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m60_v3")
    status = await wire.ask(miner.host, {"cmd": "status"})
    assert status["Msg"] == {
        "mineroff": "false",
        "mineroff_reason": "",
        "mineroff_time": "",
        "FirmwareVersion": "20251209.16.Rel2",
        "power_mode": "",
        "power_limit_set": "2147483647",
        "hash_percent": "",
    }
    reply = await wire.ask(miner.host, {"cmd": "summary+edevs"})
    summary = reply["summary"][0]["SUMMARY"][0]
    assert "MHS 1m" not in summary
    assert summary["MHS av"] == pytest.approx(186e6)
    boards = reply["edevs"][0]["DEVS"]
    assert len(boards) == 4
    assert not any("Chip Temp Avg" in board or "MHS 1m" in board for board in boards)
    assert sum(board["Factory GHS"] for board in boards) == pytest.approx(186_000, abs=4)


async def test_error_codes_and_pools_follow_the_state(miner: SimulatedMiner) -> None:
    miner.state.error_codes = [(218, "2024-06-15 10:30:00"), (110, "2024-06-15 09:15:00")]
    reply = await wire.ask(miner.host, {"cmd": "get_error_code"})
    assert reply["Msg"] == {
        "error_code": [{"218": "2024-06-15 10:30:00"}, {"110": "2024-06-15 09:15:00"}]
    }
    pools = (await wire.ask(miner.host, {"cmd": "pools"}))["POOLS"]
    assert [(pool["URL"], pool["User"]) for pool in pools] == [
        (pool["url"], pool["worker"]) for pool in miner.state.pools
    ]
    assert [pool["Stratum Active"] for pool in pools] == [True, False, False]
    miner.state.pools = []
    reply = await wire.ask(miner.host, {"cmd": "pools"})
    assert reply["STATUS"][0]["STATUS"] == "E"
    assert reply["STATUS"][0]["Msg"] == "No pools"


async def test_miner_info_and_devdetails_identify_the_miner(miner: SimulatedMiner) -> None:
    info = (await wire.ask(miner.host, {"cmd": "get_miner_info"}))["Msg"]
    assert info["mac"] == miner.mac
    assert info["ip"] == miner.host
    assert info["hostname"] == "WhatsMiner"
    assert info["ledstat"] == "auto"
    details = await wire.ask(miner.host, {"cmd": "devdetails"})
    assert details["STATUS"][0]["Description"] == "btminer"
    assert {board["Driver"] for board in details["DEVDETAILS"]} == {"bitmicro"}
