"""The password check on firmware that refuses encrypted reads.

v2 checks the password with an encrypted ``status``. Some firmware takes only writes in
the encrypted envelope and answers an encrypted read with an encrypted "invalid cmd".
That reply decrypts with the key derived from the password, which proves the password:
the check passes. Only the plaintext "enc json load err" means a wrong password; a
plaintext refusal proves nothing. v3 replies are never encrypted, so there a refusal
other than "no permission" proves nothing either way: only code 0 passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from custom_components.whatsminer.api import (
    CommandOutcome,
    SetLedAuto,
    V2Client,
    V3Client,
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerWriteDisabledError,
)
from tests.simulator.profiles import QUIRK_NO_ENCRYPTED_READS

from .conftest import simulated_client
from .fake_miner import INVALID_CMD, FakeMiner, encrypt_reply
from .test_v3_client_replies import ScriptedTransport, reply

if TYPE_CHECKING:
    from custom_components.whatsminer.api.v3.transport import V3Transport
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


@pytest.fixture
async def refusing(miner_factory: MinerFactory) -> SimulatedMiner:
    """Start a simulated API 2.0.5 miner that refuses reads sent encrypted."""
    return await miner_factory(profile="m50", password="S3cret", quirks={QUIRK_NO_ENCRYPTED_READS})


async def test_the_simulated_firmware_refuses_encrypted_reads(refusing: SimulatedMiner) -> None:
    client = simulated_client(refusing)

    with pytest.raises(WhatsminerCommandRejectedError) as caught:
        await client._privileged.send({"cmd": "status"})

    assert (caught.value.code, caught.value.encrypted) == (14, True)
    assert "status" not in refusing.commands  # the read did not run


async def test_right_password_passes_on_firmware_refusing_encrypted_reads(
    refusing: SimulatedMiner,
) -> None:
    client = simulated_client(refusing)

    await client.verify_password()
    assert await client.run(SetLedAuto()) is CommandOutcome.CONFIRMED  # writes still work


async def test_wrong_password_fails_on_firmware_refusing_encrypted_reads(
    refusing: SimulatedMiner,
) -> None:
    with pytest.raises(WhatsminerAuthError):
        await simulated_client(refusing, "wrong").verify_password()


async def test_write_api_off_is_reported_on_firmware_refusing_encrypted_reads(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(profile="m50", api_switch=False, quirks={QUIRK_NO_ENCRYPTED_READS})

    with pytest.raises(WhatsminerWriteDisabledError):
        await simulated_client(miner).verify_password()


async def test_a_plaintext_refusal_proves_nothing(miner: FakeMiner, client: V2Client) -> None:
    miner.script["status"] = [INVALID_CMD]

    with pytest.raises(WhatsminerCommandRejectedError) as caught:
        await client.verify_password()

    assert (caught.value.code, caught.value.encrypted) == (14, False)


async def test_an_encrypted_refusal_of_a_write_still_fails_it(
    miner: FakeMiner, client: V2Client
) -> None:
    refusal = dict(INVALID_CMD) | {"Code": 132, "Msg": "API command ERROR"}
    miner.script["set_led"] = [encrypt_reply(refusal, miner.aes_key)]

    with pytest.raises(WhatsminerCommandRejectedError, match="API command ERROR") as caught:
        await client.run(SetLedAuto())

    assert (caught.value.code, caught.value.encrypted) == (132, True)


@pytest.mark.parametrize("code", [-1, -2, -3])
async def test_v3_refusals_other_than_no_permission_prove_nothing(code: int) -> None:
    scripted = ScriptedTransport()
    scripted.script["set.miner.fastboot"] = [reply("refused", code=code)]
    client = V3Client("10.0.0.9", "super", transport=cast("V3Transport", scripted))

    with pytest.raises(WhatsminerCommandRejectedError) as caught:
        await client.verify_password()

    assert (caught.value.code, caught.value.encrypted) == (code, False)
