"""Adding the miners of an address range: scan, progress, pick, one entry per miner.

Every scan reaches simulated miners over real TCP on loopback; the client is never mocked.
Addresses where nothing listens are taken above the simulator's part of its subnet
(.251-.254), which no simulator of this test process binds.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import json
import logging
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_IGNORE, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED, FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import scan
from custom_components.whatsminer.address_range import (
    MAX_ADDRESSES,
    RangeProblem,
    describe_addresses,
)
from custom_components.whatsminer.api import ApiGeneration, connect
from custom_components.whatsminer.const import CONF_IDENTITY, DOMAIN
from custom_components.whatsminer.naming import miner_name, readable_model
from custom_components.whatsminer.range_flow import (
    CONF_ADDRESSES,
    CONF_MINERS,
    SOURCE_RANGE_ADD,
    PickedMiner,
    RangeReport,
)
from custom_components.whatsminer.scan import (
    PROBE_CONCURRENCY,
    ProbeProblem,
    Reached,
    Scan,
    Unreached,
    probe,
)
from tests.simulator.fixtures import SIMULATOR_HOSTS, allow_simulator_sockets

from .conftest import entry_for
from .test_config_flow import dhcp_info

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from homeassistant.config_entries import ConfigFlowResult
    from homeassistant.core import Event, HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from custom_components.whatsminer.api import Identity, WhatsminerClient
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

PASSWORD = "s3cret"
FLOWS = "/api/config/config_entries/flow"
ABSENT = tuple(f"{SIMULATOR_HOSTS[0].rsplit('.', 1)[0]}.{octet}" for octet in range(251, 255))
QUIET_NET = "127.0.255"
"""A /24 where nothing listens: no simulator, bench or end-to-end test uses it."""
SILENT = tuple(f"{QUIET_NET}.{octet}" for octet in range(1, 11))
TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / "whatsminer" / "translations"
LANGUAGES = {
    language: json.loads((TRANSLATIONS / f"{language}.json").read_text())["config"]
    for language in ("en", "de")
}
STRINGS = LANGUAGES["en"]
PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


def render(message: str, values: Mapping[str, str]) -> str:
    """Format ``message`` the way the frontend does: each ``{name}`` by its value.

    The texts hold plain placeholders only (test_strings checks it), which the
    frontend's formatter fills in as written. A missing value fails.
    """
    return PLACEHOLDER.sub(lambda name: values[name[1]], message)


def shown(result: ConfigFlowResult, language: str = "en") -> str:
    """Return the description the frontend shows for ``result``, in ``language``."""
    texts = LANGUAGES[language]
    if result["type"] is FlowResultType.SHOW_PROGRESS:
        text = texts["progress"][result["progress_action"]]
    elif result["type"] is FlowResultType.ABORT:
        text = texts["abort"][result["reason"]]
    else:
        text = texts["step"][result["step_id"]]["description"]
    return render(text, result["description_placeholders"] or {})


def listed(key: str, *names: str, count: int | None = None, more: int = 0) -> dict[str, str]:
    """Return the placeholders of one list of the report: its count and its nested list."""
    items = [*names, *([f"… (+{more})"] if more else [])]
    return {
        key: str(len(names) if count is None else count),
        f"{key}_list": "".join(f"\n  - {item}" for item in items),
    }


def typed(hosts: Iterable[str]) -> str:
    """Return the addresses as a user types them, as short as the range form takes them."""
    return ", ".join(str(run) for run in describe_addresses(hosts))


@pytest.fixture
def absent(miner_factory: MinerFactory) -> tuple[str, ...]:
    """Return four addresses where nothing listens, and let the test connect to them."""
    allow_simulator_sockets(*ABSENT)
    return ABSENT


def assert_translated(result: ConfigFlowResult) -> None:
    """Each text the frontend shows for ``result`` exists, in each language, and renders."""
    for texts in LANGUAGES.values():
        if result["type"] is FlowResultType.FORM:
            step = texts["step"][result["step_id"]]
            schema = result["data_schema"]
            assert schema is not None
            assert set(step["data"]) == {str(key) for key in schema.schema}
            for text in (
                *step["data_description"].values(),
                *(texts["error"][error] for error in (result["errors"] or {}).values()),
            ):
                render(text, result["description_placeholders"] or {})
    for language in LANGUAGES:
        shown(result, language)


def uid(miner: SimulatedMiner) -> str:
    """Return the unique id the miner's entry gets."""
    return format_mac(miner.mac)


