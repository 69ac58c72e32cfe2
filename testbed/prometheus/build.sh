#!/usr/bin/env bash
# Fetches Debian's `prometheus` package and unpacks its binary into a cache
# outside the repo (no root: apt-get download + dpkg-deb -x), once per pinned
# version. A second run is a file check. The tests start it on 127.0.0.1 to
# answer PromQL exactly as Google Managed Prometheus's API does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
cache="${KINETIC_PROMETHEUS_CACHE:-$HOME/.cache/kinetic-prometheus}/$PROMETHEUS_KEY"
if [ -f "$cache/.ready" ] && [ -x "$cache/bin/prometheus" ]; then
  echo "prometheus: cached in $cache" >&2
  exit 0
fi
command -v apt-get >/dev/null || { echo "prometheus: apt-get is required to fetch Debian's prometheus package" >&2; exit 1; }
t_start=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() { (cd "$work" && apt-get download -q "prometheus=$PROMETHEUS_DEB_VERSION" 2>&1); }
if ! fetch >"$work/apt.log"; then
  # A fresh machine has no package lists yet; refreshing them needs root (CI runs as root).
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2; fi
  fetch >"$work/apt.log" || { cat "$work/apt.log" >&2; echo "prometheus: could not download prometheus=$PROMETHEUS_DEB_VERSION (is it still in the archive? update versions.env)" >&2; exit 1; }
fi
deb="$(ls "$work"/prometheus_*.deb)"
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$cache/bin"
# Renamed into place only when whole, so an interrupted fetch never leaves a binary that looks done.
cp "$work/x/usr/bin/prometheus" "$cache/bin/prometheus.tmp"
mv -f "$cache/bin/prometheus.tmp" "$cache/bin/prometheus"
"$cache/bin/prometheus" --version >&2
touch "$cache/.ready"
echo "prometheus: ready in $cache ($((SECONDS - t_start))s)" >&2
