"""The device pages of a miner and of a power budget, rendered by the real frontend in Chromium.

Proves what the REST checks cannot: that the frontend shows the device with its entities
under their translated names. The screenshots land in artifacts/ for a person to look at;
with WHATSMINER_UPDATE_DOCS_SCREENSHOT=1 they also replace the README's pictures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .browser import RENDER_TIMEOUT_MS, logged_in_page, needs_chromium, update_docs_screenshot
from .ha_config import REPO_ROOT
from .polling import wait_for_state

if TYPE_CHECKING:
    from .ha_api import HomeAssistantClient
    from .stack import MinerInHomeAssistant, RunningHomeAssistant

# A real Home Assistant and a real browser: slow, and only where Chromium is installed.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), needs_chromium]
SCREENSHOT = REPO_ROOT / "artifacts" / "e2e" / "device-page.png"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "device-page.png"
BUDGET_SCREENSHOT = REPO_ROOT / "artifacts" / "e2e" / "budget-device.png"
BUDGET_DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "budget-device.png"
# The budget form as a person leaves it but for the miners: fixed, control off. The REST API
# fills in no suggested value, so the form's suggestions are spelled out.
BUDGET_FORM = {
    "next_step_id": "budget",
    "source": "fixed",
    "meter_sign": "import_positive",
    "allowance": 100,
    "max_power": 100_000,
}
# Room for one of the two miners (each draws about 3.3 kW), as scripts/develop sets it.
BUDGET_W = 3000
BUDGET_NAMES = ("Budget control", "Budget", "Max power", "Farm power", "Control state")


async def test_device_page_shows_the_miner(
    home_assistant: RunningHomeAssistant, miner_in_home_assistant: MinerInHomeAssistant
) -> None:
    """The device page lists the miner's main controls and sensors by name."""
    client = home_assistant.client
    assert client.tokens is not None
    names = {
        entry["original_name"]
        for entry in miner_in_home_assistant.registry
        if entry["translation_key"] in {"hashrate", "mining", "reboot", "power_limit"}
    }
    assert names, miner_in_home_assistant.registry

    async with logged_in_page(client.base_url, client.tokens) as page:
        await page.goto(
            f"{client.base_url}/config/devices/device/{miner_in_home_assistant.device_id}"
        )
        for name in sorted(names):
            await page.get_by_text(name, exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOT)

    update_docs_screenshot(SCREENSHOT, DOCS_SCREENSHOT)


async def test_device_page_shows_the_budget(
    home_assistant: RunningHomeAssistant,
    miner_in_home_assistant: MinerInHomeAssistant,
    v3_miner_in_home_assistant: MinerInHomeAssistant,
) -> None:
    """A budget over a v2 and a v3 miner, added from the menu, shows its device page."""
    client = home_assistant.client
    assert client.tokens is not None
    members = [miner_in_home_assistant.entry_id, v3_miner_in_home_assistant.entry_id]
    result = await client.add_config_entry("whatsminer", {**BUDGET_FORM, "miners": members})
    assert result["type"] == "create_entry", result
    registry = await _registry(client, result["result"]["entry_id"])
    await client.call_service(
        "number", "set_value", {"entity_id": registry["budget"]["entity_id"], "value": BUDGET_W}
    )
    # Both members counted before the picture: the farm's sums include both miners.
    await wait_for_state(
        client, registry["miners_mining"]["entity_id"], lambda state: state == "2", "to be 2"
    )
    device_ids = {entry["device_id"] for entry in registry.values()}
    assert len(device_ids) == 1, registry

    async with logged_in_page(client.base_url, client.tokens) as page:
        await page.goto(f"{client.base_url}/config/devices/device/{device_ids.pop()}")
        for name in BUDGET_NAMES:
            await page.get_by_text(name, exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        BUDGET_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=BUDGET_SCREENSHOT)

    update_docs_screenshot(BUDGET_SCREENSHOT, BUDGET_DOCS_SCREENSHOT)


async def _registry(client: HomeAssistantClient, entry_id: str) -> dict[str, dict[str, Any]]:
    """Return the budget's entity registry entries by key (unique ids: "<entry id>_<key>")."""
    async with client.websocket() as ws:
        entities = await ws.command("config/entity_registry/list")
    return {
        entity["unique_id"].removeprefix(f"{entry_id}_"): entity
        for entity in entities
        if entity["config_entry_id"] == entry_id
    }
