"""The miner's device page, rendered by the real frontend in headless Chromium.

Proves what the REST checks cannot: that the frontend shows the device with its entities
under their translated names. The screenshot lands in artifacts/ for a person to look at;
with WHATSMINER_UPDATE_DOCS_SCREENSHOT=1 it also replaces the README's picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .browser import RENDER_TIMEOUT_MS, logged_in_page, needs_chromium, update_docs_screenshot
from .ha_config import REPO_ROOT

if TYPE_CHECKING:
    from .stack import MinerInHomeAssistant, RunningHomeAssistant

# A real Home Assistant and a real browser: slow, and only where Chromium is installed.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), needs_chromium]
SCREENSHOT = REPO_ROOT / "artifacts" / "e2e" / "device-page.png"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "device-page.png"


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
