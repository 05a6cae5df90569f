#!/usr/bin/env bash
# The checks of one lane, run from the repo root with that lane's Python first on PATH:
#   bash scripts/lib/checks.sh LANE [PYTEST ARGS...]
# Runs every step even after a failure, so one run reports everything, and exits non-zero
# if any step failed.
set -uo pipefail
lane="$1"
shift
pytest_args=("$@")
# The end-to-end tests start a real Home Assistant with its frontend and Chromium, which
# only the oldest lane installs.
[[ "$lane" == latest ]] && pytest_args=(-m "not e2e" "${pytest_args[@]}")

python - "$lane" <<'PY'
import sys
from homeassistant.const import __version__
print(f"lane {sys.argv[1]}: Python {sys.version.split()[0]}, Home Assistant {__version__}")
PY

# Each lane keeps its own coverage data: the lanes see the repo under different paths.
export COVERAGE_FILE=".coverage.${lane}"

status=0
step() {
  printf '\033[1m--> [%s] %s\033[0m\n' "$lane" "$*"
  "$@" || { echo "FAILED [$lane]: $*" >&2; status=1; }
}
step ruff check .
step ruff format --check .
step mypy
step python -m pytest -p no:cacheprovider "${pytest_args[@]}"
exit "$status"
