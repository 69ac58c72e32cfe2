#!/usr/bin/env bash
# Builds fake-gcs-server (github.com/fsouza/fake-gcs-server), a real Cloud
# Storage JSON/XML API server, from the Go module proxy into a cache outside the
# repo, once per version. The outputs tests run it on 127.0.0.1. Safe to
# re-run: a present, marked binary is kept, so a second run costs a stat.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
cache="${KINETIC_GCS_CACHE:-$HOME/.cache/kinetic-gcs}/$GCS_KEY"
if [ -f "$cache/.ready" ] && [ -x "$cache/bin/fake-gcs-server" ]; then
  echo "gcs: cached in $cache" >&2
  exit 0
fi
mkdir -p "$cache/bin"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
command -v go >/dev/null || { echo "gcs: Go >= 1.26 is required to build fake-gcs-server" >&2; exit 1; }
t0=$SECONDS
echo "gcs: building fake-gcs-server v$FAKE_GCS_VERSION ..." >&2
(cd "$here/go/fake-gcs-server" && go build -p 2 -trimpath -buildvcs=false -ldflags "-s -w" \
  -o "$cache/bin/fake-gcs-server.tmp" github.com/fsouza/fake-gcs-server)
# Renamed into place only when whole, so an interrupted build never looks done.
mv -f "$cache/bin/fake-gcs-server.tmp" "$cache/bin/fake-gcs-server"
touch "$cache/.ready"
echo "gcs: built in $((SECONDS - t0))s into $cache" >&2
