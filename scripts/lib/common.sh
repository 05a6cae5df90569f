# shellcheck shell=bash
# Shared helpers for scripts/setup, scripts/test and the lane scripts.
# Sourced, never run: it defines paths and small functions, and changes nothing by itself.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${REPO_ROOT}/.venv"
REQUIREMENTS="${REPO_ROOT}/requirements"
# The newest lane's Debian root lives outside the repo so a fresh clone reuses it.
LANE_CACHE="${WHATSMINER_LANE_CACHE:-/var/cache/whatsminer-ha-lanes}"
LATEST_ROOT="${LANE_CACHE}/forky"
LATEST_VENV="/opt/whatsminer-venv"   # path inside the root

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# sha256 over the given files, used as a stamp: reinstall only when requirements change.
files_digest() { cat "$@" | sha256sum | cut -d' ' -f1; }

# Install Debian packages that are missing; apt-get update only when something is missing.
ensure_apt_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
