"""Property tests: mutated real replies, through the whole client, give a model or a typed error.

Every real reply in ``tests/fixtures`` and the simulator's replies for each firmware profile
answer the client's requests from memory (no sockets). One to three nodes of them are
mutated (:mod:`.mutations`), and sometimes a reply is swapped for another captured one. Then
``identity()`` and ``fetch()`` (or a privileged command) run on the client of that API
generation: only a :class:`WhatsminerError` or a model may come out, every string in the
model encodes as UTF-8, no number is negative where the quantity cannot be, and no error
text holds the password, a token sign or a key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from typing import TYPE_CHECKING, Any, Final, cast

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.whatsminer.api import (
    PoolConfig,
    Reboot,
    SetFastBoot,
    SetLedAuto,
    SetPools,
    StartMining,
    StopMining,
    V2Client,
    V3Client,
    WhatsminerError,
)
from tests.simulator import SimulatedMiner, v2 as simulated_v2, v3 as simulated_v3

from .conftest import run_inline
from .fake_miner import FIXTURES, INVALID_CMD, WRITE_OK, _body, default_replies, encrypt_reply
from .mutations import Mutator, check_model

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from custom_components.whatsminer.api.v3.transport import V3Transport

type Json = dict[str, Any]
type Reply = object  # a JSON document, or raw bytes

PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])
PASSWORD: Final = "Sekr1t_x"
SALT: Final = "BQ5hoXV9"
KEY: Final = _body(PASSWORD, SALT)
POOLS: Final = [PoolConfig(url="stratum+tcp://pool:3333", worker="w", password="pool-pass-42")]
V3_INVALID: Final[Json] = {"code": -2, "when": 1, "msg": "invalid cmd", "desc": ""}
V2_READS: Final = (
    "summary",
    "edevs",
    "devs",
    "pools",
    "status",
    "get_error_code",
    "get_psu",
    "get_version",
    "get_miner_info",
    "devdetails",
)
JOINED_READS: Final = ("summary+edevs", "summary+devs")
V3_READS: Final = ("get.miner.status", "get.device.info", "get.miner.setting", "get.fan.setting")


def _capture(path_name: str) -> Reply:
    """Load one capture: JSON where it is JSON, else its bytes (the malformed ones)."""
    raw = (FIXTURES / path_name).read_bytes()
    try:
        loaded: object = json.loads(raw)
    except ValueError:
        return raw
    return loaded


CAPTURES: Final = {path.name: _capture(path.name) for path in sorted(FIXTURES.iterdir())}
CAPTURES.pop("SOURCES.md")
V3_CAPTURES: Final = {
    name: reply for name, reply in CAPTURES.items() if isinstance(reply, dict) and "code" in reply
}
V2_CAPTURES: Final = {name: reply for name, reply in CAPTURES.items() if name not in V3_CAPTURES}


# The replies of whole miners -----------------------------------------------------------


def _v3_key(request: Json) -> str:
    """Name a v3 request: its command, and ``salt`` for the salt read."""
    return "get.device.info salt" if request.get("param") == "salt" else str(request["cmd"])


def _with_joins(replies: dict[str, Reply]) -> dict[str, Reply]:
    """Add the joined reads a v2 poll sends, made of the single replies as firmware joins them."""
    joins = {
        joined: {part: [replies[part]] for part in joined.split("+")} | {"id": 1}
        for joined in JOINED_READS
        if all(isinstance(replies.get(part), dict) for part in joined.split("+"))
    }
    return replies | joins


def _captured_v2(**names: str) -> dict[str, Reply]:
    """Return the replies of a v2 miner, one capture per command."""
    return _with_joins({command: CAPTURES[name] for command, name in names.items()})


def _simulated(profile: str) -> SimulatedMiner:
    """Return a simulated miner (never started: its replies are built in memory)."""
    miner = SimulatedMiner("127.0.0.2", password=PASSWORD, profile=profile, quirks=())
    miner.state.error_codes = [(329, "2024-01-17 11:28:11"), (110, "2024-01-17 11:29:00")]
    return miner


def _simulated_v2(profile: str) -> dict[str, Reply]:
    """Return what a simulated miner of ``profile`` answers to every read of a v2 poll."""
    miner = _simulated(profile)
    replies: dict[str, Reply] = {}
    for command in V2_READS + JOINED_READS:
        request = json.dumps({"cmd": command}).encode()
        replies[command] = json.loads(simulated_v2.handle(miner, request, "127.0.0.9").payload)
    return replies


def _simulated_v3(*, btminer_down: bool = False) -> dict[str, Reply]:
    """Return what the simulated v3 miner answers to the reads of a v3 poll."""
    miner = _simulated("m60_v3")
    miner.state.btminer_down = btminer_down
    requests = [{"cmd": cmd} for cmd in V3_READS[1:]]
    requests.append({"cmd": "get.miner.status", "param": "summary+pools+edevs"})
    requests.append({"cmd": "get.device.info", "param": "salt"})
    answers = {
        _v3_key(request): simulated_v3.handle(miner, json.dumps(request).encode())
        for request in requests
    }
    return {key: json.loads(answer.payload) for key, answer in answers.items()}


def _captured_v3(device_info: str) -> dict[str, Reply]:
    """Return the replies of a v3 miner from the captures."""
    status: Json = {}
    for part in ("summary", "pools", "edevs"):
        status |= cast("Json", CAPTURES[f"asicrs_v3_get_miner_status_{part}.json"])["msg"]
    return {
        "get.miner.status": {"code": 0, "when": 1, "msg": status, "desc": "get.miner.status"},
        "get.device.info": CAPTURES[device_info],
        "get.device.info salt": {"code": 0, "when": 1, "msg": {"salt": "uhCiDyVj"}, "desc": ""},
        "get.miner.setting": CAPTURES["matroskin-apidoc_get.miner.setting.json"],
        "get.fan.setting": CAPTURES["matroskin-apidoc_get.fan.setting.json"],
    }


V2_MINERS: Final = {
    "vendor-2.0.5": _with_joins(cast("dict[str, Reply]", default_replies())),
    "asicrs-2.0.x": _captured_v2(
        summary="asicrs_v2_summary.json",
        devs="asicrs_v2_devs.json",
        pools="asicrs_v2_pools.json",
        status="asicrs_v2_status.json",
        get_error_code="asicrs_v2_get_error_code.json",
        get_miner_info="asicrs_v2_get_miner_info.json",
        get_psu="asicrs_v2_get_psu.json",
        get_version="asicrs_v2_get_version.json",
    ),
    "asicrs-1.x": _captured_v2(
        summary="asicrs_v1_summary_with_errors.json",
        devs="asicrs_v1_devs.json",
        pools="asicrs_v1_pools.json",
        status="asicrs_v1_status.json",
        get_psu="asicrs_v1_get_psu.json",
        get_version="asicrs_v1_get_version.json",
    ),
    **{f"simulated-{profile}": _simulated_v2(profile) for profile in ("m30_old", "m50", "m60_v3")},
}
V3_MINERS: Final = {
    "asicrs": _captured_v3("asicrs_v3_get_device_info.json"),
    "asicrs-with-errors": _captured_v3("asicrs_v3_get_device_info_with_errors.json"),
    "matroskin": _captured_v3("matroskin_get.device.info.json"),
    "simulated-m60_v3": _simulated_v3(),
    "simulated-btminer-down": _simulated_v3(btminer_down=True),
}


def _swapped(
    replies: dict[str, Reply],
    captures: dict[str, Reply],
    commands: tuple[str, ...],
    data: st.DataObject,
) -> dict[str, Reply]:
    """Answer up to two commands with another capture: a reply of the wrong command."""
    swapped = dict(replies)
    for _ in range(data.draw(st.integers(0, 2), label="swaps")):
        command = data.draw(st.sampled_from(commands), label="swapped command")
        swapped[command] = captures[data.draw(st.sampled_from(sorted(captures)), label="capture")]
    return swapped


# Miners in memory ----------------------------------------------------------------------


def _wire(reply: Reply) -> bytes:
    """Return a reply's bytes: JSON escapes lone surrogates, NaN and huge numbers pass."""
    return reply if isinstance(reply, bytes) else json.dumps(reply).encode()


