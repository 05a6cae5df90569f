# shellcheck shell=bash
# The oldest supported lane: a Python >=3.13 venv at .venv with Home Assistant 2025.4.x,
# plus what a real `hass` run needs (frontend, browser driver) for scripts/develop and the
# end-to-end tests.

# The newest Python >= 3.13 on this machine: PATH first, then pyenv's installs.
find_python() {
  local candidates=() best="" best_version="" cand version
  local name
  for name in python3.14 python3.13 python3; do
    command -v "$name" >/dev/null && candidates+=("$(command -v "$name")")
  done
  for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3; do
    [[ -x "$cand" ]] && candidates+=("$cand")
  done
  for cand in "${candidates[@]}"; do
    version="$("$cand" -c 'import sys; print("%d.%03d.%03d" % sys.version_info[:3])' 2>/dev/null)" || continue
    [[ "$version" < "3.013.000" ]] && continue
    if [[ -z "$best_version" || "$version" > "$best_version" ]]; then
      best="$cand"
      best_version="$version"
    fi
  done
  [[ -n "$best" ]] || die "no Python >= 3.13 found (install one, e.g. with pyenv)"
  echo "$best"
}

setup_oldest() {
  local stamp="${VENV}/.requirements.sha256"
  local digest
  digest="$(files_digest "${REQUIREMENTS}/test.txt" "${REQUIREMENTS}/oldest.txt" \
    "${REQUIREMENTS}/develop.txt" "${REQUIREMENTS}/oldest.lock")"
  if [[ ! -x "${VENV}/bin/python" ]]; then
    local python
    python="$(find_python)"
    log "creating .venv with $("$python" --version)"
    "$python" -m venv "$VENV"
  fi
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$digest" ]]; then
    return 0
  fi
  log "installing the oldest lane's test requirements into .venv"
  # pip warns about every local wheel folder this machine's pip configuration names but
  # lacks, for every package; those lines are noise, so they are filtered out.
  {
    "${VENV}/bin/python" -m pip install -q --upgrade pip
    "${VENV}/bin/python" -m pip install -q -r "${REQUIREMENTS}/oldest.txt" \
      -r "${REQUIREMENTS}/develop.txt" -c "${REQUIREMENTS}/oldest.lock"
  } 2> >(grep -v -e "is ignored: it is" >&2)
  echo "$digest" >"$stamp"
}

# Run a command with the oldest lane's venv first on PATH, from the repo root.
run_oldest() {
  (cd "$REPO_ROOT" && PATH="${VENV}/bin:${PATH}" VIRTUAL_ENV="$VENV" "$@")
}
