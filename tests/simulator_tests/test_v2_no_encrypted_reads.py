"""The `no_encrypted_reads` quirk: firmware that takes only writes in the encrypted envelope.

A read sent encrypted gets Code 14 "invalid cmd", encrypted with the password's key (so it
still proves the password); plaintext reads, writes, and the wrong-password and write-API
errors are as on any firmware.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.simulator import KNOWN_QUIRKS, PROFILES
from tests.simulator.profiles import QUIRK_NO_ENCRYPTED_READS

from . import wire

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


@pytest.fixture
async def refusing(miner_factory: MinerFactory) -> SimulatedMiner:
    return await miner_factory(profile="m50", quirks={QUIRK_NO_ENCRYPTED_READS})


async def test_encrypted_reads_get_an_encrypted_invalid_cmd(refusing: SimulatedMiner) -> None:
    session = wire.V2Session(refusing.host, "admin")
    await session.get_token()

    raw = await session.send_raw({"cmd": "status", "token": session.token})
    joined = await session.run("summary+pools")

    assert set(raw) == {"enc"}  # encrypted, with the key of the password
    reply = wire.open_reply(session.key, raw)
    assert (reply["STATUS"], reply["Code"], reply["Msg"]) == ("E", 14, "invalid cmd")
    assert (joined["Code"], joined["Msg"]) == (14, "invalid cmd")
    assert refusing.commands == ["get_token"]  # neither read ran


async def test_plaintext_reads_and_encrypted_writes_still_work(refusing: SimulatedMiner) -> None:
    status = await wire.ask(refusing.host, {"cmd": "status"})
    write = await wire.V2Session(refusing.host, "admin").run("set_led", param="auto")

    assert status["Msg"]["mineroff"] == "false"
    assert (write["STATUS"], write["Msg"]) == ("S", "API command OK")
    assert refusing.state.led == "auto"


async def test_a_wrong_password_is_still_a_plaintext_enc_json_load_err(
    refusing: SimulatedMiner,
) -> None:
    session = wire.V2Session(refusing.host, "wrong")

    reply = await session.run("status")

    assert (reply["STATUS"], reply["Code"], reply["Msg"]) == ("E", 23, "enc json load err")


def test_the_quirk_is_known_and_no_profile_has_it() -> None:
    assert QUIRK_NO_ENCRYPTED_READS in KNOWN_QUIRKS
    assert all(QUIRK_NO_ENCRYPTED_READS not in profile.quirks for profile in PROFILES.values())