class V2Peer:
    """Answers plaintext reads by command, and privileged commands from ``replies``.

    ``get_token`` answers the token slot; an encrypted request gets the ``privileged``
    slot, encrypted with the key of :data:`PASSWORD` unless ``plaintext``. Every reply
    passes ``mutator`` on its way out. The peer notes the signs it received, to check
    that no error quotes one.
    """

    connections_opened = 0

    def __init__(
        self, replies: dict[str, Reply], mutator: Mutator, *, plaintext: bool = False
    ) -> None:
        """Answer from ``replies``; unknown commands get "invalid cmd"."""
        self.replies = replies
        self.mutator = mutator
        self.plaintext = plaintext
        self.signs: list[str] = []

    async def exchange(self, request: bytes) -> bytes:
        """Answer one request."""
        body: Json = json.loads(request)
        if body.get("enc") != 1:
            return _wire(self.mutator(self.replies.get(str(body["cmd"]), INVALID_CMD)))
        self._note_sign(body["data"])
        reply = self.mutator(self.replies["privileged"])
        if self.plaintext or isinstance(reply, bytes):
            return _wire(reply)
        return encrypt_reply(cast("Json", reply), _aes_key())

    def _note_sign(self, data: str) -> None:
        """Note the sign in a request; a client that derived another key sends none we know."""
        decryptor = Cipher(algorithms.AES(_aes_key()), modes.ECB()).decryptor()  # noqa: S305
        plain = decryptor.update(base64.b64decode(data)) + decryptor.finalize()
        with contextlib.suppress(ValueError):
            self.signs.append(json.loads(plain.rstrip(b"\0"))["token"])

    async def close(self) -> None:
        """Nothing to release."""


