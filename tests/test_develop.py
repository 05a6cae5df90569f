"""scripts/develop: what it writes, its budget, its smart plug, a taken port refused, Ctrl-C.

The smart plug is checked without starting Home Assistant: the configuration.yaml part develop
writes, loaded into the test's Home Assistant against a simulated miner and the simulator's plug
control endpoint, and the options develop answers the miner's options flow with.

The Ctrl-C test is the one a person hits in a real terminal with `scripts/develop 2>&1 | tee
develop.log`: the terminal sends SIGINT to develop and tee alike, tee is gone before develop
cleans up, and every write develop makes from then on goes into a closed pipe. Develop must
still stop Home Assistant and both simulators, which it started in sessions of their own.
The same holds with stdout a file or a terminal. The test needs no stdin (CI) and starts a real
Home Assistant, hence e2e; a cold start takes seconds, the stop as long as hass takes to stop.
"""

from __future__ import annotations

import os
from pathlib import Path
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_SCAN_INTERVAL,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
import yaml

from custom_components.whatsminer import const
from scripts.lib import develop_plug
from scripts.lib.develop_budget import budget_members, existing_budgets, fixed_budget
from scripts.lib.develop_plug import PLUG_STATE, PLUG_SWITCH, add_plug, miner_entry, plug_yaml
from tests.e2e.ha_api import HomeAssistantClient, Tokens
from tests.integration.conftest import entry_for
from tests.integration.entity_ids import entity_id
from tests.simulator.control import PlugControl

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.simulator import SimulatedMiner

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVELOP = REPO_ROOT / "scripts" / "develop"
# Past scripts/develop's default miners (127.0.1.2 and up) and the end-to-end tests' (.100-.199).
FIRST_HOST = "127.0.1.230"
# A cold first start of Home Assistant (database, frontend) on a small, busy machine.
START_TIMEOUT = 300.0
# Home Assistant gets 30 s to stop before develop kills it.
STOP_TIMEOUT = 60.0
READY_LINE = "Ctrl-C stops everything."
# Where the simulator serves the plug of develop's first miner (PLUG_PORT in scripts/develop).
PLUG_PORT = 8080


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _develop(config_dir: Path, port: int, *options: str) -> list[str]:
    """Return the command line of a develop run that leaves config/ and the venv alone."""
    return [
        str(DEVELOP),
        "--no-setup",
        "--config",
        str(config_dir),
        "--port",
        str(port),
        *options,
    ]


def _environment() -> dict[str, str]:
    """Put this interpreter's venv first on PATH, as scripts/develop expects after setup."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path}


def _run_refused(config_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    """Run a develop that should stop at once, without stdin as in CI."""
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        _develop(config_dir, port, "--miners", "0"),
        env=_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def _process_stat() -> dict[int, tuple[int, int]]:
    """Every live process: pid -> (parent pid, process group)."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces; the fields after it do not.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            processes[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return processes


def _started_groups(develop_pid: int) -> set[int]:
    """Return the process groups develop started: its children that lead a group."""
    return {
        pid
        for pid, (parent, group) in _process_stat().items()
        if parent == develop_pid and group == pid
    }


def test_config_has_the_blueprints_and_my(tmp_path: Path) -> None:
    """Develop's config links every blueprint of the checkout and serves the import badges."""
    config = tmp_path / "config"
    for _ in range(2):  # a second start finds its own links and keeps them
        subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, "scripts/lib/develop_config.py", str(config), "8999"],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            check=True,
        )

    installed = config / "blueprints" / "automation" / "whatsminer"
    shipped = sorted(
        path.name for path in (REPO_ROOT / "blueprints/automation/whatsminer").iterdir()
    )
    assert sorted(path.name for path in installed.iterdir()) == shipped
    for name in shipped:
        assert (installed / name).read_text() == (
            REPO_ROOT / "blueprints/automation/whatsminer" / name
        ).read_text()
    assert "\nmy:\n" in (config / "configuration.yaml").read_text()


def test_the_budget_takes_the_loaded_miners_once() -> None:
    """Develop's budget goes over every loaded miner; a budget's device means it is there."""
    devices = [
        {"identifiers": [["whatsminer", "c6:07:20:00:01:28"]]},
        {"identifiers": [["whatsminer", "budget_B1"]]},
        {"identifiers": [["backup", "budget_X"]]},
    ]
    entries = [
        {"entry_id": "M1", "domain": "whatsminer", "state": "loaded"},
        {"entry_id": "M2", "domain": "whatsminer", "state": "setup_retry"},
        {"entry_id": "B1", "domain": "whatsminer", "state": "loaded"},
        {"entry_id": "X", "domain": "backup", "state": "loaded"},
    ]

    assert existing_budgets(devices) == {"B1"}
    assert existing_budgets(devices[:1]) == set()
    assert budget_members(entries, {"B1"}) == ["M1"]
    assert [fixed_budget(count) for count in (1, 2, 3)] == [3000, 3000, 6000]


