"""Set up scripts/develop's power budget over its simulated miners, once.

A person who starts develop should see the budget device at once, so after the miners are in,
a budget is added the way the "Add integration" dialog does it (menu option "budget"): fixed
source, Budget control off (the default; nothing is stopped or trimmed until the person switches
it on) and a Budget that fits all miners but one, so switching control on shows both staging
(one miner stopped) and trimming (the others below 100 %). A later start finds the budget's
device and leaves it, and the Budget a person may have changed since, alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.e2e.ha_api import HomeAssistantApiError

if TYPE_CHECKING:
    from tests.e2e.ha_api import HomeAssistantClient

DOMAIN = "whatsminer"
# A budget device's identifier is (DOMAIN, "budget_<entry id>"); a miner's is its MAC.
BUDGET_DEVICE_PREFIX = "budget_"
# The form's answers besides the miners: what it suggests (the REST API fills in no suggested
# value, so they are spelled out here), and the fixed source.
BUDGET_FORM = {
    "next_step_id": "budget",
    "source": "fixed",
    "meter_sign": "import_positive",
    "allowance": 100,
    "max_power": 100_000,
}
# Less than any simulated miner draws at 100 % (3306 to 3422 W), so one budget step per miner.
WATTS_PER_MINER = 3000


def existing_budgets(devices: list[dict[str, Any]]) -> set[str]:
    """Return the entry ids of the budgets whose device the device registry lists."""
    return {
        identifier.removeprefix(BUDGET_DEVICE_PREFIX)
        for device in devices
        for domain, identifier in device["identifiers"]
        if domain == DOMAIN and identifier.startswith(BUDGET_DEVICE_PREFIX)
    }


def budget_members(entries: list[dict[str, Any]], budgets: set[str]) -> list[str]:
    """Return the entry ids of the miners a new budget takes: every loaded miner entry."""
    return [
        entry["entry_id"]
        for entry in entries
        if entry["domain"] == DOMAIN
        and entry["entry_id"] not in budgets
        and entry["state"] == "loaded"
    ]


def fixed_budget(members: int) -> int:
    """Return the Budget in W: room for all miners but one (for one miner, most of it)."""
    return WATTS_PER_MINER * max(members - 1, 1)


async def add_budget(client: HomeAssistantClient) -> None:
    """Add the budget over every loaded miner unless one exists; report what happened.

    Nothing here stops develop: whatever goes wrong is printed and left to the UI.
    """
    try:
        await _add_budget(client)
    except HomeAssistantApiError as err:
        print(f"power budget: not added: {err}")


async def _add_budget(client: HomeAssistantClient) -> None:
    async with client.websocket() as ws:
        devices = await ws.command("config/device_registry/list")
    if budgets := existing_budgets(devices):
        print("power budget: already there, left as it is")
        return
    entries = await client.rest("GET", "/api/config/config_entries/entry")
    members = budget_members(entries, budgets)
    if not members:
        print("power budget: no miner is loaded; not added")
        return
    result = await client.add_config_entry(DOMAIN, {**BUDGET_FORM, "miners": members})
    if result["type"] != "create_entry":
        print(f"power budget: {result['reason'].replace('_', ' ')}")
        return
    entry = result["result"]
    if entry["state"] != "loaded":
        print(f"power budget: added but {entry['state']}: {entry['reason']}")
        return
    watts = fixed_budget(len(members))
    if await _set_budget(client, entry["entry_id"], watts):
        print(f"power budget: added over {len(members)} miner(s), fixed {watts} W, control off")


async def _set_budget(client: HomeAssistantClient, entry_id: str, watts: int) -> bool:
    """Set the new budget's Budget number, as its box on the device page would."""
    async with client.websocket() as ws:
        registry = await ws.command("config/entity_registry/list")
    unique_id = f"{entry_id}_budget"
    entity_id = next(
        (
            entity["entity_id"]
            for entity in registry
            if entity["platform"] == DOMAIN and entity["unique_id"] == unique_id
        ),
        None,
    )
    if entity_id is None:
        print("power budget: added, but its Budget number is missing; set it on the device page")
        return False
    await client.call_service("number", "set_value", {"entity_id": entity_id, "value": watts})
    return True