class V3Peer:
    """Answers v3 reads by command and every write from the ``write`` slot; notes tokens."""

    connections_opened = 0

    def __init__(self, replies: dict[str, Reply], mutator: Mutator) -> None:
        """Answer from ``replies``; unknown commands get -2. Replies pass ``mutator``."""
        self.replies = replies
        self.mutator = mutator
        self.tokens: list[str] = []

    async def exchange(self, request: bytes, *, idempotent: bool = True) -> bytes:
        """Answer one request."""
        del idempotent
        body: Json = json.loads(request)
        key = _v3_key(body)
        if "token" in body:
            self.tokens.append(body["token"])
            key = "write"
        return _wire(self.mutator(self.replies.get(key, V3_INVALID)))

    async def close(self) -> None:
        """Nothing to release."""


def _aes_key() -> bytes:
    """Return the AES key of :data:`PASSWORD` and :data:`SALT`."""
    return hashlib.sha256(KEY.encode()).digest()


async def _outcome[T](action: Callable[[], Awaitable[T]]) -> T | WhatsminerError:
    """Run ``action``; return its result, or the typed error it raised (nothing else may)."""
    try:
        return await action()
    except WhatsminerError as err:
        return err


def _check(outcome: object, secrets: list[str]) -> None:
    """Check a model, or the text of a typed error."""
    if isinstance(outcome, WhatsminerError):
        text = f"{outcome} {outcome!r}"
        text.encode("utf-8")
        for secret in secrets:
            assert secret not in text
    else:
        check_model(outcome)


