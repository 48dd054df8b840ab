#!/usr/bin/env bash
# Sourced by the scripts that build a test tool from the Go module proxy (setup-minio.sh,
# setup-prom2json.sh, setup-fake-gcs.sh): `install_go_tool NAME MODULE VERSION [--force]` installs MODULE@VERSION into
# .cache/tools/bin/NAME (repo-relative, gitignored), then runs the caller's `check_tool BIN` to see
# that it works. A stamp records the version built; when it matches, nothing is done.

install_go_tool() {
  local name="$1" module="$2" version="$3" force="${4:-}"
  local repo_root bin_dir stamp log started
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  bin_dir="$repo_root/.cache/tools/bin"
  stamp="$bin_dir/$name.version"
  fail() {
    echo "setup-$name: $*" >&2
    exit 1
  }
  if [ "$force" != "--force" ] && [ -x "$bin_dir/$name" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || fail "go not found; install Go 1.24+ (https://go.dev/dl/ or Debian's golang)"
  mkdir -p "$bin_dir"
  rm -f "$stamp"
  log="$(mktemp)"
  echo "setup-$name: building $module@$version with $(go version | cut -d' ' -f3)" >&2
  started=$SECONDS
  if ! GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "$module@$version" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    fail "go install $module@$version failed (output above)"
  fi
  rm -f "$log"
  check_tool "$bin_dir/$name" || fail "the built $name does not run"
  echo "$version" >"$stamp"
  echo "setup-$name: ready in $((SECONDS - started)) s ($bin_dir/$name)" >&2
}
