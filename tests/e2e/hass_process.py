"""Run a real `hass` as a child process for the end-to-end tests.

A subprocess rather than the `hass` fixture: the point is to load the integration exactly
as a user's Home Assistant does (custom_components discovery, manifest requirements, the
frontend, the HTTP auth), which the in-process test harness replaces with shortcuts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# Home Assistant needs a few seconds to stop (it saves its stores and closes the recorder).
_STOP_TIMEOUT = 30.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HassProcess:
    """`python -m homeassistant -c CONFIG_DIR` in its own session, stopped by process group."""

    def __init__(self, config_dir: Path, *, apart_from_checkout: bool = False) -> None:
        """Prepare to run Home Assistant on an already written `config_dir`.

        `apart_from_checkout` runs it in `config_dir` without PYTHONPATH, so neither names
        the checkout's root (`-m` puts the working directory on sys.path), whose
        custom_components package would hide the config folder's other integrations from
        Home Assistant's loader. The tests leave it off: there the checkout's coverage
        configuration must reach the process.
        """
        self.config_dir = config_dir
        self._apart = apart_from_checkout
        self.console_log = config_dir / "console.log"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def log_file(self) -> Path:
        """Home Assistant's own log: everything its `logger:` config lets through."""
        return self.config_dir / "home-assistant.log"

    async def start(self) -> None:
        """Start the process; it comes up in the background (see HomeAssistantClient)."""
        with self.console_log.open("wb") as console:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(self.config_dir),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=console,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                cwd=self.config_dir if self._apart else None,
                env=(
                    {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
                    if self._apart
                    else None
                ),
            )

    @property
    def pid(self) -> int:
        """The process id of the running Home Assistant."""
        if self._process is None:
            raise RuntimeError("not started")
        return self._process.pid

    def alive(self) -> bool:
        """Return whether the process is still running."""
        return self._process is not None and self._process.returncode is None

    async def stop(self) -> int | None:
        """Stop the whole process group: SIGTERM, then SIGKILL if it hangs. Return the code."""
        if self._process is None:
            return None
        if self._process.returncode is None:
            self._signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._process.wait(), _STOP_TIMEOUT)
            except TimeoutError:
                self._signal(signal.SIGKILL)
                await self._process.wait()
        return self._process.returncode

    def _signal(self, signum: signal.Signals) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):
            # start_new_session made the child a group leader: its pid is the group id.
            os.killpg(self._process.pid, signum)

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of Home Assistant's log and console, for failure messages."""
        parts = []
        for path in (self.log_file, self.console_log):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(parts)
