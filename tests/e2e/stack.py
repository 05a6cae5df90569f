"""What the end-to-end fixtures hand to a test: a running Home Assistant and a miner in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.simulator import SimulatedMiner

    from .ha_api import HomeAssistantClient
    from .hass_process import HassProcess


@dataclass(frozen=True, slots=True)
class RunningHomeAssistant:
    """A started, onboarded Home Assistant and a client logged in as its owner."""

    process: HassProcess
    client: HomeAssistantClient

    def runtime_installs(self) -> list[str]:
        """Return the log lines of packages Home Assistant tried to pip-install at run time.

        requirements/develop.txt is meant to make this empty; a line here means a
        requirement is missing from it (or pinned to another version).
        """
        return [line for line in self._log_lines() if "Attempting install of" in line]

    def integration_errors(self) -> list[str]:
        """Return the log's ERROR lines that concern our integration."""
        return [line for line in self._log_lines() if " ERROR (" in line and "whatsminer" in line]

    def _log_lines(self) -> list[str]:
        return self.process.log_file.read_text(errors="replace").splitlines()


@dataclass(frozen=True, slots=True)
class MinerInHomeAssistant:
    """A simulated miner added through the config flow, and what Home Assistant made of it."""

    miner: SimulatedMiner
    entry_id: str
    device_id: str
    registry: list[dict[str, Any]]

    def entity_id(self, domain: str, key: str) -> str:
        """Return the entity of the miner-wide description `key` in `domain`.

        The integration's unique ids are "<mac>_<key>" (hashboard entities have
        "board_<n>_" in the key), so matching on the part after the MAC needs no entity
        ids, which depend on names and translations.
        """
        for entry in self.registry:
            entity_id = str(entry["entity_id"])
            if entity_id.startswith(f"{domain}.") and (
                str(entry["unique_id"]).partition("_")[2] == key
            ):
                return entity_id
        raise AssertionError(f"no {domain} entity with key {key!r} in {self.registry}")