async def eventually(check: Callable[[], bool]) -> None:
    """Wait up to 5 s for ``check`` to hold (a simulated miner sees a close a bit later)."""
    for _ in range(250):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


async def range_form(hass: HomeAssistant) -> ConfigFlowResult:
    """Open "Add integration" and pick the address range: the form for the range."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "range"}
    )


async def start_scan(hass: HomeAssistant, hosts: Iterable[str]) -> ConfigFlowResult:
    """Submit the range form for ``hosts``: the scan's progress display."""
    result = await range_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_ADDRESSES: typed(hosts), CONF_PASSWORD: PASSWORD},
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "range_scan"
    assert result["progress_action"] == "range_scan"
    assert_translated(result)
    return result


async def scan_range(hass: HomeAssistant, hosts: Iterable[str]) -> ConfigFlowResult:
    """Run the range flow for ``hosts`` until the scan is done: the pick list (or abort)."""
    result = await start_scan(hass, hosts)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert_translated(result)
    return result


def offered(result: ConfigFlowResult) -> dict[str, str]:
    """Return the pick list's options: unique id to label."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "range_pick"
    schema = result["data_schema"]
    assert schema is not None
    (selector,) = schema.schema.values()
    assert selector.config["multiple"] is True
    return {option["value"]: option["label"] for option in selector.config["options"]}


async def pick(hass: HomeAssistant, result: ConfigFlowResult, *miners: str) -> ConfigFlowResult:
    """Submit the pick list with these unique ids."""
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MINERS: list(miners)}
    )


async def identity_of(miner: SimulatedMiner) -> Identity:
    """Read the miner's identity as the scan reads it."""
    client, identity = await connect(miner.host, miner.password)
    await client.close()
    return identity


