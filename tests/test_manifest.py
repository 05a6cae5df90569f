"""The integration's metadata loads the way Home Assistant and HACS read it."""

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
import pytest

from custom_components.whatsminer.const import DOMAIN

REPO_ROOT = Path(__file__).parent.parent
MANIFEST = REPO_ROOT / "custom_components" / DOMAIN / "manifest.json"


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_manifest_loads_in_home_assistant(hass: HomeAssistant) -> None:
    """Home Assistant finds the custom integration and reads its manifest."""
    integration = await async_get_integration(hass, DOMAIN)

    assert integration.domain == DOMAIN
    assert integration.name == "Whatsminer"
    assert integration.config_flow is True
    assert integration.iot_class == "local_polling"
    assert integration.integration_type == "device"
    assert integration.requirements == ["passlib==1.7.4"]
    # New miners by their default hostname; known ones also after the user renamed them.
    assert integration.dhcp == [{"hostname": "whatsminer*"}, {"registered_devices": True}]
    assert str(integration.version) == json.loads(MANIFEST.read_text())["version"]
    # Where the Add integration dialog of 2026.11 files it; older loaders keep unknown keys
    # in the manifest and ignore them, so both lanes load it.
    assert integration.manifest["categories"] == ["energy"]
    assert integration.manifest["connectivity"] == ["network"]


def test_manifest_keys_are_sorted_as_hassfest_wants() -> None:
    """Domain, name, then alphabetical: hassfest fails an unsorted manifest."""
    keys = list(json.loads(MANIFEST.read_text()))

    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_hacs_minimum_is_the_oldest_tested_home_assistant() -> None:
    """HACS offers the integration only to Home Assistant versions we test."""
    hacs = json.loads((REPO_ROOT / "hacs.json").read_text())
    oldest = (REPO_ROOT / "requirements" / "oldest.txt").read_text()

    assert hacs["name"] == "Whatsminer"
    assert hacs["render_readme"] is True
    major_minor = ".".join(hacs["homeassistant"].split(".")[:2])
    assert f"homeassistant=={major_minor}." in oldest
