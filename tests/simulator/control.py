"""`PlugControl`: the smart plugs in front of simulated miners, switched over loopback HTTP.

`scripts/develop` shows the integration's power switch option with a simulated miner behind a
plug: a template switch in Home Assistant whose turn_on and turn_off call a `rest_command` that
reaches this endpoint, in the simulator's own process. Unplugged, a miner closes its ports and
drops every connection (`SimulatedMiner.unplug`); plugged in again it boots for
`boot_seconds` with its ports closed, then answers and mines from the start of its ramp, as
after a power cut (`SimulatedMiner.plug`).

    POST /miners/<host>/unplug   cut the power (nothing happens if it is already off)
    POST /miners/<host>/plug     power again, the miner boots (nothing if it is already on)
    GET  /miners/<host>          how it is: {"host", "plugged", "listening"}

Every answer is that JSON; a host that is not one of the miners gets 404. It binds a loopback
address only and authenticates nothing: a development aid, not part of the simulated miner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .identity import loopback_address
from .lifecycle import StartStop

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .miner import SimulatedMiner


class PlugControl(StartStop):
    """An HTTP endpoint on `host`:`port` that unplugs and plugs `miners`."""

    def __init__(
        self,
        miners: Iterable[SimulatedMiner],
        host: str,
        port: int,
        boot_seconds: float | None = None,
    ) -> None:
        """Describe the endpoint; `boot_seconds` (default: each miner's restart_seconds)."""
        loopback_address(host)
        self.host = host
        self.port = port
        self.boot_seconds = boot_seconds
        self._miners = {miner.host: miner for miner in miners}
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Where the endpoint answers (the port as bound, when 0 was asked for)."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen; raise OSError if the address is taken."""
        app = web.Application()
        app.router.add_get("/miners/{host}", self._show)
        app.router.add_post("/miners/{host}/{switch:plug|unplug}", self._switch)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _miner(self, request: web.Request) -> SimulatedMiner:
        miner = self._miners.get(request.match_info["host"])
        if miner is None:
            raise web.HTTPNotFound(text="no simulated miner on that address\n")
        return miner

    async def _show(self, request: web.Request) -> web.Response:
        return web.json_response(_describe(self._miner(request)))

    async def _switch(self, request: web.Request) -> web.Response:
        miner = self._miner(request)
        if request.match_info["switch"] == "unplug":
            if not miner.unplugged:
                miner.unplug()
        elif miner.unplugged:
            miner.plug(self.boot_seconds)
        return web.json_response(_describe(miner))


def _describe(miner: SimulatedMiner) -> dict[str, Any]:
    return {"host": miner.host, "plugged": not miner.unplugged, "listening": miner.listening}
