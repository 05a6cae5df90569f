"""V3Client against scripted replies: every odd answer a firmware may give, without sockets."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import pytest

from custom_components.whatsminer.api import (
    CommandOutcome,
    Reboot,
    SetFastBoot,
    SetPowerPercent,
    SetUpfreqSpeed,
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerConnectionError,
    WhatsminerInvalidReplyError,
)
from custom_components.whatsminer.api.v3.client import V3Client

from .fake_miner import FIXTURES

if TYPE_CHECKING:
    from custom_components.whatsminer.api import MinerData
    from custom_components.whatsminer.api.v3.transport import V3Transport

type Json = dict[str, Any]
type Answer = Json | bytes | Exception


def captured(name: str) -> Json:
    """Load one captured v3 reply."""
    loaded: Json = json.loads((FIXTURES / name).read_text())
    return loaded


def reply(msg: object, code: object = 0) -> Json:
    return {"code": code, "when": 1773869570, "msg": msg, "desc": ""}


def default_answers() -> dict[str, Answer]:
    status: Json = {}
    for part in ("summary", "pools", "edevs"):
        status |= captured(f"asicrs_v3_get_miner_status_{part}.json")["msg"]
    return {
        "get.miner.status": reply(status),
        "get.device.info": captured("asicrs_v3_get_device_info.json"),
        "get.device.info salt": reply({"salt": "uhCiDyVj"}),
        "get.miner.setting": captured("matroskin-apidoc_get.miner.setting.json"),
        "get.fan.setting": captured("matroskin-apidoc_get.fan.setting.json"),
    }


class ScriptedTransport:
    """Answers requests by command (``"<cmd> <param>"`` for param reads) from the captures.

    ``script`` queues answers per command ahead of the defaults: a reply object, raw bytes,
    or an exception to raise. Writes answer ``"ok"`` unless scripted.
    """

    def __init__(self) -> None:
        """Start with the captured answers and an empty script."""
        self.answers = default_answers()
        self.script: dict[str, list[Answer]] = {}
        self.sent: list[Json] = []
        self.closed = False
        self.connections_opened = 0

    async def exchange(self, request: bytes, *, idempotent: bool = True) -> bytes:
        """Answer one request."""
        del idempotent
        body: Json = json.loads(request)
        self.sent.append(body)
        key = body["cmd"]
        if key == "get.device.info" and "param" in body:
            key = f"{key} {body['param']}"
        queue = self.script.get(key)
        answer = queue.pop(0) if queue else self.answers.get(key, reply("ok"))
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, bytes) else json.dumps(answer).encode()

    async def close(self) -> None:
        """Remember being closed."""
        self.closed = True

    def commands(self) -> list[str]:
        """Return the commands sent, in order."""
        return [request["cmd"] for request in self.sent]


@pytest.fixture
def scripted() -> ScriptedTransport:
    return ScriptedTransport()


def client_on(transport: ScriptedTransport) -> V3Client:
    return V3Client("10.0.0.9", "super", transport=cast("V3Transport", transport))


@pytest.fixture
def client(scripted: ScriptedTransport) -> V3Client:
    return client_on(scripted)


# Replies that are not what a read promises ----------------------------------------------


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (b'{"code":0,"msg":{"salt":"hunter2"', "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b"[0]", "not a JSON object"),
        (reply({}, code="0"), "has no code"),
        (reply({}, code=True), "has no code"),
        ({"msg": {}}, "has no code"),
        (reply("ok"), "has no msg object"),
        (reply(None), "has no msg object"),
    ],
    ids=["cut", "deep", "array", "text-code", "bool-code", "no-code", "text-msg", "null-msg"],
)
async def test_unreadable_replies_are_invalid_without_their_content(
    client: V3Client, scripted: ScriptedTransport, answer: Answer, text: str
) -> None:
    scripted.script["get.device.info"] = [answer]

    with pytest.raises(WhatsminerInvalidReplyError, match=text) as caught:
        await client.identity()

    assert "10.0.0.9" in str(caught.value)
    assert "hunter2" not in str(caught.value)


async def test_a_refused_read_is_rejected_with_its_code_but_not_its_msg(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    scripted.script["get.miner.status"] = [reply("invalid param: hunter2", code=-2)]

    with pytest.raises(WhatsminerCommandRejectedError, match=r"get\.miner\.status") as caught:
        await client.fetch()

    assert caught.value.code == -2
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("code", [0, -1])
async def test_btminer_down_is_recognised_whatever_the_code(
    client: V3Client, scripted: ScriptedTransport, code: int
) -> None:
    scripted.script["get.miner.status"] = [reply("btminer process is down err", code=code)]

    data = await client.fetch()

    assert (data.mining, data.hashrate, data.boards) == (False, 0.0, ())


async def test_another_text_in_place_of_the_status_is_invalid(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    scripted.script["get.miner.status"] = [reply("something else")]

    with pytest.raises(WhatsminerInvalidReplyError, match="no msg object"):
        await client.fetch()


# Settings -----------------------------------------------------------------------------------


async def test_settings_that_cannot_be_read_keep_the_last_ones(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    first = await client.fetch()
    await client.run(SetFastBoot(enabled=True))  # makes the next poll read the settings again
    scripted.script["get.miner.setting"] = [reply("invalid command", code=-2)]
    scripted.script["get.fan.setting"] = [b"\x00garbled"]

    second = await client.fetch()

    assert scripted.commands().count("get.miner.setting") == 2
    assert (second.power_mode, second.power_percent) == (first.power_mode, first.power_percent)
    assert (second.temp_offset, second.poweroff_cool) == (-10, True)


async def test_settings_that_were_never_readable_are_none(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    scripted.script["get.miner.setting"] = [reply("invalid command", code=-2)]
    scripted.script["get.fan.setting"] = [reply("invalid command", code=-2)]

    data = await client.fetch()

    assert (data.power_mode, data.power_percent, data.temp_offset) == (None, None, None)
    assert data.power_limit == 3600  # from the summary


async def test_a_connection_error_while_reading_settings_fails_the_poll(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    scripted.script["get.fan.setting"] = [WhatsminerConnectionError("gone")]

    with pytest.raises(WhatsminerConnectionError):
        await client.fetch()


# Salt and permission ------------------------------------------------------------------------


async def test_a_device_info_without_a_salt_leaves_the_salt_to_be_asked_for(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    del scripted.answers["get.device.info"]["msg"]["salt"]
    await client.identity()

    assert await client.run(SetFastBoot(enabled=False)) is CommandOutcome.CONFIRMED
    assert scripted.sent[1] == {"cmd": "get.device.info", "param": "salt"}


@pytest.mark.parametrize("salt", [None, "", "has space", "x" * 65, 12345678])
async def test_a_salt_reply_without_a_salt_is_invalid(
    client: V3Client, scripted: ScriptedTransport, salt: object
) -> None:
    scripted.answers["get.device.info salt"] = reply({"salt": salt})

    with pytest.raises(WhatsminerInvalidReplyError, match="has no salt"):
        await client.run(SetFastBoot(enabled=True))


async def test_no_permission_without_a_known_api_switch_is_an_auth_error(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    del scripted.answers["get.device.info"]["msg"]["system"]["apiswitch"]
    scripted.script["set.miner.fastboot"] = [reply("no permission", code=-4)] * 2

    with pytest.raises(WhatsminerAuthError):
        await client.run(SetFastBoot(enabled=True))


async def test_a_write_the_miner_refuses_is_rejected_with_its_code(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    scripted.script["set.miner.upfreq_speed"] = [reply("invalid param: x", code=-2)]

    with pytest.raises(WhatsminerCommandRejectedError, match=r"set\.miner\.upfreq_speed") as caught:
        await client.run(SetUpfreqSpeed(5))

    assert caught.value.code == -2


async def test_a_write_reply_without_a_code_is_invalid(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    scripted.script["set.miner.fastboot"] = [{"msg": "ok"}]

    with pytest.raises(WhatsminerInvalidReplyError, match="has no code"):
        await client.run(SetFastBoot(enabled=True))


@pytest.mark.parametrize(
    ("cmd", "write", "request_sent"),
    [
        ("set.system.reboot", lambda client: client.run(Reboot()), False),
        ("set.miner.fastboot", lambda client: client.run(SetFastBoot(enabled=True)), True),
    ],
    ids=["restarting-write-not-sent", "plain-write-sent"],
)
async def test_a_lost_reply_is_only_sent_when_it_may_be(
    client: V3Client, scripted: ScriptedTransport, cmd: str, write: Any, request_sent: bool
) -> None:
    scripted.script[cmd] = [WhatsminerConnectionError("gone", request_sent=request_sent)]

    with pytest.raises(WhatsminerConnectionError):
        await write(client)


# verify_password ----------------------------------------------------------------------------


async def test_verify_password_falls_back_to_the_miner_settings(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    del scripted.answers["get.device.info"]["msg"]["miner"]["fast-boot"]

    await client.verify_password()

    assert scripted.commands() == ["get.device.info", "get.miner.setting", "set.miner.fastboot"]
    assert scripted.sent[-1]["param"] == "disable"


async def test_verify_password_needs_a_fast_boot_state_to_write_back(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    del scripted.answers["get.device.info"]["msg"]["miner"]["fast-boot"]
    scripted.answers["get.miner.setting"] = reply({"fast-boot": "sometimes"})

    with pytest.raises(WhatsminerInvalidReplyError, match="no fast boot state"):
        await client.verify_password()

    assert "set.miner.fastboot" not in scripted.commands()


async def test_an_injected_transport_is_not_closed(
    client: V3Client, scripted: ScriptedTransport
) -> None:
    await client.close()

    assert not scripted.closed
    assert client.connections_opened == 0


# A stray frame on the kept connection (a late reply to another command) ----------------

STRAY: Json = {"code": 0, "when": 1773869570, "msg": "ok", "desc": "set.miner.fastboot"}


class ShiftedTransport(ScriptedTransport):
    """A kept connection with stray frames queued: each reply then answers an earlier request.

    Dropping the connection (``close``) loses what was queued, as a new TCP connection would.
    """

    def __init__(self) -> None:
        """Start with nothing queued."""
        super().__init__()
        self.queued: list[bytes] = []

    def inject(self, answer: Json) -> None:
        """Queue a frame that no request of ours asked for."""
        self.queued.append(json.dumps(answer).encode())

    async def exchange(self, request: bytes, *, idempotent: bool = True) -> bytes:
        """Answer with the oldest queued frame; queue this request's own answer behind it."""
        answer = await super().exchange(request, idempotent=idempotent)
        if not self.queued:
            return answer
        self.queued.append(answer)
        return self.queued.pop(0)

    async def close(self) -> None:
        """Drop the connection and what was queued on it."""
        self.queued.clear()
        await super().close()


