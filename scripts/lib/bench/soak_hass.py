"""The soak's side of Home Assistant: plugs in its configuration, and what a user does.

Why through the public APIs: the soak should meet the integration as a farm owner does. A
plug is an `input_boolean` behind a template switch (as the integration's own plug tests
make one), named in the miner's options through the options flow; the soak switches it by
calling the switch's action. A password fixed after a reauth goes through the reauth form.
The one shortcut is the DHCP watcher, which the probe stands in for (farm_probe).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.e2e.ha_api import HomeAssistantApiError

if TYPE_CHECKING:
    from tests.e2e.ha_api import HomeAssistantClient

DOMAIN = "whatsminer"
SCAN_INTERVAL_S = 30  # the integration's default; the plugs' options keep it
BOOT_TIMEOUT_S = 600  # the integration's default
WATCHED_KEYS = ("status", "energy", "uptime")
COMMAND_KEY = "identify"  # a harmless write: it finds a changed password


def format_mac(mac: str) -> str:
    """Return a simulated miner's MAC as unique ids and the device registry hold it."""
    return mac.lower()


class SerialWebsocket:
    """The soak's websocket commands (registries, flows in progress, actions), one at a time.

    A connection of its own per command: one kept open between commands is closed by Home
    Assistant's heartbeat, since the client answers its pings only while it reads.
    """

    def __init__(self, client: HomeAssistantClient) -> None:
        """Connect as ``client``'s user."""
        self._client = client
        self._turn = asyncio.Lock()

    async def command(self, command_type: str, **fields: Any) -> Any:
        """Send one command when it is its turn; return its result."""
        async with self._turn, self._client.websocket() as ws:
            return await ws.command(command_type, **fields)


def plug_entity(miner: int) -> str:
    """Return the template switch in front of a plugged miner."""
    return f"switch.soak_plug_{miner}"


def plugs_yaml(miners: list[int]) -> str:
    """Return the configuration.yaml lines of the plugs: input_booleans and template switches."""
    lines = ["", "input_boolean:"]
    lines += [f"  soak_plug_{m}:\n    initial: true" for m in miners]
    lines += ["", "template:", "  - switch:"]
    for m in miners:
        target = f"target: {{entity_id: input_boolean.soak_plug_{m}}}"
        lines += [
            f"      - name: Soak plug {m}",
            f"        unique_id: soak_plug_{m}",
            f"        state: \"{{{{ is_state('input_boolean.soak_plug_{m}', 'on') }}}}\"",
            f"        turn_on: {{action: input_boolean.turn_on, {target}}}",
            f"        turn_off: {{action: input_boolean.turn_off, {target}}}",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class MinerEntities:
    """One miner's config entry and the entities the soak reads or presses."""

    entry_id: str
    title: str
    status: str
    energy: str
    uptime: str
    identify: str


async def miner_entities(
    client: HomeAssistantClient, ws: SerialWebsocket, macs: list[str]
) -> list[MinerEntities]:
    """Return each miner's entry and entities, in the order of ``macs`` (unique id: MAC_key)."""
    titles = {
        entry["entry_id"]: entry["title"]
        for entry in await client.rest("GET", "/api/config/config_entries/entry")
    }
    by_unique_id = {
        entity["unique_id"]: entity
        for entity in await ws.command("config/entity_registry/list")
        if entity["platform"] == DOMAIN
    }
    found = []
    for mac in macs:
        ids = {
            key: by_unique_id[f"{format_mac(mac)}_{key}"] for key in (*WATCHED_KEYS, COMMAND_KEY)
        }
        entry_id = ids["status"]["config_entry_id"]
        found.append(
            MinerEntities(entry_id, titles[entry_id], *(ids[key]["entity_id"] for key in ids))
        )
    return found


async def add_plug(client: HomeAssistantClient, entry_id: str, miner: int) -> None:
    """Name the miner's plug in its options (options flow: init form, then submit)."""
    flow = "/api/config/config_entries/options/flow"
    result = await client.rest("POST", flow, {"handler": entry_id})
    result = await client.rest(
        "POST",
        f"{flow}/{result['flow_id']}",
        {
            "scan_interval": SCAN_INTERVAL_S,
            "power_switch": plug_entity(miner),
            "boot_timeout": BOOT_TIMEOUT_S,
        },
    )
    if result["type"] != "create_entry":
        raise HomeAssistantApiError(f"options flow of {entry_id}: {result}")


async def switch_plug(client: HomeAssistantClient, miner: int, *, on: bool) -> None:
    """Switch a miner's plug as a dashboard's toggle does."""
    action = "turn_on" if on else "turn_off"
    await client.call_service("switch", action, {"entity_id": plug_entity(miner)})


async def press(ws: SerialWebsocket, entity_id: str) -> str:
    """Press a button as the frontend does; return the error answered, "" if it went through.

    Over the websocket, not REST: the REST API answers an action's error with a 500 and an
    ERROR traceback in the log, which the frontend's way does not write.
    """
    try:
        await ws.command(
            "call_service", domain="button", service="press", target={"entity_id": entity_id}
        )
    except HomeAssistantApiError as error:
        return str(error)
    return ""


async def reauth_flow(ws: SerialWebsocket, entry_id: str) -> str | None:
    """Return the id of the entry's reauth flow in progress, if any."""
    flows: list[dict[str, Any]] = await ws.command("config_entries/flow/progress")
    for flow in flows:
        context = flow.get("context", {})
        if context.get("source") == "reauth" and context.get("entry_id") == entry_id:
            return str(flow["flow_id"])
    return None


async def answer_reauth(client: HomeAssistantClient, flow_id: str, password: str) -> str:
    """Type the new password into the reauth form; return how the flow ended."""
    result = await client.rest(
        "POST", f"/api/config/config_entries/flow/{flow_id}", {"password": password}
    )
    return str(result.get("reason") or result.get("errors") or result["type"])


async def announce_lease(client: HomeAssistantClient, host: str, mac: str) -> None:
    """Tell the integration of a DHCP lease, as the DHCP watcher would (through the probe)."""
    lease = {"ip": host, "macaddress": mac.replace(":", "").lower(), "hostname": "whatsminer"}
    await client.rest("POST", "/api/farm_probe/dhcp", lease)


async def device_of(ws: SerialWebsocket, mac: str) -> dict[str, Any]:
    """Return the miner's device registry entry (sw_version, configuration_url)."""
    for device in await ws.command("config/device_registry/list"):
        if ["mac", format_mac(mac)] in device["connections"]:
            return dict(device)
    return {}


async def entry_state(client: HomeAssistantClient, entry_id: str) -> str:
    """Return the config entry's state (loaded, setup_retry, ...)."""
    return str((await client.config_entry(entry_id))["state"])
