"""A tripwire: a Home Assistant usage report or deprecation caused by our code fails the test.

Home Assistant announces breaking changes a few releases ahead: as a log line from its frame
helper ("Detected that custom integration 'whatsminer' … This will stop working in Home
Assistant 2026.12.0"), as one from its deprecation helper, which deprecated constants,
functions and classes go through ("The deprecated constant X was used from whatsminer. It
will be removed in HA Core 2027.5.0 …", worded differently in older releases; without a
date it only names us), or as a ``DeprecationWarning``. All are easy to miss in a green run,
so every test phase (setup, call, teardown) is watched, and the phase that saw one fails with
the message. Registered for the whole suite in ``tests/conftest.py``; runs in both lanes.
"""

from __future__ import annotations

import logging
from pathlib import Path
import re
from typing import TYPE_CHECKING
import warnings

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator

OUR_PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "whatsminer"

# A frame-helper or deprecation-helper report naming us, and any line announcing a break in
# a later release.
_REPORT = re.compile(
    r"custom integration 'whatsminer'|deprecated.* from whatsminer\b|from whatsminer\b.*deprecated"
    r"|breaks_in_ha_version|will stop working|will be removed in HA Core",
    re.IGNORECASE,
)


class _ReportCatcher(logging.Handler):
    """Keep every warning or error log line that reads like a usage report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if _REPORT.search(text):
            self.reports.append(f"{record.name}: {text}")


def _is_ours(caught: warnings.WarningMessage) -> bool:
    """Whether a deprecation points at a line of the integration."""
    return issubclass(caught.category, DeprecationWarning | PendingDeprecationWarning) and (
        Path(caught.filename).resolve().is_relative_to(OUR_PACKAGE)
    )


def _watched() -> Generator[None, object, object]:
    """Run one test phase and fail it on a report or a deprecation of ours.

    Other warnings are passed on to pytest's own warning summary unchanged.
    """
    catcher = _ReportCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = yield
    finally:
        root.removeHandler(catcher)
    problems = list(catcher.reports)
    for warning in caught:
        if _is_ours(warning):
            where = f"{warning.filename}:{warning.lineno}"
            problems.append(f"{warning.category.__name__} at {where}: {warning.message}")
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    if problems:
        pytest.fail(
            "Home Assistant reported a deprecated use by this integration:\n" + "\n".join(problems),
            pytrace=False,
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    """Watch fixture setup (a hass fixture may set up the integration)."""
    return (yield from _watched())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Watch the test itself."""
    return (yield from _watched())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    """Watch teardown (unloading entries)."""
    return (yield from _watched())
