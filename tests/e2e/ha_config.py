"""Lay out a Home Assistant config folder that loads our integration from this checkout.

Shared by scripts/develop (config/ at the repo root) and the end-to-end tests (a temp
folder), so the test runs the same Home Assistant a developer looks at.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

REPO_ROOT = Path(__file__).resolve().parents[2]
INTEGRATION_DIR = REPO_ROOT / "custom_components" / "whatsminer"

# An explicit list instead of `default_config:`, which pulls in integrations (cloud, go2rtc,
# assist, bluetooth, ...) whose packages .venv does not have, so Home Assistant would
# pip-install them at start. `frontend` brings api, auth, config, onboarding, lovelace and the
# other integrations the UI needs; Home Assistant adds its always-on ones (person, backup, ...).
# `my` serves the my.home-assistant.io redirects, so the README's blueprint import badges open
# the import dialog instead of a 404.
# `homeassistant.util.package` logs at info so a runtime pip install shows up in the log as
# "Attempting install of ...": the end-to-end test fails on it.
_CONFIGURATION_YAML = """\
# Written by {writer} on every start: edits here are overwritten.
homeassistant:
  name: {name}
  unit_system: metric
  time_zone: UTC
  country: US
  currency: USD
  latitude: 0
  longitude: 0
  elevation: 0

http:
  server_host: 127.0.0.1
  server_port: {port}

frontend:
config:
history:
logbook:
energy:
my:

logger:
  default: warning
  logs:
    custom_components.whatsminer: {log_level}
    homeassistant.util.package: info
{extra}"""

# Onboarding's core_config step starts config flows for met, radio_browser, google_translate
# and shopping_list, which need packages .venv lacks and the internet. Marking those steps
# done before the first start leaves only the user step, which creates the owner.
_ONBOARDING_STORE = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def write_config(
    config_dir: Path,
    *,
    port: int,
    name: str,
    writer: str,
    log_level: str = "debug",
    extra_components: Mapping[str, Path] | None = None,
) -> None:
    """Create or refresh `config_dir` for a Home Assistant on 127.0.0.1:`port`.

    Rewrites configuration.yaml and the custom_components links every time (so a changed port
    takes effect), but seeds onboarding only in a folder Home Assistant has never run in.
    `log_level` is our integration's; `extra_components` (domain: folder) are linked beside
    it and set up from configuration.yaml (the farm benchmark's probe).
    """
    extra = dict(extra_components or {})
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(
        _CONFIGURATION_YAML.format(
            name=name,
            port=port,
            writer=writer,
            log_level=log_level,
            extra="".join(f"\n{domain}:\n" for domain in extra),
        )
    )

    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    for domain, folder in {"whatsminer": INTEGRATION_DIR, **extra}.items():
        _link(custom / domain, Path(os.path.relpath(folder, custom)))

    storage = config_dir / ".storage"
    if not storage.exists():
        storage.mkdir()
        (storage / "onboarding").write_text(json.dumps(_ONBOARDING_STORE))


def _link(link: Path, target: Path) -> None:
    """Point `link` at `target`, replacing a link that points elsewhere."""
    if link.is_symlink() and link.readlink() != target:
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)
