"""Write config/ for scripts/develop: the same layout the end-to-end tests run against.

Besides what the end-to-end tests get, the blueprints of this checkout are linked into
blueprints/automation/whatsminer/, so they are there to try without an import (and edits show
after a reload). One link per file: Home Assistant finds blueprints with `**/*.yaml`, which
does not descend into a linked folder.

Usage: python scripts/lib/develop_config.py CONFIG_DIR PORT
"""

import argparse
import os
from pathlib import Path

from tests.e2e.ha_config import REPO_ROOT, write_config

BLUEPRINTS = REPO_ROOT / "blueprints" / "automation" / "whatsminer"


def link_blueprints(config_dir: Path) -> None:
    """Link each blueprint into the config; drop links to blueprints that no longer exist."""
    folder = config_dir / "blueprints" / "automation" / "whatsminer"
    folder.mkdir(parents=True, exist_ok=True)
    for link in folder.iterdir():
        if link.is_symlink() and not link.exists():
            link.unlink()
    for blueprint in sorted(BLUEPRINTS.glob("*.yaml")):
        link = folder / blueprint.name
        target = Path(os.path.relpath(blueprint, folder))
        if link.is_symlink() and link.readlink() != target:
            link.unlink()
        if not link.exists():
            link.symlink_to(target)


def main() -> None:
    """Create or refresh the development config folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config_dir", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    write_config(args.config_dir, port=args.port, name="Whatsminer dev", writer="scripts/develop")
    link_blueprints(args.config_dir)


if __name__ == "__main__":
    main()
