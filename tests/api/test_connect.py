"""API detection (`connect`, `new_client`) against simulated miners over loopback TCP.

`connect` always uses the standard ports, 4433 (v3) and 4028 (v2); every simulated miner
gets its own 127.0.0.x address, so each test shapes what answers there: an m50 has no
4433 listener (an API v2 miner), an m60_v3 serves both, `v3_port` moves the v3 listener off
4433 (v3 switched off or gone), `faults` garble or refuse both ports, and a tiny raw server
puts a frame that is no miner's answer on 4433.

The `made` fixture spies on the two client classes (every instance created, every
`close`; both run unchanged) to check that `connect` closes the clients it opened and
does not return, and never closes the caller's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.whatsminer.api import (
    ApiGeneration,
    Identity,
    V2Client,
    V3Client,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidReplyError,
    connect,
)
from custom_components.whatsminer.api.connect import new_client
from custom_components.whatsminer.api.v3.transport import HEADER
from tests.simulator import PROFILES

from .conftest import run_inline

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from custom_components.whatsminer.api import WhatsminerClient
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

V3_PASSWORD = "super"
OLD_FIRMWARE = "20240101.1.Rel"
NOT_A_MINER_REPLY = {"code": 0, "msg": {"network": {}, "miner": {}, "system": {}}}


@dataclasses.dataclass
class Made:
    """The protocol clients created and closed while a test runs (in order)."""

    created: list[WhatsminerClient] = dataclasses.field(default_factory=list)
    closed: list[WhatsminerClient] = dataclasses.field(default_factory=list)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Made:
    """Record every V2Client and V3Client created and closed; both behave as before."""
    record = Made()
    for kind in (V2Client, V3Client):
        init: Callable[..., None] = kind.__init__
        close: Callable[[Any], Any] = kind.close

        @functools.wraps(init)
        def recording_init(
            self: WhatsminerClient, *args: Any, _init: Callable[..., None] = init, **kwargs: Any
        ) -> None:
            record.created.append(self)
            _init(self, *args, **kwargs)

        @functools.wraps(close)
        async def recording_close(
            self: WhatsminerClient, _close: Callable[[Any], Any] = close
        ) -> None:
            record.closed.append(self)
            await _close(self)

        monkeypatch.setattr(kind, "__init__", recording_init)
        monkeypatch.setattr(kind, "close", recording_close)
    return record


async def detect(
    made: Made, host: str, password: str, **options: Any
) -> tuple[WhatsminerClient, Identity, list[WhatsminerClient]]:
    """Run `connect`; check it closed exactly the clients it made and did not return.

    Returns the client, the identity, and the clients `connect` created.
    """
    created_before, closed_before = len(made.created), len(made.closed)
    client, identity = await connect(host, password, **options)
    created = made.created[created_before:]
    assert made.closed[closed_before:] == [other for other in created if other is not client]
    return client, identity, created


async def detect_failure(made: Made, host: str, password: str, **options: Any) -> WhatsminerError:
    """Run `connect` expecting an error; check every client it made was closed."""
    created_before, closed_before = len(made.created), len(made.closed)
    with pytest.raises(WhatsminerError) as caught:
        await connect(host, password, **options)
    assert made.closed[closed_before:] == made.created[created_before:]
    return caught.value


def known_identity(
    miner: SimulatedMiner, generation: ApiGeneration, *, firmware: str | None = None
) -> Identity:
    """Return an identity stored for ``miner`` when it last spoke ``generation``."""
    profile = miner.profile
    return Identity(
        mac=miner.mac,
        hostname="WhatsMiner",
        model=profile.model,
        firmware=profile.firmware if firmware is None else firmware,
        api_version=profile.v3_api_version if generation is ApiGeneration.V3 else "2.0.5",
        api_generation=generation,
        serial=None,
    )


def v2_client(miner: SimulatedMiner) -> V2Client:
    return V2Client(miner.host, miner.password, run_blocking=run_inline)


def v3_client(miner: SimulatedMiner) -> V3Client:
    return V3Client(miner.host, miner.password)


@contextlib.asynccontextmanager
async def closing(*clients: WhatsminerClient) -> AsyncIterator[None]:
    """Close the clients a test ends with (the caller's duty, not `connect`'s)."""
    try:
        yield
    finally:
        for client in clients:
            await client.close()


class FrameServer:
    """A listener on 4433 answering every request with one fixed frame.

    The connection stays open until the client closes it, so a close is seen here.
    """

    def __init__(self, body: bytes) -> None:
        """Answer with a frame holding ``body``."""
        self.body = body
        self.connections = 0
        self.closed_by_client = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int = 4433) -> None:
        """Listen on ``host``:``port``."""
        self._server = await asyncio.start_server(self._handle, host, port)

    async def stop(self) -> None:
        """Stop listening and drop the connections still open."""
        assert self._server is not None
        self._server.close()
        self._server.abort_clients()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await reader.read(65536):
                writer.write(HEADER.pack(len(self.body)) + self.body)
                await writer.drain()
            self.closed_by_client.set()
        except ConnectionError:
            pass
        finally:
            writer.close()


@pytest.fixture
async def frame_server() -> AsyncIterator[Callable[[str, bytes], Any]]:
    """Start `FrameServer`s on 4433 of given hosts; stop them when the test ends."""
    started: list[FrameServer] = []

    async def start(host: str, body: bytes) -> FrameServer:
        server = FrameServer(body)
        await server.start(host)
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


# An unknown miner: v3 first, then v2 ------------------------------------------------------


async def test_unknown_v2_miner_gets_a_v2_client(miner_factory: MinerFactory, made: Made) -> None:
    miner = await miner_factory(profile="m50")

    client, identity, created = await detect(made, miner.host, miner.password)

    async with closing(client):
        assert isinstance(client, V2Client)
        assert [type(other) for other in created] == [V3Client, V2Client]  # v3 asked first
        assert (identity.mac, identity.api_generation) == (miner.mac, ApiGeneration.V2)
        assert identity.firmware == PROFILES["m50"].firmware
        assert (identity.counts_shares, identity.upfreq_speed_max) == (True, 9)
        assert (await client.fetch()).hashrate is not None


async def test_unknown_v3_miner_gets_a_v3_client(miner_factory: MinerFactory, made: Made) -> None:
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)

    client, identity, created = await detect(made, miner.host, V3_PASSWORD)

    async with closing(client):
        assert isinstance(client, V3Client)
        assert created == [client]
        assert (identity.mac, identity.api_generation) == (miner.mac, ApiGeneration.V3)
        assert identity.api_version == PROFILES["m60_v3"].v3_api_version
        assert (identity.counts_shares, identity.upfreq_speed_max) == (False, 10)
        assert miner.v2_connections_accepted == 0  # v2 is not asked once v3 answered
        assert (await client.fetch()).hashrate is not None
        assert client.connections_opened == 1  # the detection's connection is kept


async def test_v2_client_made_for_an_unknown_miner_uses_the_runner(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m50")
    runs: list[str] = []

    async def counting_runner[T](func: Callable[[], T]) -> T:
        runs.append("run")
        return func()

    client, _, _ = await detect(made, miner.host, miner.password, run_blocking=counting_runner)
    await client.verify_password()

    assert runs  # md5-crypt ran through the caller's runner, not a worker thread


async def test_unknown_miners_caller_client_is_reused_when_it_fits(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m50")
    current = v2_client(miner)

    client, identity, created = await detect(made, miner.host, miner.password, current=current)

    assert client is current
    assert [type(other) for other in created] == [V3Client]  # only the v3 probe was made
    assert identity.api_generation is ApiGeneration.V2


# A known miner: its stored generation first, the other one on a connection error ----------


@pytest.mark.parametrize("generation", [ApiGeneration.V2, ApiGeneration.V3])
async def test_known_miner_reuses_the_callers_client(
    miner_factory: MinerFactory, made: Made, generation: ApiGeneration
) -> None:
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)
    current: WhatsminerClient = (
        v3_client(miner) if generation is ApiGeneration.V3 else v2_client(miner)
    )
    await current.fetch()
    opened = current.connections_opened

    async with closing(current):
        client, identity, created = await detect(
            made,
            miner.host,
            V3_PASSWORD,
            known=known_identity(miner, generation),
            current=current,
        )

        assert client is current
        assert created == []
        assert current not in made.closed
        assert identity.api_generation is generation
        assert identity.mac == miner.mac
        if generation is ApiGeneration.V3:
            assert current.connections_opened == opened  # its open connection served it
            assert miner.v2_connections_accepted == 0
        else:
            assert miner.v3_connections_accepted == 0  # same firmware: no v3 probe


async def test_known_miner_without_a_client_gets_one_of_its_generation(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)

    client, identity, created = await detect(
        made, miner.host, V3_PASSWORD, known=known_identity(miner, ApiGeneration.V2)
    )

    assert isinstance(client, V2Client)
    assert created == [client]
    assert identity.api_generation is ApiGeneration.V2
    assert miner.v3_connections_accepted == 0


async def test_known_miners_client_of_the_other_generation_is_not_used_first(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)
    current = v2_client(miner)

    client, identity, created = await detect(
        made,
        miner.host,
        V3_PASSWORD,
        known=known_identity(miner, ApiGeneration.V3),
        current=current,
    )

    async with closing(client, current):
        assert isinstance(client, V3Client)
        assert created == [client]
        assert current not in made.closed  # the caller closes it
        assert identity.api_generation is ApiGeneration.V3
        assert miner.v2_connections_accepted == 0


@pytest.mark.parametrize(
    "firmware",
    [PROFILES["m60_v3"].firmware, OLD_FIRMWARE],
    ids=["same-firmware", "firmware-changed"],
)
@pytest.mark.parametrize("with_current", [False, True], ids=["new-client", "current"])
async def test_known_v3_miner_whose_4433_stopped_answering_falls_back_to_v2(
    miner_factory: MinerFactory, made: Made, firmware: str, with_current: bool
) -> None:
    """v3 switched off or gone (nothing on 4433) while 4028 answers: back to v2."""
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD, v3_port=4434)
    current = v3_client(miner) if with_current else None
    known = known_identity(miner, ApiGeneration.V3, firmware=firmware)

    client, identity, created = await detect(
        made, miner.host, V3_PASSWORD, known=known, current=current
    )

    assert isinstance(client, V2Client)
    assert identity.api_generation is ApiGeneration.V2
    assert identity.mac == miner.mac
    assert current is None or current not in made.closed
    # v3 was just tried, so a changed firmware does not probe it a second time.
    expected: list[type] = [V2Client] if with_current else [V3Client, V2Client]
    assert [type(other) for other in created] == expected
    assert (await client.fetch()).hashrate is not None


async def test_known_v2_miner_whose_firmware_moved_to_v3_gets_a_v3_client(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)
    known = known_identity(miner, ApiGeneration.V2, firmware=OLD_FIRMWARE)

    client, identity, created = await detect(made, miner.host, V3_PASSWORD, known=known)

    async with closing(client):
        assert isinstance(client, V3Client)
        assert [type(other) for other in created] == [V2Client, V3Client]
        assert made.closed == [created[0]]  # the v2 client it opened
        assert (identity.api_generation, identity.mac) == (ApiGeneration.V3, miner.mac)
        assert identity.firmware == PROFILES["m60_v3"].firmware
        assert miner.v2_connections_accepted > 0  # v2 answered first, with a new firmware


async def test_upgraded_miners_v2_client_is_left_to_the_caller(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)
    current = v2_client(miner)
    known = known_identity(miner, ApiGeneration.V2, firmware=OLD_FIRMWARE)

    client, identity, created = await detect(
        made, miner.host, V3_PASSWORD, known=known, current=current
    )

    async with closing(client, current):
        assert isinstance(client, V3Client)
        assert created == [client]
        assert made.closed == []  # the caller closes its own client
        assert identity.api_generation is ApiGeneration.V3


@pytest.mark.parametrize("with_current", [False, True], ids=["new-client", "current"])
async def test_known_v2_miner_with_new_firmware_but_no_v3_stays_on_v2(
    miner_factory: MinerFactory, made: Made, with_current: bool
) -> None:
    miner = await miner_factory(profile="m50")
    current = v2_client(miner) if with_current else None
    known = known_identity(miner, ApiGeneration.V2, firmware=OLD_FIRMWARE)

    client, identity, created = await detect(
        made, miner.host, miner.password, known=known, current=current
    )

    assert isinstance(client, V2Client)
    assert current is None or client is current
    assert client not in made.closed
    expected = [V3Client] if with_current else [V2Client, V3Client]  # then the v3 probe
    assert [type(other) for other in created] == expected
    assert identity.firmware == PROFILES["m50"].firmware  # the caller stores the new one


async def test_v3_probe_after_a_firmware_change_that_gets_no_miner_answer_is_closed(
    miner_factory: MinerFactory, made: Made, frame_server: Callable[[str, bytes], Any]
) -> None:
    """Something on 4433 that is not a v3 miner: the probe's open connection is closed."""
    miner = await miner_factory(profile="m50")
    server = await frame_server(miner.host, json.dumps(NOT_A_MINER_REPLY).encode())
    known = known_identity(miner, ApiGeneration.V2, firmware=OLD_FIRMWARE)

    client, identity, created = await detect(made, miner.host, miner.password, known=known)

    assert isinstance(client, V2Client)
    assert identity.api_generation is ApiGeneration.V2
    assert [type(other) for other in created] == [V2Client, V3Client]
    async with asyncio.timeout(2):
        await server.closed_by_client.wait()  # the probe's connection was really closed
    assert server.connections == 1


