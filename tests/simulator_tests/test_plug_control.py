"""The plug control endpoint (control.py) over loopback, as scripts/develop's smart plug uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any
import urllib.error
import urllib.request

import aiohttp
import pytest

from tests.simulator.control import PlugControl

from . import wire
from .hosts import CLI_HOSTS
from .test_farm_and_cli import REPO, blocking_v2_request, read_lines

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

    from .clocks import FakeClock

VERSION = {"cmd": "get_version"}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Yield an HTTP client, as Home Assistant's rest_command uses."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, status: int = 200
) -> dict[str, Any]:
    async with session.request(method, url) as response:
        assert response.status == status
        return await response.json() if status == 200 else {}


async def _refused(host: str) -> bool:
    try:
        await wire.ask(host, VERSION)
    except ConnectionRefusedError:
        return True
    return False


async def test_unplug_cuts_the_miner_off_and_plug_brings_it_back(
    miner_factory: MinerFactory, clock: FakeClock, session: aiohttp.ClientSession
) -> None:
    miner = await miner_factory(clock=clock)
    async with PlugControl([miner], "127.0.0.1", 0) as control:
        url = f"{control.url}/miners/{miner.host}"
        assert await _call(session, "GET", url) == {
            "host": miner.host,
            "plugged": True,
            "listening": True,
        }

        unplugged = await _call(session, "POST", f"{url}/unplug")
        assert (unplugged["plugged"], unplugged["listening"]) == (False, False)
        served = miner.connections_accepted
        assert await _refused(miner.host)
        assert miner.connections_accepted == served
        # Switching off what is off changes nothing.
        assert await _call(session, "POST", f"{url}/unplug") == unplugged

        clock.advance(600)
        plugged = await _call(session, "POST", f"{url}/plug")
        assert (plugged["plugged"], plugged["listening"]) == (True, True)
        assert (await wire.ask(miner.host, VERSION))["Msg"]["fw_ver"]
        assert miner.state.boot_time == clock.now  # it booted: the uptime starts again
        # Switching on what is on does not reboot it.
        clock.advance(600)
        assert await _call(session, "POST", f"{url}/plug") == plugged
        assert miner.state.boot_time == clock.now - 600


async def test_a_plugged_miner_boots_with_its_ports_closed(
    miner_factory: MinerFactory, session: aiohttp.ClientSession
) -> None:
    miner = await miner_factory(profile="m60_v3", password=wire.V3_PASSWORD)
    async with PlugControl([miner], "127.0.0.1", 0, boot_seconds=3600) as control:
        url = f"{control.url}/miners/{miner.host}"
        await _call(session, "POST", f"{url}/unplug")
        booting = await _call(session, "POST", f"{url}/plug")
        assert (booting["plugged"], booting["listening"]) == (True, False)
        assert miner.restarting
        assert await _refused(miner.host)


async def test_unknown_miners_and_switches_are_refused(
    miner: SimulatedMiner, session: aiohttp.ClientSession
) -> None:
    async with PlugControl([miner], "127.0.0.1", 0) as control:
        await _call(session, "POST", f"{control.url}/miners/127.0.0.254/unplug", 404)
        await _call(session, "POST", f"{control.url}/miners/{miner.host}/reboot", 404)
        await _call(session, "GET", f"{control.url}/miners/{miner.host}/plug", 405)
        assert miner.listening


async def test_the_endpoint_lives_on_loopback_only(miner: SimulatedMiner) -> None:
    with pytest.raises(ValueError, match="loopback"):
        PlugControl([miner], "0.0.0.0", 0)
    async with PlugControl([miner], "127.0.0.1", 0) as control:
        taken = PlugControl([miner], "127.0.0.1", control.port)
        with pytest.raises(OSError):  # noqa: PT011 - EADDRINUSE
            await taken.start()
        await taken.stop()


def _post(url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - a loopback URL
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        reply: dict[str, Any] = json.loads(response.read())
    return reply


def test_cli_serves_the_plugs_on_the_first_miners_address() -> None:
    """`--control-port` as scripts/develop starts it: a line says where the plugs are."""
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "tests.simulator",
            *("--miners", "2", "--first-host", CLI_HOSTS[0]),
            *("--control-port", "0", "--boot-seconds", "0"),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )
    try:
        lines = read_lines(process, 4, timeout=30)
        assert lines[-1].startswith("2 simulated miner(s) running")
        words = lines[2].split()
        assert words[:2] == ["plugs:", "POST"]
        base = words[2].removesuffix("/miners/<host>/unplug")
        assert base.startswith(f"http://{CLI_HOSTS[0]}:")

        second = f"{base}/miners/{CLI_HOSTS[1]}"
        assert _post(f"{second}/unplug")["plugged"] is False
        with pytest.raises(ConnectionRefusedError):
            blocking_v2_request(CLI_HOSTS[1], b'{"cmd":"get_version"}')
        assert json.loads(blocking_v2_request(CLI_HOSTS[0], b'{"cmd":"get_version"}'))
        assert _post(f"{second}/plug") == {"host": CLI_HOSTS[1], "plugged": True, "listening": True}
        assert json.loads(blocking_v2_request(CLI_HOSTS[1], b'{"cmd":"get_version"}'))
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _post(f"{base}/miners/127.0.0.254/plug")
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert process.returncode == 0