async def test_range_flow_adds_the_picked_miners(
    hass: HomeAssistant, miner_factory: MinerFactory, absent: tuple[str, ...]
) -> None:
    """Twenty addresses: what answered is listed, what did not is named, picks are added.

    Sixteen miners (twelve plain, one on API v3, one with the write API off, one with
    another password, one already configured) and four addresses where nothing listens.
    """
    plain = [await miner_factory(password=PASSWORD) for _ in range(12)]
    v3 = await miner_factory(profile="m60_v3", password=PASSWORD)
    locked = await miner_factory(password=PASSWORD, api_switch=False)
    other = await miner_factory(password="other")
    known = await miner_factory(password=PASSWORD)
    known_entry = await entry_for(known)
    known_entry.add_to_hass(hass)
    miners = [*plain, v3, locked, other, known]
    hosts = [*(miner.host for miner in miners), *absent]
    progressed: list[Event] = []
    hass.bus.async_listen(EVENT_DATA_ENTRY_FLOW_PROGRESSED, progressed.append)

    result = await start_scan(hass, hosts)
    assert shown(result) == "Addresses scanned: 0 of 20. Miners that answered so far: 0."
    flow_id = result["flow_id"]
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert_translated(result)

    # The progress text was updated along the way (the frontend reloads on each event).
    assert len([event for event in progressed if event.data["flow_id"] == flow_id]) > 2
    options = offered(result)
    new = [*plain, v3, locked]
    assert list(options) == [uid(miner) for miner in new]
    v3_identity = await identity_of(v3)
    # The name the entry gets and a readable model, not the factory host name.
    assert options[uid(v3)] == (f"{miner_name(v3_identity)} · {v3.mac} · {v3.host} · API v3")
    assert options[uid(plain[0])].endswith(f" · {plain[0].mac} · {plain[0].host} · API v2")
    refused = f"M50 (VH50) · {other.mac} · {other.host}"
    assert result["description_placeholders"] == {
        "total": "20",
        "answered": "16",
        "new": "14",
        **listed("unverified", miner_name(await identity_of(locked))),
        **listed("configured", known_entry.title),
        **listed("refused", refused),
        **listed("silent", typed(absent), count=4),
        **listed("failed"),
    }
    assert shown(result) == (
        "Addresses scanned: 20. Miners that answered: 16.\n\n"
        "- New, listed below: 14. Each one you pick gets an entry of its own.\n"
        "- Write API switched off, so the password could not be checked: 1\n"
        f"  - {miner_name(await identity_of(locked))}\n"
        f"- Already configured, not offered again: 1\n  - {known_entry.title}\n"
        f"- Refused the password: 1\n  - {refused}\n"
        f"- Addresses where no miner answered: 4\n  - {typed(absent)}\n"
        "- Addresses that failed unexpectedly (see the log): 0"
    )

    picked = [*plain[2:], v3, locked]
    result = await pick(hass, result, *(uid(miner) for miner in picked))
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "range_added"
    assert_translated(result)
    assert result["description_placeholders"] == {
        "added": "12",
        "picked": "12",
        **listed("skipped"),
    }
    assert shown(result) == "Miners added: 12 of 12 picked."
    assert shown(result, "de") == "Hinzugefügte Miner: 12 von 12 ausgewählten."
    entries = {entry.unique_id: entry for entry in hass.config_entries.async_entries(DOMAIN)}
    assert set(entries) == {uid(miner) for miner in [*picked, known]}
    for miner in picked:
        entry = entries[uid(miner)]
        assert entry.source == SOURCE_RANGE_ADD
        assert entry.data[CONF_HOST] == miner.host
        assert entry.data[CONF_PASSWORD] == PASSWORD
        assert entry.data[CONF_IDENTITY]["mac"] == miner.mac
        assert entry.title == miner_name(await identity_of(miner))
    assert entries[uid(v3)].data[CONF_IDENTITY]["api_generation"] == ApiGeneration.V3.value
    assert entries[uid(v3)].title == miner_name(v3_identity)
    assert entries[uid(known)] is known_entry
    assert known_entry.data[CONF_HOST] == known.host
    assert hass.config_entries.flow.async_progress() == []


@pytest.mark.parametrize(
    ("text", "problem", "part"),
    [
        (" ,; ", RangeProblem.EMPTY, ""),
        ("127.0.0.2, miner.lan", RangeProblem.INVALID, "miner.lan"),
        ("127.0.0.60-127.0.0.10", RangeProblem.BACKWARDS, "127.0.0.60-127.0.0.10"),
        ("127.0.0.2 [::1]", RangeProblem.IPV6, "[::1]"),
        ("10.0.0.0/21", RangeProblem.TOO_LARGE, "10.0.0.0/21"),
        ("127.0.0.2, 8.8.8.8", RangeProblem.NOT_LOCAL, "8.8.8.8"),
    ],
)
async def test_range_form_errors(
    hass: HomeAssistant,
    absent: tuple[str, ...],
    text: str,
    problem: RangeProblem,
    part: str,
) -> None:
    """A range that cannot be scanned is refused, naming the part; a good one scans."""
    result = await range_form(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "range"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADDRESSES: text, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ADDRESSES: problem.value}
    assert_translated(result)
    assert result["description_placeholders"] == {"max": str(MAX_ADDRESSES), "part": part}
    error = render(STRINGS["error"][problem.value], result["description_placeholders"])
    assert part in error

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADDRESSES: absent[0], CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS


def test_every_range_problem_has_a_form_test() -> None:
    """The form test above covers every way a range is refused."""
    marks = test_range_form_errors.pytestmark  # type: ignore[attr-defined]
    (cases,) = (mark.args[1] for mark in marks if mark.name == "parametrize")
    assert {problem for _, problem, _ in cases} == set(RangeProblem)


