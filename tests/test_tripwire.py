"""The deprecation tripwire recognises the lines Home Assistant announces a break with.

The lines are handed to the tripwire's log handler directly, or logged to a logger that
does not pass them on: logged the ordinary way they would fail these tests themselves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.helpers.deprecation import DeprecatedConstant, check_if_deprecated_constant
import pytest

from tests.tripwire import _ReportCatcher

if TYPE_CHECKING:
    from collections.abc import Iterator

PROBE_LOGGER = "tests.tripwire_probe"
# Home Assistant tells who used a deprecated name by the path of the calling code.
PROBE_FILE = "/probe/custom_components/whatsminer/probe.py"


def _caught(message: str) -> list[str]:
    """Return what the tripwire keeps of one warning line."""
    catcher = _ReportCatcher()
    record = logging.LogRecord("homeassistant", logging.WARNING, __file__, 0, message, (), None)
    catcher.emit(record)
    return catcher.reports


FRAME_HELPER = (
    "Detected that custom integration 'whatsminer' calls something at "
    "custom_components/whatsminer/x.py, line 1: f(). This will stop working in Home "
    "Assistant 2099.1.0, please create a bug report at https://example.invalid"
)
# The deprecation helper's wording differs between Home Assistant releases.
DEPRECATED_NAME_NEWER = (
    "The deprecated function old_thing was called from whatsminer. Use new_thing "
    "instead, please create a bug report at https://example.invalid"
)
DEPRECATED_NAME_OLDER = (
    "old_thing was called from whatsminer, this is a deprecated function. Use new_thing "
    "instead, please create a bug report at https://example.invalid"
)
REMOVAL_NEWER = "The deprecated constant OLD was used. It will be removed in HA Core 2099.1.0."
REMOVAL_OLDER = "OLD is a deprecated constant which will be removed in HA Core 2099.1.0."


@pytest.mark.parametrize(
    "message",
    [FRAME_HELPER, DEPRECATED_NAME_NEWER, DEPRECATED_NAME_OLDER, REMOVAL_NEWER, REMOVAL_OLDER],
    ids=["frame-helper", "name-newer", "name-older", "removal-newer", "removal-older"],
)
def test_reports_are_caught(message: str) -> None:
    """Each form of report fails the test phase that logged it."""
    assert _caught(message) == [f"homeassistant: {message}"]


def test_other_warnings_pass() -> None:
    """A warning that announces no break and names us in no report is left alone."""
    assert _caught("The deprecated constant OLD was used from another_integration.") == []
    assert _caught("Data was read from whatsminer at 10.0.0.2") == []


@pytest.fixture
def probe_catcher() -> Iterator[_ReportCatcher]:
    """Catch the probe logger's lines, which do not reach the tripwire."""
    logger = logging.getLogger(PROBE_LOGGER)
    catcher = _ReportCatcher()
    logger.addHandler(catcher)
    logger.propagate = False
    yield catcher
    logger.propagate = True
    logger.removeHandler(catcher)


@pytest.mark.parametrize("removal", ["2099.1.0", None], ids=["dated", "undated"])
def test_this_home_assistants_deprecation_line_is_caught(
    probe_catcher: _ReportCatcher, removal: str | None
) -> None:
    """What this Home Assistant logs when our code reads a deprecated constant is caught."""
    module = {"__name__": PROBE_LOGGER, "_DEPRECATED_OLD": DeprecatedConstant(1, "NEW", removal)}
    namespace = {"check": check_if_deprecated_constant, "module": module}

    exec(compile("value = check('OLD', module)", PROBE_FILE, "exec"), namespace)  # noqa: S102

    assert namespace["value"] == 1
    assert len(probe_catcher.reports) == 1
    assert "OLD" in probe_catcher.reports[0]
