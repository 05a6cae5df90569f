"""Write config/ for scripts/develop: the same layout the end-to-end tests run against.

Usage: python scripts/lib/develop_config.py CONFIG_DIR PORT
"""

import argparse
from pathlib import Path

from tests.e2e.ha_config import write_config


def main() -> None:
    """Create or refresh the development config folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config_dir", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    write_config(args.config_dir, port=args.port, name="Whatsminer dev", writer="scripts/develop")


if __name__ == "__main__":
    main()
