#!/usr/bin/env bash
# Installs the browser the web UI's end-to-end tests drive: Debian's `chromium` package at
# /usr/bin/chromium, driven by playwright-core (e2e/support/browser.ts). Playwright's own browser
# download is never used: machines here reach package registries only, and a distribution package
# is what an operator can audit and update. Idempotent: does nothing when /usr/bin/chromium exists.
# Usage: scripts/setup-browser.sh
set -euo pipefail

chromium="/usr/bin/chromium"

fail() {
  echo "setup-browser: $*" >&2
  exit 1
}

if [ -x "$chromium" ]; then
  exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
  fail "$chromium is missing and apt-get is not available; install Chromium so that $chromium exists"

# CI runs as root on a fresh Debian; a developer's machine may need sudo.
as_root=()
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null 2>&1 || fail "$chromium is missing; run as root: apt-get install chromium"
  as_root=(sudo)
fi

echo "setup-browser: installing Debian's chromium with apt-get" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get update failed (output above)"
fi
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  chromium fonts-liberation >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get install chromium failed (output above)"
fi
[ -x "$chromium" ] || fail "apt-get installed chromium but $chromium is missing"
echo "setup-browser: ready ($("$chromium" --version 2>/dev/null || echo chromium))" >&2
