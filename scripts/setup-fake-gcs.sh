#!/usr/bin/env bash
# Builds fake-gcs-server, the Google Cloud Storage emulator the GCS object-store tests run against
# (JSON API, XML-style signed-URL paths, compose, resumable uploads, and the MD5 check of a declared
# md5Hash that GCS itself makes), from the Go module proxy into .cache/tools/bin/fake-gcs-server
# (scripts/go-tool.sh). It does not verify signed URLs' signatures: the tests check those
# themselves against the service account's public key. Idempotent: a stamp records the version
# built; when it matches, nothing is done.
# Usage: scripts/setup-fake-gcs.sh [--force]
set -euo pipefail

version="v1.56.1"
module="github.com/fsouza/fake-gcs-server"

source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

check_tool() {
  "$1" -help >/dev/null 2>&1 || [ $? -eq 2 ]
}

install_go_tool fake-gcs-server "$module" "$version" "${1:-}"
