"""API v2 privileged flow over TCP: tokens, the AES envelope, and every error path."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING

import pytest

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

    from .clocks import FakeClock


def error_of(reply: dict[str, object]) -> tuple[object, object, object]:
    return reply["STATUS"], reply["Code"], reply["Msg"]


async def test_get_token_gives_a_stable_salt_fresh_newsalt_and_4_digit_time(
    miner_factory: MinerFactory, clock: FakeClock
) -> None:
    miner = await miner_factory(clock=clock)
    first = await wire.ask(miner.host, {"cmd": "get_token"})
    clock.advance(7)
    second = await wire.ask(miner.host, {"command": "get_token"})
    assert (first["STATUS"], first["Code"]) == ("S", 134)
    assert set(first["Msg"]) == {"time", "salt", "newsalt"}
    assert first["Msg"]["time"] == str(int(clock.now - 7))[-4:]
    assert second["Msg"]["time"] == str(int(clock.now))[-4:]
    assert first["Msg"]["salt"] == second["Msg"]["salt"]
    assert first["Msg"]["newsalt"] != second["Msg"]["newsalt"]
    salt = first["Msg"]["salt"]
    assert miner.auth.credential(miner.password).crypted == (
        f"$1${salt}${wire.v2_key('admin', salt)}"
    )
    assert miner.commands == ["get_token", "get_token"]


async def test_encrypted_reads_work_and_verify_the_password(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    status = await session.run("status")
    assert status["Msg"]["mineroff"] == "false"
    joined = await session.run("summary+pools")
    assert set(joined) == {"summary", "pools", "id"}
    assert miner.commands == ["get_token", "status", "summary+pools"]
    assert miner.requests[1] == {"cmd": "status", "token": session.token}


@pytest.mark.parametrize("pad", ["nul", "pkcs7"])
@pytest.mark.parametrize("hostname", ["abc", "sixteen-chars-ok"])
async def test_nul_and_pkcs7_padded_requests_are_accepted(
    miner: SimulatedMiner, pad: wire.Padding, hostname: str
) -> None:
    session = wire.V2Session(miner.host, "admin", pad=pad)
    reply = await session.run("set_hostname", hostname=hostname)
    assert (reply["STATUS"], reply["Code"], reply["Msg"]) == ("S", 131, "API command OK")
    assert miner.state.hostname == hostname


async def test_encrypted_reply_is_nul_padded(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    raw = await wire.exchange(
        miner.host, wire.envelope(session.key, {"cmd": "power_on", "token": session.token})
    )
    envelope = json.loads(raw)
    assert list(envelope) == ["enc"]
    plaintext = wire.decrypt(session.key, base64.b64decode(envelope["enc"]))
    body = plaintext.rstrip(b"\x00")
    assert set(plaintext[len(body) :]) <= {0}
    assert len(plaintext) - len(body) < 16
    assert json.loads(body)["Msg"] == "API command OK"


async def test_write_switch_off_answers_plaintext_45(miner: SimulatedMiner) -> None:
    miner.state.api_switch = False
    session = wire.V2Session(miner.host, "admin")
    reply = await session.run("power_off", respbefore="true")
    assert error_of(reply) == ("E", 45, "can't access write cmd")
    assert list(reply) == ["STATUS", "When", "Code", "Msg", "Description"]
    assert miner.state.mining
    assert "power_off" not in miner.commands
    assert (await wire.ask(miner.host, {"cmd": "summary"}))["SUMMARY"]


async def test_wrong_password_answers_plaintext_23(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "wrong")
    reply = await session.run("reboot")
    assert error_of(reply) == ("E", 23, "enc json load err")
    assert "reboot" not in miner.commands


async def test_unknown_token_answers_encrypted_135(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    reply = await session.send_raw({"cmd": "power_on", "token": "not-a-token"})
    assert error_of(wire.open_reply(session.key, reply)) == ("E", 135, "check token err")
    reply = await session.send_raw({"cmd": "power_on"})
    assert error_of(wire.open_reply(session.key, reply)) == ("E", 135, "check token err")


async def test_token_is_bound_to_the_client_ip(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    request = wire.envelope(session.key, {"cmd": "status", "token": session.token})
    reader, writer = await asyncio.open_connection(miner.host, 4028, local_addr=("127.0.0.251", 0))
    writer.write(request)
    reply = json.loads(await asyncio.wait_for(reader.read(), 5))
    writer.close()
    await writer.wait_closed()
    assert error_of(wire.open_reply(session.key, reply)) == ("E", 135, "check token err")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("***not base64***", ("E", 137, "base64 decode error")),
        (base64.b64encode(b"0123456789").decode(), ("E", 23, "enc json load err")),
        (base64.b64encode(bytes(32)).decode(), ("E", 23, "enc json load err")),
    ],
)
async def test_broken_envelopes_answer_plaintext_errors(
    miner: SimulatedMiner, data: str, expected: tuple[str, int, str]
) -> None:
    reply = await wire.ask(miner.host, {"enc": 1, "data": data})
    assert error_of(reply) == expected


async def test_privileged_command_in_plaintext_is_refused(miner: SimulatedMiner) -> None:
    reply = await wire.ask(miner.host, {"cmd": "power_off", "respbefore": "true"})
    assert error_of(reply) == ("E", 45, "permission denied")
    assert miner.state.mining


@pytest.mark.parametrize("command", ["get_token", "no_such_command"])
async def test_encrypted_unknown_commands_answer_14(miner: SimulatedMiner, command: str) -> None:
    session = wire.V2Session(miner.host, "admin")
    assert error_of(await session.run(command)) == ("E", 14, "invalid cmd")


async def test_32_tokens_per_ip_then_136_until_they_expire(
    miner_factory: MinerFactory, clock: FakeClock
) -> None:
    miner = await miner_factory(clock=clock)
    for _ in range(32):
        reply = await wire.ask(miner.host, {"cmd": "get_token"})
        assert reply["Code"] == 134
    reply = await wire.ask(miner.host, {"cmd": "get_token"})
    assert error_of(reply) == ("E", 136, "over max connect")
    assert miner.commands == ["get_token"] * 32  # the refused one was not executed
    clock.advance(30 * 60)
    assert (await wire.ask(miner.host, {"cmd": "get_token"}))["Code"] == 134


async def test_tokens_expire_after_30_minutes(
    miner_factory: MinerFactory, clock: FakeClock
) -> None:
    miner = await miner_factory(clock=clock)
    session = wire.V2Session(miner.host, "admin")
    await session.get_token()
    clock.advance(30 * 60 - 1)
    assert (await session.run("status"))["Code"] == 131
    clock.advance(1)
    assert error_of(await session.run("status")) == ("E", 135, "check token err")


async def test_invalid_parameter_answers_132_and_changes_nothing(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    reply = await session.run("set_temp_offset", temp_offset="5")
    assert error_of(reply) == ("E", 132, "API command ERROR")
    assert miner.state.temp_offset == 0
    assert "set_temp_offset" not in miner.commands


async def test_update_pwd_changes_salt_and_invalidates_tokens(miner: SimulatedMiner) -> None:
    old = wire.V2Session(miner.host, "admin")
    await old.get_token()
    old_salt = old.salt
    reply = await old.run("update_pwd", old="admin", new="s3cret_1")
    assert reply["Msg"] == "API command OK"  # still encrypted with the old key
    assert miner.password == "s3cret_1"
    assert error_of(await old.run("status")) == ("E", 23, "enc json load err")
    new = wire.V2Session(miner.host, "s3cret_1")
    assert (await new.run("status"))["Code"] == 131
    assert new.salt != old_salt
    stale = wire.V2Session(miner.host, "s3cret_1", token=old.token, key=new.key)
    assert error_of(await stale.run("status")) == ("E", 135, "check token err")


@pytest.mark.parametrize(
    "params",
    [
        {"old": "wrong", "new": "abc"},
        {"old": "admin", "new": "toolong99"},
        {"old": "admin", "new": "bad-char"},
        {"old": "admin", "new": ""},
        {"old": "admin"},
    ],
)
async def test_update_pwd_checks_old_and_new(miner: SimulatedMiner, params: dict[str, str]) -> None:
    session = wire.V2Session(miner.host, "admin")
    assert error_of(await session.run("update_pwd", **params))[1] == 132
    assert miner.password == "admin"


async def test_restarts_forget_the_tokens(miner: SimulatedMiner) -> None:
    session = wire.V2Session(miner.host, "admin")
    assert (await session.run("restart_btminer"))["Code"] == 131
    assert error_of(await session.run("status")) == ("E", 135, "check token err")
