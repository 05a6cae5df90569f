"""Fixtures and plugins shared by every test folder.

* simulated miners on loopback addresses (``tests.simulator.fixtures``);
* the deprecation tripwire (``tests.tripwire``): a usage report or deprecation that our
  code triggers fails the test that triggered it.
"""

pytest_plugins = ["tests.simulator.fixtures", "tests.tripwire"]
