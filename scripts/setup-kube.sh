#!/usr/bin/env bash
# Builds the real Kubernetes pieces the operator and chart tests run against, into
# .cache/tools/bin (gitignored), from the Go module proxy:
#   kube-apiserver  k8s.io/kubernetes/cmd/kube-apiserver, with the staging modules (k8s.io/api,
#                   client-go, …) pinned by `replace` to the matching v0.x release
#   kube-etcd       etcd's own server (go.etcd.io/etcd/server/v3/embed) behind a small main
#                   (scripts/kube-etcd/main.go)
#   helm            helm.sh/helm/v3/cmd/helm
#   registry        go-containerregistry's small OCI registry, for charts pulled from oci:// references
# Idempotent: a stamp per tool records the version built; when it matches, nothing is done.
# Usage: scripts/setup-kube.sh [--force]
set -euo pipefail

kubernetes_version="v1.37.2"
staging_version="v0.37.2"
etcd_version="v3.7.3"
helm_version="v3.21.4"
registry_version="v0.22.1"
force="${1:-}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="$repo_root/.cache/tools/bin"
mkdir -p "$bin_dir"

source "$repo_root/scripts/go-tool.sh"

fresh() {
  [ "$force" != "--force" ] && [ -x "$bin_dir/$1" ] && [ "$(cat "$bin_dir/$1.version" 2>/dev/null)" = "$2" ]
}

# Builds package PKG of a throwaway module whose go.mod lines are given on stdin, as bin/NAME,
# with extra linker flags $5 (e.g. -X settings).
build_in_module() {
  local name="$1" version="$2" pkg="$3" dir log started ldflags="-s ${5:-}"
  dir="$(mktemp -d)"
  log="$dir/build.log"
  cat >"$dir/go.mod"
  if [ -n "${4:-}" ]; then cp "$4" "$dir/main.go"; fi
  started=$SECONDS
  echo "setup-kube: building $name $version with $(go version | cut -d' ' -f3)" >&2
  if ! (cd "$dir" && GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath "-ldflags=$ldflags" -o "$bin_dir/$name" "$pkg") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$dir"
    echo "setup-kube: building $name failed (output above)" >&2
    exit 1
  fi
  rm -rf "$dir"
  echo "$version" >"$bin_dir/$name.version"
  echo "setup-kube: $name ready in $((SECONDS - started)) s" >&2
}

command -v go >/dev/null 2>&1 || { echo "setup-kube: go not found" >&2; exit 1; }

# A plain `go build` reports version v0.0.0-master, which charts' kubeVersion constraints refuse;
# Kubernetes' own build stamps the version like this (hack/lib/version.sh).
minor="${kubernetes_version#v1.}"
minor="${minor%%.*}"
version_flags="-X k8s.io/component-base/version.gitVersion=$kubernetes_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"

if ! fresh kube-apiserver "$kubernetes_version+stamped"; then
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with directories
  # of its own repository; a module outside it pins each to the published release instead.
  gomod="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$kubernetes_version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  {
    echo "module ballast.test/kube-apiserver"
    echo "go 1.26"
    echo "require k8s.io/kubernetes $kubernetes_version"
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } | build_in_module kube-apiserver "$kubernetes_version+stamped" k8s.io/kubernetes/cmd/kube-apiserver "" "$version_flags"
fi

if ! fresh kube-etcd "$etcd_version"; then
  printf 'module ballast.test/kube-etcd\ngo 1.26\nrequire go.etcd.io/etcd/server/v3 %s\n' "$etcd_version" |
    build_in_module kube-etcd "$etcd_version" . "$repo_root/scripts/kube-etcd/main.go"
fi

check_tool() { "$1" version --short >/dev/null; }
install_go_tool helm helm.sh/helm/v3/cmd/helm "$helm_version" "$force"

check_tool() { "$1" -help 2>&1 | grep -q -- -port; }
install_go_tool registry github.com/google/go-containerregistry/cmd/registry "$registry_version" "$force"
