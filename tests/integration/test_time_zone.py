"""The miner's time zone: the POSIX rule from zone files, the repair issue, the action."""

from __future__ import annotations

from importlib import resources
import struct
from typing import TYPE_CHECKING

from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer import time_zone
from custom_components.whatsminer.api import SetFastBoot
from custom_components.whatsminer.const import DOMAIN
from custom_components.whatsminer.time_zone import posix_rule, rule_from_tzif

from .conftest import frozen_clock, run_action, set_up_entry

if TYPE_CHECKING:
    from homeassistant.components.repairs import RepairsFlowManager
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

HOME_ZONE = "US/Pacific"  # the time zone of the test instance
HOME_RULE = "PST8PDT,M3.2.0,M11.1.0"


# The POSIX rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "rule"),
    [
        ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"),
        ("Asia/Shanghai", "CST-8"),
        ("UTC", "UTC0"),
        ("Asia/Kolkata", "IST-5:30"),
        ("America/Argentina/Buenos_Aires", "<-03>3"),
        (HOME_ZONE, HOME_RULE),
    ],
)
def test_rules_of_real_zones(zone: str, rule: str) -> None:
    assert posix_rule(zone) == rule


@pytest.mark.parametrize("zone", ["../../etc/passwd", "Mars/Olympus_Mons", "", "Europe"])
def test_no_rule_for_what_is_not_a_zone(zone: str) -> None:
    assert posix_rule(zone) is None


def test_the_tzdata_package_stands_in_for_missing_zone_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(time_zone.zoneinfo, "TZPATH", ())
    assert posix_rule("Europe/Berlin") == "CET-1CEST,M3.5.0,M10.5.0/3"
    assert posix_rule("Mars/Olympus_Mons") is None


def without_zone_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take away the system's zone files and the tzdata package."""

    def no_tzdata(package: str) -> None:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(time_zone.zoneinfo, "TZPATH", ())
    monkeypatch.setattr(resources, "files", no_tzdata)


def test_no_rule_without_zone_files_or_tzdata(monkeypatch: pytest.MonkeyPatch) -> None:
    without_zone_files(monkeypatch)
    assert posix_rule("Europe/Berlin") is None


def tzif(version: bytes, footer: bytes) -> bytes:
    """Return a minimal TZif file: header, an empty body, then the footer line."""
    return b"TZif" + version + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 0, 0) + footer


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (tzif(b"2", b"\nCST-8\n"), "CST-8"),
        (tzif(b"3", b"\n<+0530>-5:30\n"), "<+0530>-5:30"),
        (tzif(b"\0", b"\nCST-8\n"), None),  # version 1 has no footer
        (tzif(b"2", b"\n\n"), None),  # a zone without a POSIX form
        (tzif(b"2", b"\nCST-8"), None),  # cut short
        (tzif(b"2", b"\nCST -8\n"), None),
        (tzif(b"2", b"\nCST\xff8\n"), None),
        (b"TZif", None),
        (b"NOPE2\nCST-8\n", None),
        (b"TZif2CST-8\n", None),  # no line before the footer
    ],
)
def test_footers(data: bytes, rule: str | None) -> None:
    assert rule_from_tzif(data) == rule


@given(st.binary(max_size=200))
def test_any_bytes_give_a_rule_or_none(data: bytes) -> None:
    rule = rule_from_tzif(data)
    assert rule is None or (rule.isascii() and rule.isprintable() and " " not in rule)


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=3, max_size=64))
def test_every_printable_footer_comes_back(rule: str) -> None:
    assert rule_from_tzif(tzif(b"2", b"\n" + rule.encode() + b"\n")) == rule


# The repair issue (API v3) -------------------------------------------------------------


