"""Make the Home Assistant that scripts/develop started usable at once.

Waits for it, creates the owner on the first run (or logs in on later runs) and adds the
simulated miners through the config flow, so the dashboard shows them without a click;
with --plug-host, the smart plug becomes that miner's power switch (develop_plug.py);
then a power budget over them (develop_budget.py), unless --no-budget or one exists.
The flow finds out by itself which API a miner speaks; a host named with --v3-host must
answer on its API v3 port too before it is added (else the flow could find only v2 there).
With --wait-only it just waits, leaving all of that to the person. Exits non-zero only when
Home Assistant never comes up; anything else is reported and left to do in the UI.

Usage: python scripts/lib/develop_onboard.py --url URL --hass-pid PID [--wait-only]
           --username dev --password dev --miner-password admin [--v3-host HOST ...]
           [--plug-host HOST] [--no-budget] HOST [HOST ...]
"""

import argparse
import asyncio
import os
import sys

import aiohttp

from scripts.lib.develop_budget import add_budget
from scripts.lib.develop_plug import add_plug
from tests.e2e.ha_api import HomeAssistantApiError, HomeAssistantClient

DOMAIN = "whatsminer"
MINER_PORT = 4028
V3_PORT = 4433
# A cold first start (database, frontend, translations) on a small machine.
HASS_TIMEOUT = 300.0
MINER_TIMEOUT = 30.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _wait_for_port(host: str, port: int) -> None:
    """Return once host:port accepts a connection (the simulator may still be starting)."""
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def _log_in(client: HomeAssistantClient, username: str, password: str) -> bool:
    """Create the owner on a fresh config, else log in; return whether we are logged in."""
    if await client.needs_owner():
        await client.create_owner("Developer", username, password)
        print(f"created the owner account {username!r}")
        return True
    try:
        await client.login(username, password)
    except HomeAssistantApiError:
        print(f"could not log in as {username!r}; add the miners in the UI yourself")
        return False
    return True


async def _answering(hosts: list[str], v3_hosts: set[str]) -> list[str]:
    """Return the hosts whose simulated miner answers within MINER_TIMEOUT, in order.

    A v3 miner answers on both ports; a host in `v3_hosts` must answer on both.
    """

    async def answers(host: str) -> bool:
        ports = (MINER_PORT, V3_PORT) if host in v3_hosts else (MINER_PORT,)
        for port in ports:
            try:
                async with asyncio.timeout(MINER_TIMEOUT):
                    await _wait_for_port(host, port)
            except TimeoutError:
                print(f"{host}: the simulated miner does not answer on port {port}; not added")
                return False
        return True

    results = await asyncio.gather(*(answers(host) for host in hosts))
    return [host for host, ok in zip(hosts, results, strict=True) if ok]


async def _add_miner(client: HomeAssistantClient, host: str, password: str) -> None:
    try:
        # "Add integration" opens a menu: one miner, or the miners of an address range.
        answers = {"next_step_id": "single", "host": host, "password": password}
        result = await client.add_config_entry(DOMAIN, answers)
    except HomeAssistantApiError as err:
        print(f"{host}: not added: {err}")
        return
    if result["type"] == "create_entry":
        entry = result["result"]
        # Setup runs before the flow returns: anything but "loaded" needs a look at the log.
        state = "" if entry["state"] == "loaded" else f" but {entry['state']}: {entry['reason']}"
        print(f"{host}: added as {result['title']!r}{state}")
    else:
        print(f"{host}: {result['reason'].replace('_', ' ')}")


async def _run(args: argparse.Namespace) -> int:
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, args.url)
        try:
            async with asyncio.timeout(HASS_TIMEOUT):
                await client.wait_until_up(alive=lambda: _alive(args.hass_pid))
        except (HomeAssistantApiError, TimeoutError) as err:
            print(f"Home Assistant did not start: {err or 'timed out'}", file=sys.stderr)
            return 1
        if args.wait_only or not await _log_in(client, args.username, args.password):
            return 0
        async with asyncio.timeout(HASS_TIMEOUT):
            await client.wait_until_running()
        for host in await _answering(args.hosts, set(args.v3_host)):
            await _add_miner(client, host, args.miner_password)
        if args.plug_host:
            await add_plug(client, args.plug_host)
        if args.budget:
            await add_budget(client)
    return 0


def main() -> None:
    """Parse the arguments scripts/develop passes and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--hass-pid", type=int, required=True)
    parser.add_argument("--wait-only", action="store_true")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--miner-password", required=True)
    parser.add_argument("--v3-host", action="append", default=[], metavar="HOST")
    parser.add_argument("--plug-host", metavar="HOST")
    parser.add_argument("--no-budget", dest="budget", action="store_false")
    parser.add_argument("hosts", nargs="*")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(_run(args)))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
