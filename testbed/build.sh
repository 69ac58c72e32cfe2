#!/usr/bin/env bash
# Builds the testbed's control-plane binaries from the Go module proxy into a
# cache outside the repo, once per version set. Safe to re-run: a component is
# skipped when its marker and its binaries exist, so an interrupted build resumes.
# Also copies the CRDs and webhook manifests the harness applies (from the Go
# module cache) beside the binaries, so tests never need GOMODCACHE.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
cache="${KINETIC_TESTBED_CACHE:-$HOME/.cache/kinetic-testbed}/$TESTBED_KEY"
bins="etcd kwok kube-apiserver kube-controller-manager kube-scheduler jobset kueue"
complete() {
  [ -f "$cache/.ready" ] && [ -f "$cache/webhooks/kueue.yaml" ] || return 1
  local b; for b in $bins; do [ -x "$cache/bin/$b" ] || return 1; done
}
if complete; then
  echo "testbed: cached in $cache" >&2
  exit 0
fi
mkdir -p "$cache/bin"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
command -v go >/dev/null || { echo "testbed: Go >= 1.26 is required to build the Kubernetes testbed" >&2; exit 1; }
t_start=$SECONDS

# etcd's main package is the module root "go.etcd.io/etcd/server/v3", which
# `go build -o dir/` names "server"; earlier builds left it under that name.
if [ -f "$cache/bin/server" ] && [ ! -f "$cache/bin/etcd" ]; then mv "$cache/bin/server" "$cache/bin/etcd"; fi

build() { # name, module dir, ldflags, "out1 out2 ...", packages...
  local name=$1 dir=$2 ldflags=$3 outs=$4; shift 4
  local missing=0 o
  for o in $outs; do [ -x "$cache/bin/$o" ] || missing=1; done
  if [ -f "$cache/.$name.done" ] && [ $missing = 0 ]; then return 0; fi
  echo "testbed: building $name ..." >&2
  local t0=$SECONDS out="$cache/bin/"
  # A single package gets an explicit file name; several go into the directory.
  [ $# = 1 ] && out="$cache/bin/$outs"
  (cd "$here/go/$dir" && go build -p 2 -trimpath -buildvcs=false -ldflags "-s -w $ldflags" -o "$out" "$@")
  for o in $outs; do [ -x "$cache/bin/$o" ] || { echo "testbed: $name build did not produce bin/$o" >&2; exit 1; }; done
  touch "$cache/.$name.done"
  echo "testbed: built $name in $((SECONDS - t0))s" >&2
}

minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  stamp+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

build etcd etcd "" etcd go.etcd.io/etcd/server/v3
build kwok kwok "" kwok sigs.k8s.io/kwok/cmd/kwok
build k8s k8s "$stamp" "kube-apiserver kube-controller-manager kube-scheduler" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
build jobset jobset "-X sigs.k8s.io/jobset/pkg/version.GitVersion=v$JOBSET_VERSION" jobset sigs.k8s.io/jobset
build kueue kueue "-X sigs.k8s.io/kueue/pkg/version.GitVersion=v$KUEUE_VERSION" kueue sigs.k8s.io/kueue/cmd/kueue

# CRDs and webhook manifests come from the module cache (go build downloaded the modules).
modcache="$(go env GOMODCACHE)"
(cd "$here/go/jobset" && go mod download sigs.k8s.io/jobset)
(cd "$here/go/kueue" && go mod download sigs.k8s.io/kueue)
(cd "$here/go/kwok" && go mod download sigs.k8s.io/kwok)
# Copy over (never delete first): a testbed may be starting from this cache right now.
mkdir -p "$cache/crds" "$cache/webhooks"
cp "$modcache/sigs.k8s.io/jobset@v$JOBSET_VERSION/config/components/crd/bases/"*.yaml "$cache/crds/"
cp "$modcache/sigs.k8s.io/kueue@v$KUEUE_VERSION/config/components/crd/bases/"*.yaml "$cache/crds/"
cp "$modcache/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/crd/bases/kwok.x-k8s.io_stages.yaml" "$cache/crds/"
cp "$modcache/sigs.k8s.io/jobset@v$JOBSET_VERSION/config/components/webhook/manifests.yaml" "$cache/webhooks/jobset.yaml"
cp "$modcache/sigs.k8s.io/kueue@v$KUEUE_VERSION/config/components/webhook/manifests.yaml" "$cache/webhooks/kueue.yaml"
chmod -R u+w "$cache/crds" "$cache/webhooks"
touch "$cache/.ready"
echo "testbed: ready in $cache ($((SECONDS - t_start))s)" >&2