def _develop_config(config: Path, *options: str) -> dict[str, Any]:
    """Write config/ as develop does and return its configuration.yaml."""
    subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "scripts/lib/develop_config.py", str(config), "8999", *options],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=True,
    )
    configuration: dict[str, Any] = yaml.safe_load((config / "configuration.yaml").read_text())
    return configuration


def test_config_puts_the_plug_in_front_of_the_first_miner(tmp_path: Path) -> None:
    """The plug's switch calls the control endpoint on the miner's address, then its boolean."""
    plain = _develop_config(tmp_path / "plain")
    config = _develop_config(tmp_path / "config", "--plug-host", "127.0.1.2", "--plug-port", "8080")

    assert not {"input_boolean", "rest_command", "template"} & plain.keys()
    assert config["http"] == plain["http"]
    # Powered at every start, as the simulated miner starts.
    assert config["input_boolean"]["miner_plug"]["initial"] is True
    assert config["rest_command"] == {
        "miner_plug_on": {"url": "http://127.0.1.2:8080/miners/127.0.1.2/plug", "method": "post"},
        "miner_plug_off": {
            "url": "http://127.0.1.2:8080/miners/127.0.1.2/unplug",
            "method": "post",
        },
    }
    (switch,) = config["template"][0]["switch"]
    assert switch["name"] == "Miner plug"
    assert switch["state"] == "{{ is_state('input_boolean.miner_plug', 'on') }}"
    # The miner first, so a control endpoint that does not answer leaves the switch as it was.
    assert [action["action"] for action in switch["turn_on"]] == [
        "rest_command.miner_plug_on",
        "input_boolean.turn_on",
    ]
    assert [action["action"] for action in switch["turn_off"]] == [
        "rest_command.miner_plug_off",
        "input_boolean.turn_off",
    ]


async def _set_up_plug(hass: HomeAssistant, host: str, port: int) -> None:
    """Load the plug's part of develop's configuration.yaml into the test's Home Assistant."""
    config = yaml.safe_load(plug_yaml(host, port))
    for domain in ("input_boolean", "rest_command", "template"):
        assert await async_setup_component(hass, domain, {domain: config[domain]})
    await hass.async_block_till_done()


async def _switch_plug(hass: HomeAssistant, *, on: bool) -> str:
    """Switch the plug as its toggle in the UI does; return its state afterwards."""
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: PLUG_SWITCH},
        blocking=True,
    )
    await hass.async_block_till_done()
    state = hass.states.get(PLUG_SWITCH)
    assert state is not None
    return state.state


