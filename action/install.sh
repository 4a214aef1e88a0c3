#!/usr/bin/env bash
# Installs the released leakhound binary for this runner: picks the archive for RUNNER_OS and
# RUNNER_ARCH, downloads it and the release's SHA256SUMS, refuses it unless its SHA-256 is the
# one listed, and unpacks it. Needs bash, curl, tar (unzip or 7z on Windows) and sha256sum or
# shasum: no Rust toolchain, no Python.
#
# Reads: INPUT_VERSION ("1.2.3", "v1.2.3", "latest", or empty), ACTION_REF (the ref the action
#        was used at: its version when it is a tag vX.Y.Z), ACTION_REPOSITORY (default
#        leakhound/leakhound), RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT,
#        LEAKHOUND_RELEASES_URL (default https://github.com/<repository>/releases; tests point it
#        at a server on 127.0.0.1).
# Version: INPUT_VERSION if set; else ACTION_REF when it is a version tag; else the latest
#          release (where <releases>/latest redirects to).
# Writes:  outputs `bin` (the binary's path) and `version`; the path also to LEAKHOUND_BIN_FILE
#          when set (action/run.sh passes it on to the scan).
set -euo pipefail
fail() { echo "::error title=leakhound install::$*"; exit 2; }

repository=${ACTION_REPOSITORY:-}
[ -n "$repository" ] || repository=leakhound/leakhound
releases=${LEAKHOUND_RELEASES_URL:-https://github.com/$repository/releases}
releases=${releases%/}
output=${GITHUB_OUTPUT:-/dev/null}
# --proto: never follow a redirect to a plain-http or other-scheme URL, unless the base itself
# is http (the tests' local server).
case "$releases" in
  https://*) proto=(--proto '=https' --proto-redir '=https') ;;
  http://127.0.0.1:*|http://localhost:*) proto=() ;;
  *) fail "LEAKHOUND_RELEASES_URL must be https (or http on 127.0.0.1 for tests): $releases" ;;
esac
fetch() { curl -fsSL --retry 3 --connect-timeout 20 "${proto[@]}" "$@"; }

version=${INPUT_VERSION:-}
why="input version"
if [ -z "$version" ]; then
  if [[ ${ACTION_REF:-} =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-.+][0-9A-Za-z.+-]+)?$ ]]; then
    version=$ACTION_REF; why="the action's ref"
  else
    version=latest; why="the action's ref (${ACTION_REF:-unknown}) is not a version tag"
  fi
fi
if [ "$version" = latest ]; then
  # <releases>/latest redirects to <releases>/tag/vX.Y.Z: no API token needed.
  url=$(fetch -o /dev/null -w '%{url_effective}' "$releases/latest") \
    || fail "cannot find the latest release at $releases/latest"
  version=${url##*/tag/}
  [ "$version" != "$url" ] || fail "cannot find the latest release: $releases/latest led to $url"
  why="$why: latest release"
fi
version=${version#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-.+][0-9A-Za-z.+-]+)?$ ]] \
  || fail "version must look like 1.2.3 or v1.2.3 (or be 'latest'), not: $version"

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) fail "no leakhound release binary for runner ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} (there are Linux X64/ARM64, macOS X64/ARM64, Windows X64)" ;;
esac
ext=tar.gz; exe=leakhound
if [ "$RUNNER_OS" = Windows ]; then ext=zip; exe=leakhound.exe; fi
name="leakhound-$version-$target"
archive="$name.$ext"
base="$releases/download/v$version"
dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/leakhound.XXXXXX")
echo "leakhound: installing $version ($why) for $target from $base"

fetch -o "$dir/SHA256SUMS" "$base/SHA256SUMS" || fail "cannot download $base/SHA256SUMS"
fetch -o "$dir/$archive" "$base/$archive" || fail "cannot download $base/$archive"
expected=$(awk -v f="$archive" '($2 == f || $2 == "*" f) { print tolower($1) }' "$dir/SHA256SUMS")
[ -n "$expected" ] || fail "$archive is not listed in $base/SHA256SUMS"
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$dir/$archive" | awk '{ print $1 }')
else
  actual=$(shasum -a 256 "$dir/$archive" | awk '{ print $1 }')
fi
if [ "$actual" != "$expected" ]; then
  rm -f "$dir/$archive"
  fail "checksum mismatch for $archive: SHA256SUMS lists $expected, the download has $actual. Not running it."
fi
echo "leakhound: $archive sha256 $actual matches SHA256SUMS"

if [ "$ext" = zip ]; then
  if command -v unzip >/dev/null 2>&1; then unzip -q "$dir/$archive" -d "$dir"; else 7z x -o"$dir" "$dir/$archive" >/dev/null; fi
else
  tar -xzf "$dir/$archive" -C "$dir"
fi
bin="$dir/$name/$exe"
[ -f "$bin" ] || fail "$archive holds no $name/$exe"
chmod +x "$bin"
"$bin" --version >/dev/null || fail "$bin does not run on this runner"
{ echo "bin=$bin"; echo "version=$version"; } >> "$output"
if [ -n "${LEAKHOUND_BIN_FILE:-}" ]; then printf '%s\n' "$bin" > "$LEAKHOUND_BIN_FILE"; fi
