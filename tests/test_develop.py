"""scripts/develop: what it writes, that it refuses a taken port, and that Ctrl-C stops it all.

The Ctrl-C test is the one a person hits in a real terminal with `scripts/develop 2>&1 | tee
develop.log`: the terminal sends SIGINT to develop and tee alike, tee is gone before develop
cleans up, and every write develop makes from then on goes into a closed pipe. Develop must
still stop Home Assistant and both simulators, which it started in sessions of their own.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import time
from typing import IO

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVELOP = REPO_ROOT / "scripts" / "develop"
# Past scripts/develop's default miners (127.0.1.2 and up) and the end-to-end tests' (.100-.199).
FIRST_HOST = "127.0.1.230"
# A cold first start of Home Assistant (database, frontend) on a small, busy machine.
START_TIMEOUT = 300.0
# Home Assistant gets 30 s to stop before develop kills it.
STOP_TIMEOUT = 60.0
READY_LINE = "Ctrl-C stops everything."


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


def _read_until(stream: IO[str], pattern: str, timeout: float) -> str:
    """Return what `stream` printed up to the first line matching `pattern`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    pytest.fail(f"no line matching {pattern!r} within {timeout} s:\n{''.join(seen)}")


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


@pytest.mark.e2e
def test_ctrl_c_behind_a_closed_pipe_stops_everything(tmp_path: Path, socket_enabled: None) -> None:
    """Interrupted as a terminal does it, with its pipe gone, develop leaves nothing running."""
    config = tmp_path / "config"
    port = _free_port()
    command = _develop(
        config, port, "--no-onboard", "--miners", "2", "--v3", "1", "--first-host", FIRST_HOST
    )
    develop = subprocess.Popen(  # noqa: S603 - our own script
        command,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's foreground job
    )
    groups: set[int] = set()
    try:
        assert develop.stdout is not None
        _read_until(develop.stdout, re.escape(READY_LINE), START_TIMEOUT)
        groups = _started_groups(develop.pid)
        assert len(groups) == 3  # two simulators and Home Assistant
        assert _listening("127.0.0.1", port)
        assert _listening(FIRST_HOST, 4028)

        second = _run_refused(tmp_path / "second", port)
        assert second.returncode == 1
        assert "already in use" in second.stderr

        develop.stdout.close()  # tee died of the same Ctrl-C
        os.killpg(develop.pid, signal.SIGINT)
        assert develop.wait(timeout=STOP_TIMEOUT) == 130
        left = {pid for pid, (_, group) in _process_stat().items() if group in groups}
    finally:
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