async def test_the_plug_unplugs_and_plugs_the_simulated_miner(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """Off: the miner's ports close; on: it answers again; no endpoint: the switch stays."""
    async with PlugControl([miner], miner.host, 0) as control:
        await _set_up_plug(hass, miner.host, control.port)
        plug = hass.states.get(PLUG_SWITCH)
        assert plug is not None
        assert (plug.name, plug.state) == ("Miner plug", STATE_ON)

        assert await _switch_plug(hass, on=False) == STATE_OFF
        assert (miner.unplugged, miner.listening) == (True, False)
        assert await _switch_plug(hass, on=True) == STATE_ON
        assert (miner.unplugged, miner.listening) == (False, True)  # boots at once here

    with pytest.raises(HomeAssistantError):
        await _switch_plug(hass, on=False)
    assert hass.states.is_state(PLUG_SWITCH, STATE_ON)
    assert hass.states.is_state(PLUG_STATE, STATE_ON)
    assert not miner.unplugged


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_the_plug_becomes_the_miners_power_switch(
    hass: HomeAssistant, miner: SimulatedMiner, hass_client: ClientSessionGenerator
) -> None:
    """Develop answers the miner's options flow over the REST API, once; then the plug works."""
    assert (develop_plug.CONF_POWER_SWITCH, develop_plug.CONF_BOOT_TIMEOUT) == (
        const.CONF_POWER_SWITCH,
        const.CONF_BOOT_TIMEOUT,
    )
    assert const.MIN_BOOT_TIMEOUT <= develop_plug.BOOT_TIMEOUT <= const.MAX_BOOT_TIMEOUT
    for api in ("config", "websocket_api"):
        assert await async_setup_component(hass, api, {})
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    http = await hass_client()
    client = HomeAssistantClient(http.session, str(http.make_url("")).rstrip("/"))
    client.tokens = Tokens(http.session.headers["Authorization"].removeprefix("Bearer "), "", 0)

    async with PlugControl([miner], miner.host, 0) as control:
        await _set_up_plug(hass, miner.host, control.port)
        await add_plug(client, "127.0.0.254")  # no such miner: nothing changes
        assert entry.options == {}
        await add_plug(client, miner.host)
        assert entry.options == {
            CONF_SCAN_INTERVAL: const.DEFAULT_SCAN_INTERVAL,
            const.CONF_WARM_UP: False,
            const.CONF_POWER_SWITCH: PLUG_SWITCH,
            const.CONF_BOOT_TIMEOUT: develop_plug.BOOT_TIMEOUT,
        }
        # A later start leaves a power switch that is there alone, and no flow open.
        hass.config_entries.async_update_entry(
            entry, options={**entry.options, const.CONF_BOOT_TIMEOUT: 600}
        )
        await add_plug(client, miner.host)
        assert entry.options[const.CONF_BOOT_TIMEOUT] == 600
        assert not hass.config_entries.options.async_progress()

        status = entity_id(hass, miner, "sensor", "status")
        assert hass.states.is_state(status, "mining")
        connections = miner.connections_accepted
        assert await _switch_plug(hass, on=False) == STATE_OFF
        assert hass.states.is_state(status, "off")
        assert miner.unplugged
        assert miner.connections_accepted == connections


def test_the_plugged_miner_is_found_by_its_mac() -> None:
    """The websocket's device list names the miner's entry under the simulator's MAC."""
    devices = [
        {"identifiers": [["whatsminer", "budget_B1"]], "config_entries": ["B1"]},
        {
            "identifiers": [["whatsminer", "c6:07:20:00:01:02"]],
            "config_entries": ["M1"],
            "primary_config_entry": "M1",
        },
    ]
    assert miner_entry(devices, "127.0.1.2") == "M1"
    assert miner_entry(devices, "127.0.1.3") is None


def test_a_taken_port_is_refused_before_anything_starts(
    tmp_path: Path, socket_enabled: None
) -> None:
    """A second develop on a port in use says so and exits non-zero, writing nothing."""
    config = tmp_path / "config"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _run_refused(config, port)

    assert result.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "another scripts/develop" in result.stderr
    assert not config.exists()


class _Output:
    """Where develop's stdout and stderr go, and how the test reads them.

    A pipe (closed before the interrupt, as `| tee` is by the same Ctrl-C), a file, or a
    pseudo-terminal. The interrupt itself is what a terminal sends: SIGINT to the process group.
    """

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self._read_fd = -1
        if kind == "file":
            log = folder / "develop.log"
            self.target = os.open(log, os.O_WRONLY | os.O_CREAT, 0o600)
            self._read_fd = os.open(log, os.O_RDONLY)
        elif kind == "terminal":
            self._read_fd, self.target = pty.openpty()
        else:
            self._read_fd, self.target = os.pipe()

    def started(self) -> None:
        """Close the writing end the child has its own copy of."""
        os.close(self.target)

    def read(self) -> bytes:
        """Return what arrived within a moment, or nothing."""
        if self.kind == "file":
            time.sleep(0.1)
            return os.read(self._read_fd, 65536)
        if not select.select([self._read_fd], [], [], 0.1)[0]:
            return b""
        try:
            return os.read(self._read_fd, 65536)
        except OSError:  # a terminal whose other side is gone
            return b""

    def close(self) -> None:
        """Stop reading; for the pipe, this is tee dying."""
        if self._read_fd >= 0:
            os.close(self._read_fd)
            self._read_fd = -1


def _wait_ready(develop: subprocess.Popen[bytes], output: _Output) -> None:
    seen = b""
    deadline = time.monotonic() + START_TIMEOUT
    while READY_LINE.encode() not in seen:
        if develop.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"develop did not get ready:\n{seen.decode(errors='replace')}")
        seen += output.read()


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["closed pipe", "file", "terminal"])
def test_ctrl_c_stops_everything(tmp_path: Path, kind: str, socket_enabled: None) -> None:
    """Interrupted as a terminal does it, develop leaves nothing running, whatever stdout is."""
    port = _free_port()
    command = _develop(
        tmp_path / "config",
        port,
        *("--no-onboard", "--miners", "2", "--v3", "1", "--first-host", FIRST_HOST),
    )
    output = _Output(kind, tmp_path)
    develop = subprocess.Popen(  # noqa: S603 - our own script
        command,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        stdout=output.target,
        stderr=output.target,
        start_new_session=True,  # a process group of its own, as a terminal's foreground job
    )
    output.started()
    groups: set[int] = set()
    try:
        _wait_ready(develop, output)
        groups = _started_groups(develop.pid)
        assert len(groups) == 3  # two simulators and Home Assistant
        assert _listening("127.0.0.1", port)
        assert _listening(FIRST_HOST, 4028)
        assert _listening(FIRST_HOST, PLUG_PORT)

        second = _run_refused(tmp_path / "second", port)
        assert second.returncode == 1
        assert "already in use" in second.stderr

        if kind == "closed pipe":
            output.close()
        os.killpg(develop.pid, signal.SIGINT)
        assert develop.wait(timeout=STOP_TIMEOUT) == 130
        left = {pid for pid, (_, group) in _process_stat().items() if group in groups}
    finally:
        output.close()
        if develop.poll() is None:
            os.killpg(develop.pid, signal.SIGKILL)
            develop.wait()
        for group in groups:  # whatever the assertions said, leave nothing behind
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                continue

    assert not left
    assert not _listening("127.0.0.1", port)
    assert not _listening(FIRST_HOST, 4028)
    assert not _listening(FIRST_HOST, PLUG_PORT)
