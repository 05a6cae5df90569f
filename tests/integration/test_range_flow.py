"""Adding the miners of an address range: scan, progress, pick, one entry per miner.

Every scan reaches simulated miners over real TCP on loopback; the client is never mocked.
Addresses where nothing listens are taken above the simulator's part of its subnet
(.251-.254), which no simulator of this test process binds.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_IGNORE, SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED, FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer import scan
from custom_components.whatsminer.address_range import MAX_ADDRESSES, RangeProblem
from custom_components.whatsminer.api import ApiGeneration, connect
from custom_components.whatsminer.config_flow import (
    CONF_ADDRESSES,
    CONF_MINERS,
    NONE_LISTED,
    SOURCE_RANGE_ADD,
)
from custom_components.whatsminer.const import CONF_IDENTITY, DOMAIN
from custom_components.whatsminer.naming import miner_name
from custom_components.whatsminer.scan import (
    PROBE_CONCURRENCY,
    ProbeProblem,
    Reached,
    Scan,
    Unreached,
    describe_addresses,
    probe,
)
from tests.simulator.fixtures import SIMULATOR_HOSTS, allow_simulator_sockets

from .conftest import entry_for
from .test_config_flow import dhcp_info

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from homeassistant.config_entries import ConfigFlowResult
    from homeassistant.core import Event, HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from custom_components.whatsminer.api import Identity, WhatsminerClient
    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

PASSWORD = "s3cret"
FLOWS = "/api/config/config_entries/flow"
ABSENT = tuple(f"{SIMULATOR_HOSTS[0].rsplit('.', 1)[0]}.{octet}" for octet in range(251, 255))
STRINGS = json.loads(
    (Path(__file__).parents[2] / "custom_components" / "whatsminer" / "strings.json").read_text()
)["config"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def absent(miner_factory: MinerFactory) -> tuple[str, ...]:
    """Return four addresses where nothing listens, and let the test connect to them."""
    allow_simulator_sockets(*ABSENT)
    return ABSENT


def assert_translated(result: ConfigFlowResult) -> None:
    """Each text the frontend shows for ``result`` exists and gets all its placeholders."""
    if result["type"] is FlowResultType.SHOW_PROGRESS:
        texts = [STRINGS["progress"][result["progress_action"]]]
    elif result["type"] is FlowResultType.ABORT:
        texts = [STRINGS["abort"][result["reason"]]]
    else:
        step = STRINGS["step"][result["step_id"]]
        schema = result["data_schema"]
        assert schema is not None
        assert set(step["data"]) == {str(key) for key in schema.schema}
        texts = [
            step["description"],
            *step["data_description"].values(),
            *(STRINGS["error"][error] for error in (result["errors"] or {}).values()),
        ]
    placeholders = set(result["description_placeholders"] or {})
    for text in texts:
        assert set(PLACEHOLDER.findall(text)) <= placeholders, text


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
        {CONF_ADDRESSES: describe_addresses(hosts), CONF_PASSWORD: PASSWORD},
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
    assert result["description_placeholders"] == {"total": "20", "probed": "0", "found": "0"}
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
    v3_label = (v3_identity.model, v3_identity.hostname, v3.mac, v3.host, "API v3")
    assert options[uid(v3)] == " · ".join(part for part in v3_label if part)
    assert options[uid(plain[0])].endswith(f" · {plain[0].mac} · {plain[0].host} · API v2")
    assert result["description_placeholders"] == {
        "total": "20",
        "found": "15",
        "configured": f"{miner_name(await identity_of(known))} ({known.host})",
        "unverified": f"{miner_name(await identity_of(locked))} ({locked.host})",
        "refused": other.host,
        "unanswered": describe_addresses(absent),
        "failed": NONE_LISTED,
    }

    picked = [*plain[2:], v3, locked]
    result = await pick(hass, result, *(uid(miner) for miner in picked))
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "range_added"
    assert_translated(result)
    assert result["description_placeholders"] == {
        "added": "12",
        "picked": "12",
        "skipped": NONE_LISTED,
    }
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
        ("127.0.0.2-127.0.0.1", RangeProblem.INVALID, "127.0.0.2-127.0.0.1"),
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
    """With nothing new to add the flow ends, and says what it found instead."""
    known = await miner_factory(password=PASSWORD)
    (await entry_for(known)).add_to_hass(hass)
    other = await miner_factory(password="other")

    result = await scan_range(hass, [known.host, other.host, *absent])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "range_nothing_to_add"
    assert result["description_placeholders"] == {
        "total": "6",
        "found": "1",
        "configured": f"{miner_name(await identity_of(known))} ({known.host})",
        "unverified": NONE_LISTED,
        "refused": other.host,
        "unanswered": describe_addresses(absent),
        "failed": NONE_LISTED,
    }
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_at_least_one_miner_must_be_picked(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """An empty pick is refused; the list stays, and a pick then adds."""
    miner = await miner_factory(password=PASSWORD)
    result = await scan_range(hass, [miner.host])

    result = await pick(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MINERS: "range_none_picked"}
    assert_translated(result)

    result = await pick(hass, result, uid(miner))
    assert result["type"] is FlowResultType.ABORT
    assert result["description_placeholders"]["added"] == "1"


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

    assert result["description_placeholders"] == {
        "added": "1",
        "picked": "2",
        "skipped": f"{miner_name(await identity_of(miner))} ({miner.host})",
    }
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
    assert result["description_placeholders"]["found"] == "1"
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
    assert result["description_placeholders"]["failed"] == broken.host
    assert f"Unexpected error while connecting to {broken.host}" in caplog.text


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
    assert (scanner.probed, scanner.found, scanner.finished) == (40, 40, True)
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


@pytest.mark.parametrize(
    ("hosts", "described"),
    [
        ([], ""),
        (["10.0.0.7"], "10.0.0.7"),
        (["10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.9"], "10.0.0.1-3, 10.0.0.9"),
        (["10.0.0.255", "10.0.1.0"], "10.0.0.255-10.0.1.0"),
        (["fd00::2", "fd00::1", "10.0.0.1"], "10.0.0.1, fd00::1-fd00::2"),
    ],
)
def test_describe_addresses(hosts: list[str], described: str) -> None:
    """Addresses are listed as the range form takes them, consecutive ones as a range."""
    assert describe_addresses(hosts) == described
