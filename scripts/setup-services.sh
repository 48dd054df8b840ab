#!/usr/bin/env bash
# Installs the servers the production-stack tests run Ballast against: MariaDB 10.11 (Debian's
# mariadb-server: /usr/sbin/mariadbd, mariadb-install-db), Redis (redis-server) and OpenLDAP for
# LDAP sign-in (slapd: /usr/sbin/slapd, slappasswd, slapadd; ldap-utils). The tests start their own
# private instances on loopback in temporary directories (e2e/support/mariadb.ts, redis.ts,
# slapd.ts); the packages' system services are not used.
# Idempotent: does nothing when all are installed. Usage: scripts/setup-services.sh
set -euo pipefail

fail() {
  echo "setup-services: $*" >&2
  exit 1
}

if [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 &&
  [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slappasswd ] && command -v ldapsearch >/dev/null 2>&1; then
  exit 0
fi

bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" setup-services mariadb-server redis-server slapd ldap-utils
[ -x /usr/sbin/mariadbd ] || fail "apt-get installed mariadb-server but /usr/sbin/mariadbd is missing"
[ -x /usr/sbin/slapd ] || fail "apt-get installed slapd but /usr/sbin/slapd is missing"
echo "setup-services: ready ($(/usr/sbin/mariadbd --version), $(redis-server --version | cut -d' ' -f1-3))" >&2
