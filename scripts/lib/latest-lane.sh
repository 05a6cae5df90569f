# shellcheck shell=bash
# The newest lane: Home Assistant's newest release needs a newer Python than this machine
# has, so we build a Debian forky root with python3.14 (debootstrap), keep it in a cache
# outside the repo, and run the same checks there with the repo bind-mounted at /repo.
# Every mount is made inside a private mount namespace (unshare), so the kernel drops
# them when the run ends, whatever way it ends; a trap unmounts them early as well.

# The Debian mirror this machine's apt already uses (deb822 .sources first, then
# sources.list), skipping security and disabled entries. Never hard-coded.
apt_mirror() {
  local mirror=""
  local files=(/etc/apt/sources.list.d/*.sources)
  if [[ -e "${files[0]}" ]]; then
    mirror="$(awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) { suites = $i }
          if ($i ~ /^Enabled:[ \t]*no/) { enabled = "no" }
        }
        if (enabled == "yes" && uris ~ /\/debian\/?( |$)/ && suites !~ /security/) {
          split(uris, u, " "); print u[1]; exit
        }
      }' "${files[@]}")"
  fi
  if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
    mirror="$(awk '$1 == "deb" && $0 !~ /security/ {
        for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; exit }
      }' /etc/apt/sources.list)"
  fi
  [[ -n "$mirror" ]] || die "no Debian mirror found in the apt sources"
  echo "${mirror%/}"
}

build_latest_root() {
  ensure_apt_packages debootstrap
  local mirror partial="${LATEST_ROOT}.partial"
  mirror="$(apt_mirror)"
  log "building the forky root at ${LATEST_ROOT} from ${mirror}"
  mkdir -p "$LANE_CACHE"
  # debootstrap mounts /proc and /sys in the target; a private namespace keeps a killed
  # run from leaving them behind (and rm -rf from walking into them).
  unshare --mount --propagation private -- rm -rf "$partial"
  # This debootstrap knows forky only through the sid script (fourth argument).
  unshare --mount --propagation private -- debootstrap --variant=minbase \
    --include=python3.14,python3.14-venv,ca-certificates \
    forky "$partial" "$mirror" /usr/share/debootstrap/scripts/sid >"${LANE_CACHE}/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see ${LANE_CACHE}/debootstrap.log"
  mkdir -p "${partial}/repo"
  mv "$partial" "$LATEST_ROOT"
}

# Copy what pip needs to reach the registry: the CA bundles and pip configuration this
# machine uses, and DNS. Cheap, so it runs every time (the host's files may change).
sync_host_config() {
  local file
  for file in "${PIP_CERT:-}" "${SSL_CERT_FILE:-}" "${REQUESTS_CA_BUNDLE:-}" \
    /etc/ssl/certs/ca-certificates.crt /etc/pip.conf "${HOME}/.config/pip/pip.conf" \
    "${HOME}/.pip/pip.conf"; do
    [[ -n "$file" && -f "$file" ]] && install -D -m 0644 "$file" "${LATEST_ROOT}${file}"
  done
  if [[ -d /etc/xdg/pip ]]; then
    rm -rf "${LATEST_ROOT}/etc/xdg/pip"
    mkdir -p "${LATEST_ROOT}/etc/xdg"
    cp -r /etc/xdg/pip "${LATEST_ROOT}/etc/xdg/pip"
  fi
  cp -L /etc/resolv.conf "${LATEST_ROOT}/etc/resolv.conf"
}

# in_latest_root CMD...: run CMD (a bash command line) inside the root, cwd /repo.
in_latest_root() {
  local passthrough=() name
  while IFS= read -r name; do
    passthrough+=("${name}=${!name}")
  done < <(compgen -e | grep -E '^(PIP_|CI$|TERM$|WHATSMINER_)' || true)
  unshare --mount --propagation private -- bash -s "$LATEST_ROOT" "$REPO_ROOT" "$*" "${passthrough[@]}" <<'INNER'
set -euo pipefail
root="$1" repo="$2" command="$3"
shift 3
cleanup() { umount -R "$root/repo" "$root/proc" "$root/sys" "$root/dev" 2>/dev/null || true; }
trap cleanup EXIT
mount --bind "$repo" "$root/repo"
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
  PATH="/opt/whatsminer-venv/bin:/usr/local/bin:/usr/bin:/bin" "$@" \
  /bin/bash -c "cd /repo && ${command}" </dev/null
INNER
}

setup_latest() {
  [[ -x "${LATEST_ROOT}/usr/bin/python3.14" ]] || build_latest_root
  sync_host_config
  local stamp="${LATEST_ROOT}${LATEST_VENV}/.requirements.sha256"
  local digest
  digest="$(files_digest "${REQUIREMENTS}/test.txt" "${REQUIREMENTS}/latest.txt" "${REQUIREMENTS}/latest.lock")"
  [[ "$(cat "$stamp" 2>/dev/null)" == "$digest" ]] && return 0
  log "installing the newest lane's test requirements into the forky root"
  # The host's pip configuration may name local wheel folders that do not exist in the
  # root; pip warns about each for every package, so those lines are filtered out.
  in_latest_root "python3.14 -m venv ${LATEST_VENV} \
    && ${LATEST_VENV}/bin/python -m pip install -q --upgrade pip \
    && ${LATEST_VENV}/bin/python -m pip install -q -r requirements/latest.txt -c requirements/latest.lock" \
    2> >(grep -v -e "is ignored: it is" >&2)
  echo "$digest" >"$stamp"
}
