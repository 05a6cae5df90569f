"""The schema library of the running Home Assistant, as ``vol``.

Home Assistant 2026.x validates with probatio, a voluptuous-compatible engine, and
serializes config flow and repair forms with ``probatio.to_field_list``, which cannot
serialize a real ``voluptuous.Schema``: a form built with it fails to open in the UI.
Older releases (2025.x) have only voluptuous. Every schema of this integration (forms
and actions) is therefore built with the ``vol`` imported from here, never with
voluptuous directly.
"""

from __future__ import annotations

try:
    import probatio as vol  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - runs only on Home Assistant before probatio
    import voluptuous as vol  # type: ignore[no-redef,unused-ignore]

__all__ = ["vol"]
