"""Assist: the miner by voice, through the default conversation agent and built-in intents.

Sentences go through ``conversation.async_converse`` as Assist would send them, and the
tests check what reached the simulated miner. Entities are exposed with Home Assistant's
exposure API, as the "Expose" settings do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from home_assistant_intents import get_intents
from homeassistant.components import intent as intent_integration
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.conversation import DOMAIN as CONVERSATION_DOMAIN, async_converse
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
    async_should_expose,
)
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import STATE_OFF, STATE_ON, __version__
from homeassistant.core import Context
from homeassistant.helpers import entity_registry as er, intent
from homeassistant.setup import async_setup_component
import pytest

from .conftest import advance
from .entity_ids import entity_id

if TYPE_CHECKING:
    from pathlib import Path

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.conversation import ConversationResult
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

# The miner's device is named after its config entry: "WhatsMiner" in these tests.
MINER = "WhatsMiner"


@pytest.fixture
async def assist(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Set up the conversation integration (default agent) beside the miner."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, CONVERSATION_DOMAIN, {})
    assert await async_setup_component(hass, "intent", {})
    await hass.async_block_till_done()


async def say(hass: HomeAssistant, text: str) -> ConversationResult:
    """Send one sentence to the default agent in English and return its answer."""
    result = await async_converse(hass, text, None, Context(), language="en")
    await hass.async_block_till_done(wait_background_tasks=True)
    return result


def speech(result: ConversationResult) -> str:
    """Return what Assist answered."""
    return str(result.response.speech["plain"]["speech"])


def answered_about(result: ConversationResult) -> list[str]:
    """Return the entities an answer was about."""
    return [target.id for target in result.response.success_results]


def expose(hass: HomeAssistant, entity: str) -> None:
    """Expose an entity to Assist, as Settings → Voice assistants → Expose does."""
    async_expose_entity(hass, CONVERSATION_DOMAIN, entity, should_expose=True)


def builtin_sentences_reach_buttons(intent_type: str) -> bool:
    """Whether this Home Assistant's built-in English sentences can target a button.

    home-assistant-intents 2025.3 has no domain list on its generic "turn on <name>"
    sentences, so they reach buttons (HassTurnOn presses them); newer releases name the
    domains they serve (button is not among them), and no release has HassPress.
    """
    intents = get_intents("en")
    assert intents is not None
    for data in intents["intents"].get(intent_type, {}).get("data", []):
        context = data.get("requires_context") or {}
        domains = context.get("domain")
        excluded = (data.get("excludes_context") or {}).get("domain") or []
        slots = data.get("slots") or {}
        if "domain" in slots:
            continue
        if domains is None and BUTTON_DOMAIN not in excluded:
            return True
        if domains is not None and BUTTON_DOMAIN in domains:
            return True
    return False


@pytest.mark.usefixtures("assist")
async def test_exposed_by_default(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Only the mining switch and the miner's temperatures are exposed to Assist out of the box."""
    exposed = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), init_integration.entry_id
        )
        if async_should_expose(hass, CONVERSATION_DOMAIN, entry.entity_id)
    }

    assert exposed == {
        "switch.whatsminer_mining",
        "sensor.whatsminer_environment_temperature",
        "sensor.whatsminer_chip_temperature_max",
    }


