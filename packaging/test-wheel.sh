#!/usr/bin/env bash
# Builds the PyPI wheel (packaging/pypi/pyproject.toml) with maturin, installs it into a fresh
# virtual environment and runs it there with no Rust toolchain on PATH: `leakhound --version`,
# a scan that must find the fixtures' secrets, a clean scan, and a staged scan in a scratch
# repository; then `pipx run`. What `pip install leakhound-bin` gives a user.
#
#   packaging/test-wheel.sh [WHEEL_DIR]
#
# WHEEL_DIR: where the wheel is left (default: a temporary directory, removed afterwards).
# LEAKHOUND_BUILD_LOCK=FILE: hold `flock FILE` around the maturin build only (shared machines).
# LEAKHOUND_WHEEL=FILE: test this wheel instead of building one.
# Needs python3 with venv, git, and (to build) cargo; maturin and pipx come from PyPI into temp
# venvs.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${1:-$tmp/wheels}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
fail() { echo "test-wheel: FAIL: $*" >&2; exit 1; }

wheel=${LEAKHOUND_WHEEL:-}
if [ -z "$wheel" ]; then
  python3 -m venv "$tmp/build"
  "$tmp/build/bin/pip" install -q --disable-pip-version-check "maturin>=1.7,<2"
  start=$SECONDS
  lock=()
  if [ -n "${LEAKHOUND_BUILD_LOCK:-}" ]; then lock=(flock "$LEAKHOUND_BUILD_LOCK"); fi
  if ! (cd packaging/pypi && "${lock[@]}" "$tmp/build/bin/maturin" build --release --out "$out") \
      >"$tmp/build.log" 2>&1; then
    tail -n 40 "$tmp/build.log" >&2
    fail "maturin build failed"
  fi
  echo "test-wheel: maturin build --release took $((SECONDS - start)) s"
  wheel=$(ls "$out"/leakhound_bin-"$version"-*.whl 2>/dev/null | head -n1)
  [ -n "$wheel" ] || fail "no leakhound_bin-$version-*.whl in $out: $(ls "$out")"
fi
echo "test-wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

# The wheel holds the binary as a script and metadata, nothing else.
python3 - "$wheel" "$version" <<'PY' || fail "unexpected wheel contents"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
want = f"leakhound_bin-{sys.argv[2]}.data/scripts/leakhound"
assert want in names, names
extra = [n for n in names if n != want and ".dist-info/" not in n]
assert not extra, extra
PY

# A fresh environment, and nothing else on PATH (no cargo, no target/): the wheel must be all a
# user needs.
python3 -m venv "$tmp/user"
"$tmp/user/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
run() { env PATH="$tmp/user/bin" "$@"; }
got=$(run leakhound --version)
[ "$got" = "leakhound $version" ] || fail "leakhound --version printed '$got', expected 'leakhound $version'"
echo "test-wheel: $got, installed by pip into a fresh venv"

# A real scan: the fixtures' secrets are found (exit 1), with their rules named.
status=0
run leakhound scan fixtures/scan -c /dev/null --no-progress -f json -o "$tmp/found.json" 2>"$tmp/err" || status=$?
[ "$status" = 1 ] || { cat "$tmp/err" >&2; fail "scan of fixtures/scan exited $status, expected 1"; }
grep -q '"aws-access-key-id"' "$tmp/found.json" || fail "no aws-access-key-id finding in fixtures/scan"
echo "test-wheel: scan fixtures/scan: $(grep -m1 " rules in " "$tmp/err")"

# A clean tree exits 0.
mkdir "$tmp/clean" && echo "nothing to see" >"$tmp/clean/readme.txt"
run leakhound scan "$tmp/clean" --no-progress 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "clean scan failed"; }

# A staged scan in a scratch repository (what the pre-commit hook runs).
repo=$tmp/repo
git init -q "$repo"
cp fixtures/scan/leaks.env "$repo/"
git -C "$repo" add leaks.env
status=0
(cd "$repo" && run leakhound git --staged --no-progress) >/dev/null 2>"$tmp/err" || status=$?
[ "$status" = 1 ] || { cat "$tmp/err" >&2; fail "staged scan exited $status, expected 1"; }
# pipx runs the wheel's command although it is not named after the distribution
# (`pipx run leakhound-bin` says "running app 'leakhound'"). Found through PIP_FIND_LINKS, as it
# would be on PyPI; pinned, so a published release cannot stand in for this build.
python3 -m venv "$tmp/pipx"
"$tmp/pipx/bin/pip" install -q --disable-pip-version-check pipx
got=$(PIP_FIND_LINKS="$(dirname "$wheel")${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" PIPX_HOME="$tmp/pipx-home" \
  PIPX_BIN_DIR="$tmp/pipx-bin" "$tmp/pipx/bin/pipx" run --spec "leakhound-bin==$version" leakhound --version 2>"$tmp/err") \
  || { cat "$tmp/err" >&2; fail "pipx run failed"; }
[ "$got" = "leakhound $version" ] || fail "pipx run printed '$got'"
echo "test-wheel: pipx run --spec leakhound-bin==$version leakhound --version: $got"
echo "test-wheel: ok"
