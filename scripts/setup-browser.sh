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

bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" setup-browser chromium fonts-liberation
[ -x "$chromium" ] || fail "apt-get installed chromium but $chromium is missing"
echo "setup-browser: ready ($("$chromium" --version 2>/dev/null || echo chromium))" >&2
