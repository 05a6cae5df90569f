"""Import the power budget package without the integration (and Home Assistant) around it.

`custom_components/whatsminer/__init__.py` imports Home Assistant; the budget package imports
nothing from its parents, so empty parent packages stand in for them (as `driver_ours` does
for the client). A budget that did import Home Assistant would fail here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
import sys
import types
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]


def budget_api() -> Any:
    """Return the `custom_components.whatsminer.budget` package."""
    for name in ("custom_components", "custom_components.whatsminer"):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(REPO_ROOT.joinpath(*name.split(".")))]
            sys.modules[name] = package
    return importlib.import_module("custom_components.whatsminer.budget")
