"""Many miners in one process, the command line, and the pytest fixtures."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import select
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.simulator import MinerFarm, SimulatedMiner
from tests.simulator.__main__ import main, parse_args
from tests.simulator.farm import loopback_hosts
from tests.simulator.fixtures import SIMULATOR_HOSTS, MinerFactory
from tests.simulator.identity import mac_for_host

from . import wire
from .hosts import CLI_FIRST_HOST, CLI_HOSTS, CLI_MINERS, FARM_FIRST_HOST, FARM_SIZE

REPO = Path(__file__).resolve().parents[2]


def test_loopback_hosts_skip_network_and_broadcast_octets() -> None:
    assert loopback_hosts("127.0.0.253", 4) == [
        "127.0.0.253",
        "127.0.0.254",
        "127.0.1.1",
        "127.0.1.2",
    ]
    with pytest.raises(ValueError, match="loopback"):
        loopback_hosts("127.255.255.254", 2)
    with pytest.raises(ValueError, match="loopback"):
        loopback_hosts("10.0.0.1", 1)


async def test_farm_of_500_miners_answers_on_every_address() -> None:
    # The Home Assistant plugin runs the loop in debug mode, which is ~6x slower for this
    # many connections; the test is about every address answering, not about asyncio checks.
    asyncio.get_running_loop().set_debug(False)
    farm = MinerFarm(FARM_SIZE, first_host=FARM_FIRST_HOST, profile="m50", password="pw")
    started = time.perf_counter()
    async with farm:
        startup = time.perf_counter() - started
        assert len(farm) == FARM_SIZE
        assert len(set(farm.hosts)) == FARM_SIZE
        assert farm[0].host == FARM_FIRST_HOST
        # Client and miners share one (debug-mode) event loop: ask 50 at a time.
        gate = asyncio.Semaphore(50)

        async def ask(host: str) -> dict[str, Any]:
            async with gate:
                return await wire.ask(host, {"cmd": "get_miner_info"})

        replies = await asyncio.gather(*(ask(miner.host) for miner in farm))
        assert [reply["Msg"]["mac"] for reply in replies] == [miner.mac for miner in farm]
        assert len({miner.mac for miner in farm}) == FARM_SIZE
        assert all(miner.commands == ["get_miner_info"] for miner in farm)
    assert startup < 5
    assert not any(miner.running for miner in farm)


async def test_v3_farm_serves_both_ports_and_frees_them_on_stop() -> None:
    for _ in range(2):  # the second round proves the ports were released
        async with MinerFarm(3, first_host=FARM_FIRST_HOST, profile="m60_v3") as farm:
            for miner in farm:
                conn = await wire.V3Connection.open(miner.host)
                assert (await conn.request({"cmd": "get.device.info"}))["code"] == 0
                await conn.close()
                assert (await wire.ask(miner.host, {"cmd": "status"}))["Code"] == 131


async def test_farm_start_fails_cleanly_when_an_address_is_taken() -> None:
    hosts = loopback_hosts(FARM_FIRST_HOST, 3)
    async with SimulatedMiner(hosts[1]):
        farm = MinerFarm(3, first_host=FARM_FIRST_HOST)
        with pytest.raises(OSError):  # noqa: PT011 - EADDRINUSE
            await farm.start()
        assert not any(miner.running for miner in farm)


def read_lines(process: subprocess.Popen[bytes], count: int, timeout: float) -> list[str]:
    """Read `count` lines from the process's stdout, failing after `timeout` seconds."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    output = b""
    deadline = time.monotonic() + timeout
    while output.count(b"\n") < count:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no more output after {output!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"the simulator exited after {output!r}"
        output += chunk
    return output.decode().splitlines()[:count]


def blocking_v2_request(host: str, payload: bytes) -> bytes:
    with socket.create_connection((host, 4028), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def blocking_v3_request(host: str, request: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(request).encode()
    with socket.create_connection((host, 4433), timeout=5) as sock:
        sock.sendall(len(body).to_bytes(4, "little") + body)
        reader = sock.makefile("rb")
        size = int.from_bytes(reader.read(4), "little")
        reply: dict[str, Any] = json.loads(reader.read(size))
        reader.close()
    return reply


def test_cli_prints_where_miners_listen_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "tests.simulator",
            "--miners",
            str(CLI_MINERS),
            "--profile",
            "m60_v3",
            "--password",
            "pw",
            "--first-host",
            CLI_FIRST_HOST,
            "--restart-seconds",
            "2",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )
    try:
        lines = read_lines(process, CLI_MINERS + 1, timeout=30)
        for host, line in zip(CLI_HOSTS, lines, strict=False):
            assert line.split()[:3] == [host, "v2=4028", "v3=4433"]
            assert "profile=m60_v3" in line
            assert "password=pw" in line
            assert f"mac={mac_for_host(host)}" in line
        assert lines[-1].startswith(f"{CLI_MINERS} simulated miner(s) running")
        for host in CLI_HOSTS:
            reply = json.loads(blocking_v2_request(host, b'{"cmd":"get_version"}'))
            assert reply["Msg"]["fw_ver"] == "20251209.16.Rel2"
            assert blocking_v3_request(host, {"cmd": "get.device.info"})["code"] == 0
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert stdout.decode().strip().endswith("stopped")


def test_cli_runs_for_a_duration_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--first-host", CLI_HOSTS[0], "--duration", "0.05", "--write-api", "off"]) == 0
    output = capsys.readouterr().out.splitlines()
    assert output[0].split()[:3] == [CLI_HOSTS[0], "v2=4028", "v3=-"]
    assert output[-1] == "stopped"


def test_cli_reports_an_address_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind((CLI_HOSTS[0], 4028))
        taken.listen()
        assert main(["--first-host", CLI_HOSTS[0], "--duration", "0.05"]) == 1
    assert "cannot start" in capsys.readouterr().err


def test_cli_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--miners", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--profile", "m99"])
    with pytest.raises(SystemExit):
        parse_args(["--first-host", "192.168.1.10"])
    options = parse_args([])
    assert (options.miners, options.profile, options.password) == (1, "m50", "admin")


# --- the fixtures ---


async def test_miner_fixture_is_a_started_m50(miner: SimulatedMiner) -> None:
    assert miner.running
    assert miner.host in SIMULATOR_HOSTS
    assert (miner.profile.name, miner.password, miner.state.api_switch) == ("m50", "admin", True)
    assert (await wire.V2Session(miner.host, "admin").run("status"))["Code"] == 131


async def test_factory_hands_out_fresh_addresses_and_skips_taken_ones(
    miner_factory: MinerFactory,
) -> None:
    first = await miner_factory(profile="m30_old", password="x")
    index = SIMULATOR_HOSTS.index(first.host)
    taken_host = SIMULATOR_HOSTS[(index + 1) % len(SIMULATOR_HOSTS)]
    async with SimulatedMiner(taken_host):
        second = await miner_factory(restart_seconds=1.5)
    assert second.host == SIMULATOR_HOSTS[(index + 2) % len(SIMULATOR_HOSTS)]
    assert (first.profile.name, first.password, second.restart_seconds) == ("m30_old", "x", 1.5)
    assert {first.running, second.running} == {True}
