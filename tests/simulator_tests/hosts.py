"""Fixed loopback addresses of the farm and CLI tests, outside the fixtures' 127.0.0.x range."""

from __future__ import annotations

from tests.simulator.farm import loopback_hosts

FARM_FIRST_HOST = "127.0.2.2"
FARM_SIZE = 500
FARM_HOSTS = loopback_hosts(FARM_FIRST_HOST, FARM_SIZE)
CLI_FIRST_HOST = "127.0.4.2"
CLI_MINERS = 3
CLI_HOSTS = loopback_hosts(CLI_FIRST_HOST, CLI_MINERS)
