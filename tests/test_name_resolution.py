"""Home Assistant's HTTP client resolves host names in the lane's environment.

Importing a blueprint by URL, the Marketplace and every integration that fetches by name go
through the client session, whose resolver is aiodns on top of pycares. The two are separate
packages with separate pins in the lane locks; a pair that does not fit together (aiodns 3.2.0,
which Home Assistant 2025.4 pins, calls pycares 4's `getaddrinfo`, which pycares 5 changed)
breaks every name lookup with a TypeError while everything by address keeps working.

Home Assistant's resolver is aiohttp-asyncmdnsresolver's dual resolver, which hands every name
that is not `.local` to aiohttp's AsyncResolver, that is to aiodns. The test plugin replaces it
with an AsyncResolver made once per test session, on the session's event loop, which aiodns 4
(the newest lane) refuses to use from a test's own loop; so the test makes Home Assistant's own
resolver class on its loop, with a stand-in for zeroconf that a name outside `.local` never asks.

`localhost` resolves from the hosts file, so no network is needed; IPv4 only, because
pytest-socket lets tests connect to 127.0.0.1 but not to ::1.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING
from unittest.mock import MagicMock, patch

from aiohttp import web
from aiohttp_asyncmdnsresolver.api import AsyncDualMDNSResolver
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
import pytest_socket  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant


@pytest.fixture
async def local_server() -> AsyncIterator[int]:
    """Serve one fixed text on 127.0.0.1 and yield the port."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="resolved")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port: int = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield port
    finally:
        await runner.cleanup()


async def test_client_session_resolves_a_name(hass: HomeAssistant, local_server: int) -> None:
    """A GET by host name reaches the server: the resolver's packages work together."""
    resolver = AsyncDualMDNSResolver(async_zeroconf=MagicMock())
    # The newest lane's plugin closes a session's resolver at teardown through this name.
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    with patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=resolver):
        session = async_get_clientsession(hass, family=socket.AF_INET)

    async with session.get(f"http://localhost:{local_server}/") as response:
        assert response.status == 200
        assert await response.text() == "resolved"