@pytest.fixture
async def v3_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Return a v3 miner on its factory zone, Asia/Shanghai (not the instance's)."""
    return await miner_factory(profile="m60_v3", password="Hash4Life", clock=frozen_clock)


@pytest.fixture
async def v3_entry(hass: HomeAssistant, v3_miner: SimulatedMiner) -> MockConfigEntry:
    """Return the set-up entry of the v3 miner."""
    return await set_up_entry(hass, v3_miner)


def issue_of(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"time_zone_mismatch_{entry.entry_id}")


async def test_issue_raised_and_fixed(
    hass: HomeAssistant,
    v3_miner: SimulatedMiner,
    v3_entry: MockConfigEntry,
    fix_flows: RepairsFlowManager,
) -> None:
    """A miner on another zone raises the issue; its fix flow sets Home Assistant's."""
    issue = issue_of(hass, v3_entry)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "name": "WhatsMiner",
        "miner_zone": "Asia/Shanghai",
        "home_zone": HOME_ZONE,
    }

    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"]["miner_zone"] == "Asia/Shanghai"
    result = await fix_flows.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (v3_miner.state.timezone, v3_miner.state.zonename) == (HOME_RULE, HOME_ZONE)
    assert issue_of(hass, v3_entry) is None
    await v3_entry.runtime_data.async_refresh()  # the next poll agrees
    assert issue_of(hass, v3_entry) is None


async def test_issue_follows_the_miner(
    hass: HomeAssistant, v3_miner: SimulatedMiner, v3_entry: MockConfigEntry
) -> None:
    """Set elsewhere to Home Assistant's zone, the issue goes; changed again, it returns."""
    coordinator = v3_entry.runtime_data
    v3_miner.state.zonename = HOME_ZONE
    await coordinator.link.client.run(
        SetFastBoot(enabled=True)
    )  # any write makes the poll read settings
    await coordinator.async_refresh()
    assert issue_of(hass, v3_entry) is None

    v3_miner.state.zonename = "Europe/Berlin"
    await coordinator.link.client.run(SetFastBoot(enabled=False))
    await coordinator.async_refresh()
    assert issue_of(hass, v3_entry) is not None

    assert await hass.config_entries.async_unload(v3_entry.entry_id)
    assert issue_of(hass, v3_entry) is None


async def test_issue_removed_with_the_entry(hass: HomeAssistant, v3_entry: MockConfigEntry) -> None:
    assert issue_of(hass, v3_entry) is not None
    assert await hass.config_entries.async_remove(v3_entry.entry_id)
    assert issue_of(hass, v3_entry) is None


async def test_fix_flow_errors(
    hass: HomeAssistant,
    v3_miner: SimulatedMiner,
    v3_entry: MockConfigEntry,
    fix_flows: RepairsFlowManager,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refused write and a zone without a rule are errors; the issue stays."""
    issue = issue_of(hass, v3_entry)
    assert issue is not None
    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue.issue_id})

    v3_miner.state.api_switch = False  # the miner refuses the write
    result = await fix_flows.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cannot_set"}

    v3_miner.state.api_switch = True
    without_zone_files(monkeypatch)
    result = await fix_flows.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "unknown_time_zone"}
    assert v3_miner.state.zonename == "Asia/Shanghai"
    assert issue_of(hass, v3_entry) is not None


async def test_fix_flow_for_an_unloaded_entry(
    hass: HomeAssistant, v3_entry: MockConfigEntry, fix_flows: RepairsFlowManager
) -> None:
    issue = issue_of(hass, v3_entry)
    assert issue is not None
    result = await fix_flows.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert await hass.config_entries.async_unload(v3_entry.entry_id)

    result = await fix_flows.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


@pytest.mark.usefixtures("init_integration")
async def test_no_issue_for_a_miner_that_cannot_tell(hass: HomeAssistant) -> None:
    """API v2 does not report its zone: no issue, whatever it runs on."""
    assert not [issue for issue in ir.async_get(hass).issues.values() if issue.domain == DOMAIN]


# The action (any API) ------------------------------------------------------------------


async def test_set_time_zone_action(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """A v2 miner gets Home Assistant's zone with its POSIX rule."""
    await run_action(hass, "set_time_zone", init_integration.entry_id)

    assert (miner.state.timezone, miner.state.zonename) == (HOME_RULE, HOME_ZONE)


async def test_set_time_zone_without_a_rule(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A zone whose rule cannot be found is a translated error; nothing is sent."""
    without_zone_files(monkeypatch)

    with pytest.raises(ServiceValidationError) as err:
        await run_action(hass, "set_time_zone", init_integration.entry_id)

    assert err.value.translation_key == "unknown_time_zone"
    assert err.value.translation_placeholders == {"zone": HOME_ZONE}
    assert "set_zone" not in miner.commands
