"""JSON lines between the benchmark and its child processes: one request, one reply.

Why pipes and JSON: the children run in two different virtual environments (pyasic's is not
the integration's), so they share nothing but the standard library. One outstanding request
at a time keeps each child idle while another is measured. A child's stdout carries only
replies; whatever a library prints goes to its log file instead, so it cannot corrupt them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
import traceback
from typing import IO, TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

type Message = dict[str, Any]

QUIT_TIMEOUT_S = 10.0
LOG_TAIL_CHARS = 3000


class ChildError(RuntimeError):
    """A child process failed, answered with an error, or did not answer in time."""


class Child:
    """A child process spoken to in JSON lines; ended on `close`, however the run ends."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], log_path: Path, deadline: float
    ) -> None:
        """Start the process; its stderr (and anything it prints) goes to `log_path`.

        `deadline` (on `time.monotonic`) bounds every request, so a hung child cannot hold
        the run past the time it was given.
        """
        self.name = name
        self.deadline = deadline
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self._buffer = b""
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreters and modules
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env
        )

    def __enter__(self) -> Self:
        """Use as a context manager so the process ends with the block."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """End the process."""
        self.close()

    def request(self, op: str, timeout: float = 120.0, **fields: Any) -> Message:
        """Send one request and return its reply; raise `ChildError` on failure or timeout."""
        stdin = self.process.stdin
        if stdin is None or self.process.poll() is not None:
            raise ChildError(f"{self.name} is not running{self.log_tail()}")
        try:
            stdin.write(json.dumps({"op": op, **fields}).encode() + b"\n")
            stdin.flush()
        except OSError as error:
            raise ChildError(f"{self.name}: cannot send {op!r}: {error}{self.log_tail()}") from None
        deadline = min(time.monotonic() + timeout, self.deadline)
        reply: Message = json.loads(self._read_line(deadline, op))
        if not reply.get("ok"):
            raise ChildError(f"{self.name}: {op!r} failed: {reply.get('error')}{self.log_tail()}")
        return reply

    def _read_line(self, deadline: float, op: str) -> bytes:
        stdout = self.process.stdout
        if stdout is None:
            raise ChildError(f"{self.name} has no output pipe")
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChildError(f"{self.name}: no answer to {op!r} in time{self.log_tail()}")
                if not selector.select(remaining):
                    continue
                chunk = os.read(stdout.fileno(), 1 << 20)
                if not chunk:
                    raise ChildError(f"{self.name} ended during {op!r}{self.log_tail()}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def log_tail(self) -> str:
        """Return the end of the child's log, to quote in an error."""
        self._log.flush()
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
            if text.strip():
                return f"\n--- end of {self.log_path} ---\n{text}"
        return ""

    def close(self) -> None:
        """Ask the child to quit; kill it (this process only) if it does not in time."""
        if self.process.poll() is None:
            with contextlib.suppress(ChildError, OSError, ValueError):
                self.request("quit", timeout=QUIT_TIMEOUT_S)
            try:
                self.process.wait(timeout=QUIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._log.close()


def _reply_stream() -> IO[str]:
    """Take stdout for replies and send everything else printed there to stderr."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return replies


def _answer(replies: IO[str], reply: Message) -> None:
    replies.write(json.dumps(reply) + "\n")
    replies.flush()


def _failure(request: Message) -> Message:
    traceback.print_exc(file=sys.stderr)
    error = sys.exception()
    return {"ok": False, "error": f"{request.get('op')}: {type(error).__name__}: {error}"}


def serve(handle: Callable[[Message], Message]) -> None:
    """Answer requests from stdin until `quit` or end of input (the parent is gone)."""
    replies = _reply_stream()
    for line in sys.stdin:
        request: Message = json.loads(line)
        if request.get("op") == "quit":
            _answer(replies, {"ok": True})
            return
        try:
            reply = {"ok": True, **handle(request)}
        except Exception:  # noqa: BLE001 - reported to the parent, which decides
            reply = _failure(request)
        _answer(replies, reply)


async def serve_async(handle: Callable[[Message], Awaitable[Message]]) -> None:
    """As `serve`, reading stdin without blocking the running event loop."""
    replies = _reply_stream()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        request: Message = json.loads(line)
        if request.get("op") == "quit":
            _answer(replies, {"ok": True})
            return
        try:
            reply = {"ok": True, **await handle(request)}
        except Exception:  # noqa: BLE001 - reported to the parent, which decides
            reply = _failure(request)
        _answer(replies, reply)
