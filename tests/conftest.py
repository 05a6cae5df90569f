"""Fixtures shared by every test folder: simulated miners on loopback addresses."""

pytest_plugins = ["tests.simulator.fixtures"]