# Failures ---------------------------------------------------------------------------------


async def test_nothing_answering_an_unknown_miner_reports_the_v3_port(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m60_v3")
    miner.faults.refuse = True

    error = await detect_failure(made, miner.host, "admin")

    assert type(error) is WhatsminerConnectionError
    assert f"{miner.host}:4433" in str(error)
    assert [type(other) for other in made.created] == [V3Client, V2Client]


@pytest.mark.parametrize(
    ("generation", "port"), [(ApiGeneration.V2, 4028), (ApiGeneration.V3, 4433)]
)
async def test_known_miner_that_is_off_reports_its_expected_port(
    miner_factory: MinerFactory, made: Made, generation: ApiGeneration, port: int
) -> None:
    miner = await miner_factory(profile="m60_v3")
    current = v2_client(miner) if generation is ApiGeneration.V2 else v3_client(miner)
    miner.faults.refuse = True

    error = await detect_failure(
        made, miner.host, "admin", known=known_identity(miner, generation), current=current
    )

    assert isinstance(error, WhatsminerConnectionError)
    assert f"{miner.host}:{port}" in str(error)
    assert current not in made.closed


async def test_unknown_miner_prefers_an_answer_that_is_no_miners_to_a_refusal(
    miner_factory: MinerFactory, made: Made
) -> None:
    """4433 refuses, 4028 answers garbage: the garbage says more than the refusal."""
    miner = await miner_factory(profile="m50")
    miner.faults.garbage = True

    error = await detect_failure(made, miner.host, miner.password)

    assert type(error) is WhatsminerInvalidReplyError
    assert "reply is not JSON" in str(error)  # 4028's answer, not 4433's refusal
    assert [type(other) for other in made.created] == [V3Client, V2Client]


async def test_unknown_miner_with_a_stranger_on_4433_and_nothing_on_4028(
    miner_factory: MinerFactory, made: Made, frame_server: Callable[[str, bytes], Any]
) -> None:
    miner = await miner_factory(profile="m50")
    miner.faults.refuse = True  # the miner's own 4028 is closed
    server = await frame_server(miner.host, json.dumps(NOT_A_MINER_REPLY).encode())

    error = await detect_failure(made, miner.host, miner.password)

    assert isinstance(error, WhatsminerInvalidReplyError)
    assert "no MAC" in str(error)
    assert [type(other) for other in made.created] == [V3Client, V2Client]
    async with asyncio.timeout(2):
        await server.closed_by_client.wait()  # the v3 client's connection was closed


async def test_unknown_miner_answering_garbage_on_both_ports_reports_the_v3_answer(
    miner_factory: MinerFactory, made: Made
) -> None:
    miner = await miner_factory(profile="m60_v3")
    miner.faults.garbage = True

    error = await detect_failure(made, miner.host, miner.password)

    assert isinstance(error, WhatsminerInvalidReplyError)
    assert f"{miner.host}:4433 sent a frame that is not UTF-8" in str(error)  # the first
    assert miner.v3_connections_accepted == 1
    assert miner.v2_connections_accepted > 0  # v2 was asked too, and garbled as well
    assert [type(other) for other in made.created] == [V3Client, V2Client]


@pytest.mark.parametrize("generation", [ApiGeneration.V2, ApiGeneration.V3])
@pytest.mark.parametrize("with_current", [False, True], ids=["new-client", "current"])
async def test_known_miners_expected_port_answering_garbage_fails_at_once(
    miner_factory: MinerFactory, made: Made, generation: ApiGeneration, with_current: bool
) -> None:
    """No fallback: the port answered, but not as a miner should."""
    miner = await miner_factory(profile="m60_v3", password=V3_PASSWORD)
    current: WhatsminerClient | None = None
    if with_current:
        current = v2_client(miner) if generation is ApiGeneration.V2 else v3_client(miner)
    miner.faults.garbage = True

    error = await detect_failure(
        made, miner.host, V3_PASSWORD, known=known_identity(miner, generation), current=current
    )

    assert isinstance(error, WhatsminerInvalidReplyError)
    if generation is ApiGeneration.V2:
        assert miner.v3_connections_accepted == 0
    else:
        assert miner.v2_connections_accepted == 0
    if current is None:
        assert [type(other) for other in made.created] == [
            V2Client if generation is ApiGeneration.V2 else V3Client
        ]
    else:
        assert made.created == [current]  # connect made no client of its own
        assert current not in made.closed


async def test_known_v2_miner_with_a_garbled_4028_and_a_v3_on_4433_fails(
    miner_factory: MinerFactory, made: Made, frame_server: Callable[[str, bytes], Any]
) -> None:
    """The expected port's answer decides; another port that might answer is not asked."""
    miner = await miner_factory(profile="m50")
    miner.faults.garbage = True
    server = await frame_server(miner.host, json.dumps(NOT_A_MINER_REPLY).encode())

    error = await detect_failure(
        made, miner.host, miner.password, known=known_identity(miner, ApiGeneration.V2)
    )

    assert isinstance(error, WhatsminerInvalidReplyError)
    assert server.connections == 0


# new_client and the logs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("generation", "kind"), [(ApiGeneration.V2, V2Client), (ApiGeneration.V3, V3Client)]
)
async def test_new_client_makes_a_client_of_the_generation_and_sends_nothing(
    miner_factory: MinerFactory, generation: ApiGeneration, kind: type
) -> None:
    miner = await miner_factory(profile="m60_v3")

    client = new_client(generation, miner.host, "admin", run_blocking=run_inline)

    assert isinstance(client, kind)
    assert client.host == miner.host
    assert client.connections_opened == 0
    assert miner.connections_accepted == 0
    await client.close()


async def test_detection_logs_each_generation_that_did_not_answer(
    miner_factory: MinerFactory, made: Made, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.whatsminer.api.connect")
    miner = await miner_factory(profile="m50", password="Sekr1t_x")

    await detect(
        made,
        miner.host,
        "Sekr1t_x",
        known=known_identity(miner, ApiGeneration.V2, firmware=OLD_FIRMWARE),
    )
    await detect(made, miner.host, "Sekr1t_x")

    assert "still no API v3 after a firmware change" in caplog.text
    assert "no API 3 answer" in caplog.text
    assert "Sekr1t_x" not in caplog.text
