#!/usr/bin/env bash
# Installs the database servers the production-stack tests run Ballast against: MariaDB 10.11
# (Debian's mariadb-server: /usr/sbin/mariadbd, mariadb-install-db) and Redis (redis-server). The
# tests start their own private instances on loopback in temporary directories
# (e2e/support/mariadb.ts, e2e/support/redis.ts); the packages' system services are not used.
# Idempotent: does nothing when both are installed. Usage: scripts/setup-services.sh
set -euo pipefail

fail() {
  echo "setup-services: $*" >&2
  exit 1
}

if [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
  fail "MariaDB or Redis is missing and apt-get is not available; install mariadb-server (10.11) and redis-server"

# CI runs as root on a fresh Debian; a developer's machine may need sudo.
as_root=()
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null 2>&1 || fail "run as root: apt-get install mariadb-server redis-server"
  as_root=(sudo)
fi

echo "setup-services: installing Debian's mariadb-server and redis-server with apt-get" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get update failed (output above)"
fi
# policy-rc.d is not touched: in a container without an init system the packages' services simply
# do not start, and on a developer's machine they may; the tests never use them.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  mariadb-server redis-server >"$log" 2>&1; then
  cat "$log" >&2
  fail "apt-get install mariadb-server redis-server failed (output above)"
fi
[ -x /usr/sbin/mariadbd ] || fail "apt-get installed mariadb-server but /usr/sbin/mariadbd is missing"
echo "setup-services: ready ($(/usr/sbin/mariadbd --version), $(redis-server --version | cut -d' ' -f1-3))" >&2
