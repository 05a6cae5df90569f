"""Write config/ for scripts/develop: the same layout the end-to-end tests run against.

Besides what the end-to-end tests get, the blueprints of this checkout are linked into
blueprints/automation/whatsminer/, so they are there to try without an import (and edits show
after a reload). One link per file: Home Assistant finds blueprints with `**/*.yaml`, which
does not descend into a linked folder.

With --plug-host, configuration.yaml also gets the smart plug in front of the miner on that
address (develop_plug.py), switched through the simulator's control endpoint on --plug-port.

Usage: python scripts/lib/develop_config.py CONFIG_DIR PORT [--plug-host HOST --plug-port PORT]
"""

import argparse
import os
from pathlib import Path

from scripts.lib.develop_plug import plug_yaml
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
    parser.add_argument("--plug-host")
    parser.add_argument("--plug-port", type=int)
    args = parser.parse_args()
    if args.plug_host and args.plug_port is None:
        parser.error("--plug-host needs --plug-port")
    write_config(args.config_dir, port=args.port, name="Whatsminer dev", writer="scripts/develop")
    if args.plug_host:
        with (args.config_dir / "configuration.yaml").open("a") as configuration:
            configuration.write(plug_yaml(args.plug_host, args.plug_port))
    link_blueprints(args.config_dir)


if __name__ == "__main__":
    main()
