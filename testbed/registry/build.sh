#!/usr/bin/env bash
# Builds the image-build parts from the Go module proxy into a cache outside
# the repo, once per version set: the OCI registry (distribution) the tests and
# `npm start` push to, and go-containerregistry's `crane`, the daemonless
# builder. Safe to re-run: a binary that is present and marked done is kept, so
# a second run costs a stat. A missing Go or a failed build exits non-zero.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
cache="${KINETIC_BUILDS_CACHE:-$HOME/.cache/kinetic-builds}/$BUILDS_KEY"
bins="registry crane"
complete() {
  [ -f "$cache/.ready" ] || return 1
  local b; for b in $bins; do [ -x "$cache/bin/$b" ] || return 1; done
}
if complete; then
  echo "builds: cached in $cache" >&2
  exit 0
fi
mkdir -p "$cache/bin"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
command -v go >/dev/null || { echo "builds: Go >= 1.26 is required to build the registry and crane" >&2; exit 1; }
t_start=$SECONDS

build() { # name, ldflags, package
  local name=$1 ldflags=$2 pkg=$3
  if [ -f "$cache/.$name.done" ] && [ -x "$cache/bin/$name" ]; then return 0; fi
  echo "builds: building $name ..." >&2
  local t0=$SECONDS
  (cd "$here/go/$name" && go build -p 2 -trimpath -buildvcs=false -ldflags "-s -w $ldflags" -o "$cache/bin/$name.tmp" "$pkg")
  # Renamed into place only when whole, so an interrupted build never leaves a half binary that looks done.
  mv -f "$cache/bin/$name.tmp" "$cache/bin/$name"
  touch "$cache/.$name.done"
  echo "builds: built $name in $((SECONDS - t0))s" >&2
}

build registry "-X github.com/distribution/distribution/v3/version.version=v$REGISTRY_VERSION" \
  github.com/distribution/distribution/v3/cmd/registry
build crane "-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=v$CRANE_VERSION" \
  github.com/google/go-containerregistry/cmd/crane
touch "$cache/.ready"
echo "builds: ready in $cache ($((SECONDS - t_start))s)" >&2
