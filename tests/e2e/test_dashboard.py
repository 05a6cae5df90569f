"""docs/dashboard-card.yaml on a real dashboard, rendered by the real frontend in headless Chromium.

The card is saved as the default dashboard's only card (storage mode, through the same
websocket command as the dashboard editor's "Save"), with `garage_miner` replaced by the
simulated miner's entity id prefix. That proves the documented entity ids are the ones the
integration creates, and that every card shows values rather than "Entity not available".
The screenshot lands in artifacts/ for a person to look at; with
WHATSMINER_UPDATE_DOCS_SCREENSHOT=1 it also replaces the README's picture.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml  # type: ignore[import-untyped]  # no types-PyYAML in the test requirements

from .browser import RENDER_TIMEOUT_MS, logged_in_page, needs_chromium, update_docs_screenshot
from .ha_config import REPO_ROOT
from .polling import wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .stack import MinerInHomeAssistant, RunningHomeAssistant

CARD_YAML = REPO_ROOT / "docs" / "dashboard-card.yaml"
DOCS_PREFIX = "garage_miner"
# A real Home Assistant and a real browser: slow, and only where Chromium is installed.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), needs_chromium]
SCREENSHOT = REPO_ROOT / "artifacts" / "e2e" / "dashboard-card.png"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "images" / "dashboard-card.png"
# What a card shows for an entity without a usable state.
NO_VALUE = re.compile(r"^(unavailable|unknown)$", re.IGNORECASE)


def _values(config: Any, field: str) -> Iterator[str]:
    """Yield every string `field` of a card config, nested cards and entity rows included."""
    if isinstance(config, dict):
        for key, value in config.items():
            if key == field and isinstance(value, str):
                yield value
            else:
                yield from _values(value, field)
    elif isinstance(config, list):
        for item in config:
            yield from _values(item, field)


def _card_for(miner: MinerInHomeAssistant) -> dict[str, Any]:
    """Return the documented card with `garage_miner` replaced by this miner's prefix.

    The prefix comes from the registry (the mining switch is `switch.<prefix>_mining`), so
    the test follows whatever entity ids Home Assistant gave the simulated miner.
    """
    object_id = miner.entity_id("switch", "mining").removeprefix("switch.")
    assert object_id.endswith("_mining"), object_id
    prefix = object_id.removesuffix("_mining")
    card: dict[str, Any] = yaml.safe_load(CARD_YAML.read_text().replace(DOCS_PREFIX, prefix))
    return card


async def test_dashboard_card_shows_the_miner(
    home_assistant: RunningHomeAssistant, miner_in_home_assistant: MinerInHomeAssistant
) -> None:
    """The documented card, on a dashboard, shows every entity it names with a value."""
    client = home_assistant.client
    assert client.tokens is not None
    card = _card_for(miner_in_home_assistant)
    entity_ids = sorted(set(_values(card, "entity")))
    registered = {str(entry["entity_id"]) for entry in miner_in_home_assistant.registry}
    assert set(entity_ids) <= registered, sorted(set(entity_ids) - registered)

    # Nothing is written first: API v2's power percentage is known (100 % from btminer's
    # start), so every entity of the card has a value on its own.
    without_value: dict[str, str] = {}

    async def all_have_values() -> bool:
        without_value.clear()
        for entity_id in entity_ids:
            state = (await client.state(entity_id))["state"]
            if NO_VALUE.match(state):
                without_value[entity_id] = state
        return not without_value

    try:
        await wait_until(all_have_values, "every entity of the card to have a value")
    except AssertionError as err:
        raise AssertionError(f"{err}: {without_value}") from None

    async with client.websocket() as ws:
        await ws.command(
            "lovelace/config/save", config={"title": "Home", "views": [{"cards": [card]}]}
        )

    async with logged_in_page(client.base_url, client.tokens) as page:
        # No chart animation: the screenshot shows the finished graph.
        await page.emulate_media(reduced_motion="reduce")
        await page.goto(f"{client.base_url}/lovelace/0")
        stack = page.locator("hui-vertical-stack-card").first
        await stack.wait_for(timeout=RENDER_TIMEOUT_MS)
        for name in sorted(set(_values(card, "name")) | {card["title"]}):
            await stack.get_by_text(name, exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        # The tiles show the readings with their units once the states are formatted.
        await stack.get_by_text(re.compile(r"\d\s*TH/s")).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        await stack.get_by_text(re.compile(r"\d\s*W$")).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        # The history graph has drawn its chart.
        await stack.locator("state-history-chart-line").first.wait_for(timeout=RENDER_TIMEOUT_MS)

        warnings = await stack.locator("hui-warning").all_inner_texts()
        assert not warnings, warnings
        assert await stack.get_by_text(NO_VALUE).count() == 0

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await stack.screenshot(path=SCREENSHOT)

    update_docs_screenshot(SCREENSHOT, DOCS_SCREENSHOT)
