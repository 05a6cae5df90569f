"""Translations and icons cover everything the code and services.yaml refer to."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from homeassistant.util.yaml import load_yaml_dict

from custom_components.whatsminer import (
    binary_sensor,
    budget_issues,
    budget_number,
    budget_sensor,
    budget_switch,
    button,
    issues,
    number,
    select,
    sensor,
    switch,
)

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "whatsminer"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())
TEXT_FILES = [INTEGRATION / "strings.json", *sorted((INTEGRATION / "translations").glob("*.json"))]
PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*\}")
ICONS = json.loads((INTEGRATION / "icons.json").read_text())
PLATFORMS = {
    "binary_sensor": binary_sensor.BINARY_SENSORS,
    "button": button.BUTTONS,
    "number": (number.POWER_LIMIT, *number.NUMBERS, *budget_number.NUMBERS),
    "select": select.SELECTS,
    "sensor": (
        *sensor.SENSORS,
        *sensor.BOARD_SENSORS,
        sensor.ENERGY,
        sensor.UPTIME,
        *budget_sensor.SENSORS,
        budget_sensor.CONTROL_STATE,
        budget_sensor.FARM_ENERGY,
    ),
    "switch": (*switch.SWITCHES, budget_switch.CONTROL),
}


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    """Return every leaf path of a nested dict."""
    return set(texts(tree, prefix))


def texts(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Return every leaf of a nested dict by its path."""
    found: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        found |= texts(value, f"{path}.") if isinstance(value, dict) else {path: value}
    return found


def test_english_is_strings_json() -> None:
    """translations/en.json is strings.json, which custom integrations must ship built."""
    assert json.loads((INTEGRATION / "translations" / "en.json").read_text()) == STRINGS


def test_german_covers_every_string() -> None:
    """The German translation has exactly the English keys."""
    german = json.loads((INTEGRATION / "translations" / "de.json").read_text())
    assert keys(german) == keys(STRINGS)


def test_every_placeholder_is_a_plain_name() -> None:
    """Every brace opens or closes a ``{name}`` placeholder, as hassfest requires.

    No plural or select syntax, no nested braces: hassfest refuses the texts otherwise.
    """
    for path in TEXT_FILES:
        for key, text in texts(json.loads(path.read_text())).items():
            rest = PLACEHOLDER.sub("", text)
            assert "{" not in rest, f"{path.name} {key}: {text!r}"
            assert "}" not in rest, f"{path.name} {key}: {text!r}"


def test_every_entity_is_translated_and_has_an_icon() -> None:
    """Each translation key has a name; those without a device class also have an icon."""
    for platform, descriptions in PLATFORMS.items():
        for description in descriptions:
            if description.translation_key is None:
                assert description.device_class is not None, description.key
                continue
            assert description.translation_key in STRINGS["entity"][platform], description.key
            if description.device_class is None:
                assert description.translation_key in ICONS["entity"][platform], description.key


def test_every_exception_and_issue_is_translated() -> None:
    """Every error raised with a translation key has a message, and so has the issue."""
    raised: set[str] = set()
    for module in INTEGRATION.glob("*.py"):
        raised |= set(
            re.findall(
                r'(?:translation_domain=DOMAIN,\s*translation_key=|\b_error\()"(\w+)"',
                module.read_text(),
            )
        )
    assert raised
    assert raised <= set(STRINGS["exceptions"])
    assert all(set(text) == {"message"} for text in STRINGS["exceptions"].values())
    assert set(issues.TRANSLATION_KEYS.values()) <= set(STRINGS["issues"])
    assert budget_issues.BUDGET_NO_MINERS in STRINGS["issues"]
    assert issues.POWER_SWITCH_MISSING in STRINGS["issues"]


def test_every_service_field_is_translated_and_has_an_icon() -> None:
    """Services and their fields in services.yaml have names, descriptions and icons."""
    services = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    assert set(services) == set(STRINGS["services"]) == set(ICONS["services"])
    for service, spec in services.items():
        assert set(spec["fields"]) == set(STRINGS["services"][service]["fields"]), service