# The properties ------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(V2_MINERS)), st.booleans(), st.data())
async def test_v2_polls_of_mutated_replies(
    miner: str, identity_first: bool, data: st.DataObject
) -> None:
    replies = _swapped(V2_MINERS[miner], V2_CAPTURES, V2_READS + JOINED_READS, data)
    peer = V2Peer(replies, Mutator(data))
    client = V2Client("10.0.0.9", PASSWORD, transport=peer, run_blocking=run_inline)
    calls = [client.identity, client.fetch] if identity_first else [client.fetch]
    for call in calls:
        _check(await _outcome(call), [PASSWORD])


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(V3_MINERS)), st.data())
async def test_v3_polls_of_mutated_replies(miner: str, data: st.DataObject) -> None:
    replies = _swapped(V3_MINERS[miner], V3_CAPTURES, V3_READS, data)
    peer = V3Peer(replies, Mutator(data))
    client = V3Client("10.0.0.9", PASSWORD, transport=cast("V3Transport", peer))
    for call in (client.identity, client.fetch):
        _check(await _outcome(call), [PASSWORD])


def _v2_token_reply() -> Json:
    msg = {"time": "1234", "salt": SALT, "newsalt": "abcd1234"}
    return {"STATUS": "S", "When": 1, "Code": 134, "Msg": msg, "Description": ""}


V2_PRIVILEGED_REPLIES: Final = {
    "get_token": _v2_token_reply(),
    "privileged": WRITE_OK,
}
V2_PRIVILEGED_ACTIONS: Final[dict[str, Callable[[V2Client], Awaitable[object]]]] = {
    "verify_password": lambda client: client.verify_password(),
    "power_on": lambda client: client.run(StartMining()),
    "power_off": lambda client: client.run(StopMining()),
    "set_led_auto": lambda client: client.run(SetLedAuto()),
    "update_pools": lambda client: client.run(SetPools(POOLS)),
}


@PROPERTY_SETTINGS
@given(
    st.sampled_from(sorted(V2_PRIVILEGED_ACTIONS)),
    st.sampled_from([WRITE_OK, default_replies()["status"], *V2_CAPTURES.values()]),
    st.booleans(),
    st.data(),
)
async def test_v2_privileged_commands_with_mutated_replies(
    action: str, answer: Reply, plaintext: bool, data: st.DataObject
) -> None:
    replies = V2_PRIVILEGED_REPLIES | {"privileged": answer}
    peer = V2Peer(replies, Mutator(data), plaintext=plaintext)
    client = V2Client("10.0.0.9", PASSWORD, transport=peer, run_blocking=run_inline)
    outcome = await _outcome(lambda: V2_PRIVILEGED_ACTIONS[action](client))
    _check(outcome, [PASSWORD, KEY, _aes_key().hex(), "pool-pass-42", *peer.signs])


V3_PRIVILEGED_REPLIES: Final = {
    **_captured_v3("asicrs_v3_get_device_info.json"),
    "write": {"code": 0, "when": 1, "msg": "ok", "desc": "set.miner.fastboot"},
}
V3_PRIVILEGED_ACTIONS: Final[dict[str, Callable[[V3Client], Awaitable[object]]]] = {
    "verify_password": lambda client: client.verify_password(),
    "set_fast_boot": lambda client: client.run(SetFastBoot(enabled=True)),
    "reboot": lambda client: client.run(Reboot()),
    "update_pools": lambda client: client.run(SetPools(POOLS)),
}


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(V3_PRIVILEGED_ACTIONS)), st.data())
async def test_v3_writes_with_mutated_replies(action: str, data: st.DataObject) -> None:
    peer = V3Peer(cast("dict[str, Reply]", V3_PRIVILEGED_REPLIES), Mutator(data))
    client = V3Client("10.0.0.9", PASSWORD, transport=cast("V3Transport", peer))
    outcome = await _outcome(lambda: V3_PRIVILEGED_ACTIONS[action](client))
    _check(outcome, [PASSWORD, "pool-pass-42", *peer.tokens])