@pytest.mark.usefixtures("assist")
async def test_turn_mining_off_and_on(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Saying "turn off the <miner> mining" stops mining; "turn on …" starts it again."""
    mining = entity_id(hass, miner, SWITCH_DOMAIN, "mining")

    result = await say(hass, f"turn off the {MINER} mining")
    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE, speech(result)
    assert miner.state.mining is False
    assert hass.states.get(mining).state == STATE_OFF  # type: ignore[union-attr]

    await advance(hass, freezer, 11)  # past the refresh debounce of the first command
    result = await say(hass, f"turn on {MINER} mining")
    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE, speech(result)
    assert miner.state.mining is True
    assert hass.states.get(mining).state == STATE_ON  # type: ignore[union-attr]


@pytest.mark.usefixtures("assist")
async def test_what_is_the_power(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Once exposed, "what is the <miner> power" answers with the power sensor."""
    power = entity_id(hass, miner, SENSOR_DOMAIN, "power")
    state = hass.states.get(power)
    assert state is not None

    result = await say(hass, f"what is the {MINER} power")
    assert power not in answered_about(result)  # not exposed

    expose(hass, power)
    result = await say(hass, f"what is the {MINER} power")
    assert result.response.response_type is intent.IntentResponseType.QUERY_ANSWER, speech(result)
    assert answered_about(result) == [power]
    watts = round(float(state.state))
    assert str(watts) in speech(result).replace(",", "")


def hass_turn_on_presses_buttons() -> bool:
    """Whether this Home Assistant's HassTurnOn presses buttons (2026.10 does, 2025.4 not)."""
    return hasattr(intent_integration, "SERVICE_PRESS_BUTTON")


@pytest.mark.usefixtures("assist")
async def test_press_restart_mining_with_a_builtin_sentence(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Saying "turn on the <miner> restart mining" would press the button (HassTurnOn)."""
    if not hass_turn_on_presses_buttons():
        pytest.skip(f"HassTurnOn of Home Assistant {__version__} cannot press buttons")
    if not builtin_sentences_reach_buttons(intent.INTENT_TURN_ON):
        pytest.skip(
            f"the built-in sentences of Home Assistant {__version__} for HassTurnOn name their "
            "domains and button is not among them (and there is no HassPress)"
        )
    button = entity_id(hass, miner, BUTTON_DOMAIN, "restart_mining")
    expose(hass, button)  # a configuration entity: not exposed by default

    result = await say(hass, f"turn on the {MINER} restart mining")

    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE, speech(result)
    assert "restart_btminer" in miner.commands


# What the README suggests for pressing buttons by voice: a custom sentence for HassTurnOn.
CUSTOM_SENTENCES = """\
language: en
intents:
  HassTurnOn:
    data:
      - sentences:
          - "press [the] {name} [button]"
        requires_context:
          domain: button
"""


async def test_press_restart_mining_with_a_custom_sentence(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry, tmp_path: Path
) -> None:
    """Saying "press the <miner> restart mining" (a custom sentence) presses the button."""
    if not hass_turn_on_presses_buttons():
        pytest.skip(f"HassTurnOn of Home Assistant {__version__} cannot press buttons")
    hass.config.config_dir = str(tmp_path)
    sentences = tmp_path / "custom_sentences" / "en" / "whatsminer.yaml"
    sentences.parent.mkdir(parents=True)
    sentences.write_text(CUSTOM_SENTENCES)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, CONVERSATION_DOMAIN, {})
    assert await async_setup_component(hass, "intent", {})
    button = entity_id(hass, miner, BUTTON_DOMAIN, "restart_mining")
    expose(hass, button)

    result = await say(hass, f"press the {MINER} restart mining")

    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE, speech(result)
    assert answered_about(result) == [button]
    assert "restart_btminer" in miner.commands


@pytest.mark.usefixtures("assist")
async def test_restart_mining_with_a_sentence_trigger(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Any release: an automation with a sentence trigger presses the button."""
    button = entity_id(hass, miner, BUTTON_DOMAIN, "restart_mining")
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: {
                "triggers": [{"trigger": "conversation", "command": "restart [the] miner"}],
                "actions": [
                    {"action": "button.press", "target": {"entity_id": button}},
                    {"set_conversation_response": "Restarting mining"},
                ],
            }
        },
    )

    result = await say(hass, "restart the miner")

    assert speech(result) == "Restarting mining"
    assert "restart_btminer" in miner.commands


def test_there_is_no_hass_press() -> None:
    """No release of the built-in sentences has HassPress (checked, so a new one shows)."""
    intents = get_intents("en")
    assert intents is not None
    assert "HassPress" not in intents["intents"]