@pytest.fixture
def shifted() -> ShiftedTransport:
    return ShiftedTransport()


async def clean_poll() -> MinerData:
    return await client_on(ScriptedTransport()).fetch()


async def test_a_stray_frame_before_a_read_drops_the_connection(shifted: ShiftedTransport) -> None:
    client = client_on(shifted)
    await client.fetch()
    shifted.inject(STRAY)

    with pytest.raises(WhatsminerInvalidReplyError, match="another command") as caught:
        await client.fetch()

    assert shifted.closed
    assert "fastboot" not in str(caught.value)  # the miner's text stays out of the error
    assert await client.fetch() == await clean_poll()


async def test_a_stray_frame_before_a_refused_write_is_not_its_answer(
    shifted: ShiftedTransport,
) -> None:
    refused: Json = {"code": -2, "msg": "invalid param", "desc": "set.miner.power_percent"}
    shifted.script["set.miner.power_percent"] = [refused, refused]
    client = client_on(shifted)
    await client.identity()  # the salt is cached: the write is the next frame sent
    shifted.inject(STRAY)

    with pytest.raises(
        WhatsminerInvalidReplyError, match=r"instead of the set\.miner\.power_percent"
    ):
        await client.run(SetPowerPercent(50))
    with pytest.raises(WhatsminerCommandRejectedError, match=r"code \-2"):
        await client.run(SetPowerPercent(50))

    assert shifted.closed
    assert await client.fetch() == await clean_poll()
