"""Fixtures, plugins and settings shared by every test folder.

* simulated miners on loopback addresses (``tests.simulator.fixtures``);
* the deprecation tripwire (``tests.tripwire``): a usage report or deprecation that our
  code triggers fails the test that triggered it;
* the Hypothesis profiles of the property tests (in tests/api and tests/integration), loaded
  here so that a run of one folder or file uses them too. Property tests run 300 examples
  each with a fresh seed, so local runs keep exploring, and without a deadline, so a busy
  machine cannot fail them on time. With ``CI=true`` the seed is fixed (``derandomize``), so
  CI tests the same examples every time; ``HYPOTHESIS_PROFILE=thorough`` runs 10,000
  examples each for a deep search.
"""

import os

from hypothesis import settings

pytest_plugins = ["tests.simulator.fixtures", "tests.tripwire"]

settings.register_profile("dev", max_examples=300, deadline=None)
settings.register_profile("ci", settings.get_profile("dev"), derandomize=True, database=None)
settings.register_profile("thorough", settings.get_profile("dev"), max_examples=10_000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)
