#!/usr/bin/env bash
# Fetches Debian's headless Chromium for the dashboard's browser tests into a
# cache outside the repo, without root: apt-get download + dpkg-deb -x of
# chromium-headless-shell and of every dependency this machine lacks (followed
# through Depends until ldd finds no missing library). Safe to re-run: a
# complete cache (marked .ready, binary executable) costs a stat.
# scripts/lib/chromium.ts finds it (same cache path and version rule).
set -euo pipefail
pkg=chromium-headless-shell
root="${KINETIC_CHROMIUM_CACHE:-$HOME/.cache/kinetic-chromium}"
if [ -f "$root/current" ]; then
  cached="$root/$(cat "$root/current")"
  if [ -f "$cached/.ready" ] && [ -x "$cached/root/usr/lib/chromium/chromium-headless-shell" ]; then
    echo "chromium: cached in $cached" >&2
    exit 0
  fi
fi
command -v apt-get >/dev/null || { echo "chromium: apt-get and dpkg-deb (Debian/Ubuntu) are required" >&2; exit 1; }
version="$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')"
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  echo "chromium: apt has no candidate for $pkg (run apt-get update?)" >&2
  exit 1
fi
cache="$root/$version"
debs="$cache/debs"
mkdir -p "$debs" "$cache/root"
t_start=$SECONDS

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# The first alternative of each Depends/PreDepends line; virtual packages (<name>) resolve to their first provider.
deps_of() {
  apt-cache depends "$1" 2>/dev/null | awk '
    /^ *\|?(Pre)?Depends:/ { if (pending) next; name=$2; if (name ~ /^</) { want=1; next } print name; pending=($1 ~ /^\|/); next }
    want && /^    [^ ]/ { print $1; want=0; next }
    /^ *(Pre)?Depends:/ { pending=0 }' | sort -u
}

declare -A seen=()
queue=("$pkg")
while [ ${#queue[@]} -gt 0 ]; do
  p="${queue[0]}"; queue=("${queue[@]:1}")
  p="${p%%:*}"
  [ -n "${seen[$p]:-}" ] && continue
  seen[$p]=1
  if [ "$p" != "$pkg" ] && installed "$p"; then continue; fi
  if ! ls "$debs/${p}_"*.deb >/dev/null 2>&1; then
    echo "chromium: downloading $p" >&2
    # Running as root, apt warns that it cannot drop to _apt for a folder it does not own: harmless here.
    (cd "$debs" && apt-get download -q "$p" 2>&1 >/dev/null | grep -v "unsandboxed" >&2 || true)
    ls "$debs/${p}_"*.deb >/dev/null 2>&1 || { echo "chromium: apt-get download $p failed" >&2; exit 1; }
  fi
  for d in $(deps_of "$p"); do queue+=("$d"); done
done
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$cache/root"; done

bin="$cache/root/usr/lib/chromium/chromium-headless-shell"
[ -x "$bin" ] || { echo "chromium: $bin is missing after unpacking $pkg" >&2; exit 1; }
libpath="$cache/root/usr/lib/x86_64-linux-gnu:$cache/root/usr/lib/x86_64-linux-gnu/pulseaudio:$cache/root/lib/x86_64-linux-gnu:$cache/root/usr/lib/chromium"
missing="$(LD_LIBRARY_PATH="$libpath" ldd "$bin" | grep 'not found' || true)"
if [ -n "$missing" ]; then
  echo "chromium: libraries still missing after unpacking the dependencies:" >&2
  echo "$missing" >&2
  exit 1
fi
touch "$cache/.ready"
echo "$version" >"$root/current"
echo "chromium: $pkg $version ready in $cache ($((SECONDS - t_start))s)" >&2
