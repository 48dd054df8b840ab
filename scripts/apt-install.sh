#!/usr/bin/env bash
# Installs Debian packages with apt-get for the setup scripts (setup-browser.sh, setup-services.sh):
# as root, or through sudo on a developer's machine; quiet unless it fails, then the log is shown.
# Usage: scripts/apt-install.sh <caller name> <package>...
set -euo pipefail

caller="$1"
shift

fail() {
  echo "$caller: $*" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available; install these packages: $*"

# CI runs as root on a fresh Debian; a developer's machine may need sudo.
as_root=()
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null 2>&1 || fail "run as root: apt-get install $*"
  as_root=(sudo)
fi

echo "$caller: installing Debian's $* with apt-get" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get update failed (output above)"
fi
# policy-rc.d is not touched: in a container without an init system the packages' services simply
# do not start; the tests never use them.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "$@" >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get install $* failed (output above)"
fi