async def test_nothing_to_add(
    hass: HomeAssistant, miner_factory: MinerFactory, absent: tuple[str, ...]
) -> None:
    """With nothing new to add the flow ends, and says what it found instead.

    Five configured miners make a long list: the first three names, then how many more.
    """
    known = [await miner_factory(password=PASSWORD) for _ in range(5)]
    titles = []
    for miner in known:
        entry = await entry_for(miner)
        entry.add_to_hass(hass)
        titles.append(entry.title)
    other = await miner_factory(password="other")

    result = await scan_range(hass, [*(miner.host for miner in known), other.host, *absent])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "range_nothing_to_add"
    refused = f"M50 (VH50) · {other.mac} · {other.host}"
    assert result["description_placeholders"] == {
        "total": "10",
        "answered": "6",
        "new": "0",
        **listed("unverified"),
        **listed("configured", *titles[:3], count=5, more=2),
        **listed("refused", refused),
        **listed("silent", typed(absent), count=4),
        **listed("failed"),
    }
    configured = "".join(f"\n  - {title}" for title in titles[:3])
    assert shown(result) == (
        "Nothing new to add. Addresses scanned: 10. Miners that answered: 6.\n\n"
        f"- Already configured: 5{configured}\n  - … (+2)\n"
        f"- Refused the password: 1\n  - {refused}\n"
        f"- Addresses where no miner answered: 4\n  - {typed(absent)}\n"
        "- Addresses that failed unexpectedly (see the log): 0"
    )
    assert shown(result, "de") == (
        "Nichts Neues hinzuzufügen. Durchsuchte Adressen: 10. Miner, die geantwortet haben:"
        " 6.\n\n"
        f"- Bereits eingerichtet: 5{configured}\n  - … (+2)\n"
        f"- Passwort abgelehnt: 1\n  - {refused}\n"
        f"- Adressen, unter denen kein Miner geantwortet hat: 4\n  - {typed(absent)}\n"
        "- Adressen mit unerwartetem Fehler (siehe Protokoll): 0"
    )
    assert len(hass.config_entries.async_entries(DOMAIN)) == 5


