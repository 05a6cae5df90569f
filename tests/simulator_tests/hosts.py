"""Loopback addresses of the farm and CLI tests, outside the fixtures' 127.0.0.x range.

They are fixed per test process: 127.0.x.x alone, 127.(N+1).x.x in pytest-xdist worker gwN.
Two workers run tests of the same file at the same time, and a farm or CLI test of one
would otherwise find its addresses taken by the other's (EADDRINUSE).
"""

from __future__ import annotations

import os

from tests.simulator.farm import loopback_hosts


def _second_octet() -> int:
    """Return 0 outside xdist and N + 1 in worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        return int(worker[2:]) + 1
    return 0


FARM_FIRST_HOST = f"127.{_second_octet()}.2.2"
FARM_SIZE = 500
FARM_HOSTS = loopback_hosts(FARM_FIRST_HOST, FARM_SIZE)
CLI_FIRST_HOST = f"127.{_second_octet()}.4.2"
CLI_MINERS = 3
CLI_HOSTS = loopback_hosts(CLI_FIRST_HOST, CLI_MINERS)