async def test_at_least_one_miner_must_be_picked(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """An empty pick is refused; the list stays, and a pick then adds."""
    miner = await miner_factory(password=PASSWORD)
    result = await start_scan(hass, [miner.host])
    assert shown(result) == "Addresses scanned: 0 of 1. Miners that answered so far: 0."
    assert shown(result, "de") == (
        "Durchsuchte Adressen: 0 von 1. Miner, die bisher geantwortet haben: 0."
    )
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert shown(result) == (
        "Addresses scanned: 1. Miners that answered: 1.\n\n"
        "- New, listed below: 1. Each one you pick gets an entry of its own.\n"
        "- Write API switched off, so the password could not be checked: 0\n"
        "- Already configured, not offered again: 0\n"
        "- Refused the password: 0\n"
        "- Addresses where no miner answered: 0\n"
        "- Addresses that failed unexpectedly (see the log): 0"
    )
    assert shown(result, "de").startswith(
        "Durchsuchte Adressen: 1. Miner, die geantwortet haben: 1.\n\n- Neu, unten aufgeführt: 1."
    )

    result = await pick(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MINERS: "range_none_picked"}
    assert_translated(result)

    result = await pick(hass, result, uid(miner))
    assert result["type"] is FlowResultType.ABORT
    assert result["description_placeholders"]["added"] == "1"
    assert shown(result) == "Miners added: 1 of 1 picked."


async def test_cancelling_the_scan_leaves_nothing_behind(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """Closing the dialog mid-scan stops the probes, and every connection is closed."""
    slow = await miner_factory(password=PASSWORD)
    v3 = await miner_factory(profile="m60_v3", password=PASSWORD)
    for miner in (slow, v3):
        miner.faults.delay = 2.0
    result = await start_scan(hass, [slow.host, v3.host])
    flow = hass.config_entries.flow._progress[result["flow_id"]]
    scan_task = flow._scan_task  # type: ignore[attr-defined]
    await eventually(lambda: v3.v3_open_connections == 1)  # a probe is waiting for a reply

    hass.config_entries.flow.async_abort(result["flow_id"])
    await asyncio.wait([scan_task])  # its probes close their clients on the way out

    assert scan_task.cancelled()
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert hass.config_entries.flow.async_progress() == []
    await eventually(lambda: v3.v3_open_connections == 0)


async def test_cancelling_at_the_pick_list_leaves_nothing_behind(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """Every probe closed its client; closing the dialog at the list adds nothing."""
    miner = await miner_factory(password=PASSWORD)
    v3 = await miner_factory(profile="m60_v3", password=PASSWORD)
    result = await scan_range(hass, [miner.host, v3.host])
    assert len(offered(result)) == 2
    await eventually(lambda: v3.v3_open_connections == 0)

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()

    assert hass.config_entries.async_entries(DOMAIN) == []
    assert hass.config_entries.flow.async_progress() == []


async def test_a_miner_discovered_by_dhcp_is_offered_once(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """A discovery waiting for its password ends when the scan adds its miner."""
    miner = await miner_factory(password=PASSWORD)
    other = await miner_factory(password=PASSWORD)
    discovery = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )
    assert discovery["step_id"] == "dhcp_confirm"

    result = await scan_range(hass, [miner.host, other.host])
    assert list(offered(result)) == [uid(miner), uid(other)]
    result = await pick(hass, result, uid(miner), uid(other))
    await hass.async_block_till_done()

    assert result["description_placeholders"]["added"] == "2"
    assert [entry.unique_id for entry in hass.config_entries.async_entries(DOMAIN)] == [
        uid(miner),
        uid(other),
    ]
    assert hass.config_entries.flow.async_progress() == []
    again = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"


async def test_a_miner_added_meanwhile_is_skipped(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """A miner added by its discovery while the list is open is not added twice."""
    miner = await miner_factory(password=PASSWORD)
    other = await miner_factory(password=PASSWORD)
    result = await scan_range(hass, [miner.host, other.host])

    discovery = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp_info(miner)
    )
    discovery = await hass.config_entries.flow.async_configure(
        discovery["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert discovery["type"] is FlowResultType.CREATE_ENTRY
    result = await pick(hass, result, uid(miner), uid(other))
    await hass.async_block_till_done()

    assert result["reason"] == "range_added_some_skipped"
    assert_translated(result)
    assert result["description_placeholders"] == {
        "added": "1",
        "picked": "2",
        **listed("skipped", miner_name(await identity_of(miner))),
    }
    assert shown(result) == (
        "Miners added: 1 of 2 picked.\n\n- Skipped, because they were added meanwhile (for"
        f" example from their discovery): 1\n  - {miner_name(await identity_of(miner))}"
    )
    sources = {entry.unique_id: entry.source for entry in hass.config_entries.async_entries(DOMAIN)}
    assert sources == {uid(miner): SOURCE_DHCP, uid(other): SOURCE_RANGE_ADD}


async def test_a_miner_at_two_addresses_is_offered_once(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """The same MAC answering twice is one miner, offered at its first address."""
    first = await miner_factory(password=PASSWORD)
    second = await miner_factory(password=PASSWORD, mac=first.mac)

    result = await scan_range(hass, [first.host, second.host])

    assert list(offered(result)) == [uid(first)]
    assert result["description_placeholders"]["answered"] == "1"
    assert first.host in offered(result)[uid(first)]


async def test_an_ignored_miner_is_offered_and_replaced(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """A miner whose discovery was ignored is offered; adding it replaces the ignore."""
    miner = await miner_factory(password=PASSWORD)
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=uid(miner)).add_to_hass(hass)

    result = await scan_range(hass, [miner.host])
    assert list(offered(result)) == [uid(miner)]
    result = await pick(hass, result, uid(miner))
    await hass.async_block_till_done()

    assert result["description_placeholders"]["added"] == "1"
    (entry,) = hass.config_entries.async_entries(DOMAIN, include_ignore=True)
    assert entry.source == SOURCE_RANGE_ADD


async def test_an_unexpected_error_is_listed(
    hass: HomeAssistant, miner_factory: MinerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """An address that fails in an unforeseen way is named, and the others still scan."""
    broken = await miner_factory(password=PASSWORD)
    miner = await miner_factory(password=PASSWORD)

    async def connect_unless_broken(
        host: str, password: str, **options: Any
    ) -> tuple[WhatsminerClient, Identity]:
        if host == broken.host:
            raise RuntimeError("boom")
        return await connect(host, password, **options)

    with patch.object(scan, "connect", connect_unless_broken):
        result = await scan_range(hass, [broken.host, miner.host])

    assert list(offered(result)) == [uid(miner)]
    assert result["description_placeholders"]["failed_list"] == f"\n  - {broken.host}"
    assert shown(result).endswith(
        f"- Addresses that failed unexpectedly (see the log): 1\n  - {broken.host}"
    )
    assert f"Unexpected error while connecting to {broken.host}" in caplog.text


async def test_twenty_miners_at_thirty_addresses(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """The pick step counts what happened: 20 answered, 2 of them refused the password.

    Eighteen miners take the password (ten M50, four M30S+, four M60S on API v3), two
    refuse it (shown with the model and MAC the scan learned), ten addresses are silent.
    """
    profiles = ["m50"] * 10 + ["m30_old"] * 4 + ["m60_v3"] * 4
    miners = [await miner_factory(profile=profile, password=PASSWORD) for profile in profiles]
    refused = [
        await miner_factory(profile=profile, password="other") for profile in ("m50", "m60_v3")
    ]
    allow_simulator_sockets(*SILENT)

    result = await scan_range(hass, [*(miner.host for miner in [*miners, *refused]), *SILENT])

    labels = list(offered(result).values())
    assert len(labels) == 18
    first = miners[0]
    name = f"M50 (VH50) {first.mac[-5:].replace(':', '')}"
    # The name starts with the model already, so the row does not repeat it.
    assert labels[0] == f"{name} · {first.mac} · {first.host} · API v2"
    assert labels[10].startswith("M30S+ (VE40) ")
    assert labels[14].startswith("M60S (VK40) ")
    refused_rows = [
        f"M50 (VH50) · {refused[0].mac} · {refused[0].host}",
        f"M60S (VK40) · {refused[1].mac} · {refused[1].host}",
    ]
    rows = "".join(f"\n  - {row}" for row in refused_rows)
    assert shown(result) == (
        "Addresses scanned: 30. Miners that answered: 20.\n\n"
        "- New, listed below: 18. Each one you pick gets an entry of its own.\n"
        "- Write API switched off, so the password could not be checked: 0\n"
        "- Already configured, not offered again: 0\n"
        f"- Refused the password: 2{rows}\n"
        f"- Addresses where no miner answered: 10\n  - {typed(SILENT)}\n"
        "- Addresses that failed unexpectedly (see the log): 0"
    )
    assert shown(result, "de") == (
        "Durchsuchte Adressen: 30. Miner, die geantwortet haben: 20.\n\n"
        "- Neu, unten aufgeführt: 18. Jeder ausgewählte Miner bekommt einen eigenen Eintrag.\n"
        "- Schreib-API ausgeschaltet, daher Passwort nicht geprüft: 0\n"
        "- Bereits eingerichtet, nicht erneut angeboten: 0\n"
        f"- Passwort abgelehnt: 2{rows}\n"
        f"- Adressen, unter denen kein Miner geantwortet hat: 10\n  - {typed(SILENT)}\n"
        "- Adressen mit unerwartetem Fehler (siehe Protokoll): 0"
    )


async def test_at_most_32_at_a_time_is_said_of_larger_scans(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """The progress text names the limit only when the scan has more addresses than it."""
    allow_simulator_sockets(*(f"{QUIET_NET}.{octet}" for octet in range(1, 34)))
    result = await range_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ADDRESSES: f"{QUIET_NET}.1-33", CONF_PASSWORD: PASSWORD}
    )

    assert result["progress_action"] == "range_scan_batched"
    assert_translated(result)
    assert shown(result).startswith("Addresses scanned: 0 of 33, at most 32 at a time. ")
    assert shown(result, "de").startswith(
        "Durchsuchte Adressen: 0 von 33, höchstens 32 gleichzeitig. "
    )
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_home_assistant_loads_the_german_texts_quietly(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant's translation loader takes the German range texts as they are.

    It compares a translation's placeholders with the English ones and logs an error
    (and may drop the text) where they differ.
    """
    texts = await async_get_translations(hass, "de", "config", {DOMAIN})

    prefix = f"component.{DOMAIN}.config"
    german = LANGUAGES["de"]
    keys = [
        *(f"progress.{key}" for key in german["progress"]),
        *(f"abort.{key}" for key in german["abort"] if key.startswith("range_")),
        "step.range_pick.description",
    ]
    for key in keys:
        section, *rest = key.split(".")
        text = german[section]
        for part in rest:
            text = text[part]
        assert texts[f"{prefix}.{key}"] == text
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_a_refusal_before_the_identity_is_listed_by_address() -> None:
    """A miner that refused the password before telling who it is counts, by its address."""
    report = RangeReport.sort(1, [Unreached("10.0.0.7", ProbeProblem.REFUSED)], {})

    assert report.placeholders() == {
        "total": "1",
        "answered": "1",
        "new": "0",
        **listed("unverified"),
        **listed("configured"),
        **listed("refused", "10.0.0.7"),
        **listed("silent"),
        **listed("failed"),
    }


def test_a_long_list_of_addresses_names_its_first_three_runs() -> None:
    """Silent addresses are named in runs: the first three, then how many addresses more."""
    hosts = ["10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.6", "10.0.0.8", "10.0.0.9"]
    outcomes = [Unreached(host, ProbeProblem.NO_ANSWER) for host in hosts]

    report = RangeReport.sort(len(hosts), outcomes, {})

    assert report.placeholders()["silent"] == "6"
    assert report.placeholders()["silent_list"] == (
        "\n  - 10.0.0.1-2\n  - 10.0.0.4\n  - 10.0.0.6\n  - … (+2)"
    )


@pytest.mark.parametrize(
    ("model", "readable"),
    [
        ("M50_VH50", "M50 (VH50)"),
        ("M30S+VE40", "M30S+ (VE40)"),
        ("M60S_VK40", "M60S (VK40)"),
        ("M30S++_V10", "M30S++ (V10)"),
        ("M50S+VH40", "M50S+ (VH40)"),
        (" M21S_V20 ", "M21S (V20)"),
        ("Antminer", "Antminer"),
        ("", "Whatsminer"),
        (None, "Whatsminer"),
    ],
)
def test_readable_model(model: str | None, readable: str) -> None:
    """The firmware's model word becomes model and hashboard version; others stay."""
    assert readable_model(model) == readable


async def test_range_flow_over_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, miner_factory: MinerFactory
) -> None:
    """Menu, range form, progress, pick list and cancel, as the frontend drives them."""
    assert await async_setup_component(hass, "config", {})
    api = await hass_client()
    miner = await miner_factory(password=PASSWORD)

    async def call(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        response = await api.request(method, url, json=body)
        assert response.status == HTTPStatus.OK, await response.text()
        return await response.json()

    result = await call("POST", FLOWS, {"handler": DOMAIN})
    assert result["type"] == "menu"
    assert result["menu_options"] == ["single", "range", "budget"]
    flow = f"{FLOWS}/{result['flow_id']}"
    result = await call("POST", flow, {"next_step_id": "range"})
    assert [field["name"] for field in result["data_schema"]] == [CONF_ADDRESSES, CONF_PASSWORD]
    result = await call("POST", flow, {CONF_ADDRESSES: miner.host, CONF_PASSWORD: PASSWORD})
    assert result["type"] == "progress"
    await hass.async_block_till_done()

    result = await call("GET", flow)
    assert result["step_id"] == "range_pick"
    (field,) = result["data_schema"]
    assert field["name"] == CONF_MINERS
    assert field["default"] == [uid(miner)]
    assert await call("DELETE", flow) == {"message": "Flow aborted"}
    assert hass.config_entries.async_entries(DOMAIN) == []

    result = await call("POST", FLOWS, {"handler": DOMAIN})
    flow = f"{FLOWS}/{result['flow_id']}"
    await call("POST", flow, {"next_step_id": "range"})
    await call("POST", flow, {CONF_ADDRESSES: miner.host, CONF_PASSWORD: PASSWORD})
    result = await call("GET", flow)  # the frontend fetching the flow mid-scan, or after it
    assert result["type"] in {"progress", "form"}
    await hass.async_block_till_done()
    result = await call("GET", flow)
    result = await call("POST", flow, {CONF_MINERS: [uid(miner)]})
    assert result["type"] == "abort"
    assert result["reason"] == "range_added"
    await hass.async_block_till_done()
    assert [entry.unique_id for entry in hass.config_entries.async_entries(DOMAIN)] == [uid(miner)]


async def test_a_scan_probes_at_most_32_addresses_at_once(miner_factory: MinerFactory) -> None:
    """Forty slow miners: 32 probes run at once, and every outcome keeps its address."""
    miners = [await miner_factory(password=PASSWORD) for _ in range(40)]
    for miner in miners:
        miner.faults.delay = 0.05
    scanner = Scan([miner.host for miner in miners], PASSWORD)

    outcomes = await scanner.run()

    assert PROBE_CONCURRENCY == 32
    assert scanner.peak == PROBE_CONCURRENCY
    assert [outcome.host for outcome in outcomes] == [miner.host for miner in miners]
    assert all(isinstance(outcome, Reached) and outcome.password_verified for outcome in outcomes)
    assert (scanner.probed, scanner.answered, scanner.finished) == (40, 40, True)
    await scanner.wait_for_progress(0)  # returns at once: the scan has ended


async def test_a_scan_follows_its_progress(miner_factory: MinerFactory) -> None:
    """Progress steps come as addresses are probed; the last one only when all are."""
    miners = [await miner_factory(password=PASSWORD) for _ in range(3)]
    scanner = Scan([miner.host for miner in miners], PASSWORD, concurrency=1)
    running = asyncio.create_task(scanner.run())

    await scanner.wait_for_progress(0)
    assert scanner.probed == 1
    assert not scanner.finished
    await scanner.wait_for_progress(2)
    assert scanner.finished
    assert len(await running) == 3


async def test_a_slow_miner_is_given_up(miner_factory: MinerFactory) -> None:
    """Short deadlines bound a probe: to answer, and to check the password."""
    slow = await miner_factory(password=PASSWORD)
    slow.faults.delay = 2.0
    assert await probe(slow.host, PASSWORD, answer_timeout=0.2) == Unreached(
        slow.host, ProbeProblem.NO_ANSWER
    )

    v3 = await miner_factory(profile="m60_v3", password=PASSWORD)
    assert await probe(v3.host, PASSWORD, password_timeout=0) == Unreached(
        v3.host, ProbeProblem.NO_ANSWER
    )
    await eventually(lambda: v3.v3_open_connections == 0)


async def test_a_pick_row_names_the_model_beside_a_name_of_its_own(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """A miner with a host name of its own: its row names the model too."""
    miner = await miner_factory(profile="m50", password=PASSWORD)
    miner.state.hostname = "garage"

    result = await scan_range(hass, [miner.host])

    assert list(offered(result).values()) == [
        f"garage · M50 (VH50) · {miner.mac} · {miner.host} · API v2"
    ]


def test_a_picked_miner_keeps_its_password_out_of_its_repr() -> None:
    """The password a range flow hands each child flow never shows in a dump."""
    picked = PickedMiner(reached=None, password="range-secret")  # type: ignore[arg-type]
    assert "range-secret" not in repr(picked)
