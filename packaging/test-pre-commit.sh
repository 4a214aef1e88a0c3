#!/usr/bin/env bash
# Runs this repository's pre-commit hooks (.pre-commit-hooks.yaml) under the real pre-commit
# framework from PyPI, in a scratch repository: a commit adding a secret is blocked with a clear
# message, a clean commit passes, `pre-commit run --all-files` finds a secret committed earlier,
# a split index (core.splitIndex) works, and the `language: system` hook works with a leakhound
# on PATH. Prints how long the hook takes.
#
#   packaging/test-pre-commit.sh WHEEL_DIR
#
# WHEEL_DIR holds the leakhound-bin wheel (packaging/test-wheel.sh WHEEL_DIR builds it): the
# `language: python` hook installs it as it would from PyPI, through PIP_FIND_LINKS.
# Needs python3 with venv and git.
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=$(cd "${1:?usage: $0 WHEEL_DIR}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-pre-commit: FAIL: $*" >&2; exit 1; }
say() { echo "test-pre-commit: $*"; }

# The shim pre-commit installs must pin the wheel of this version.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
grep -q "^version = \"$version\"$" pyproject.toml || fail "pyproject.toml's version is not Cargo.toml's ($version)"
grep -q "\"leakhound-bin==$version\"" pyproject.toml || fail "pyproject.toml does not pin leakhound-bin==$version"
ls "$wheels"/leakhound_bin-"$version"-*.whl >/dev/null || fail "no leakhound_bin-$version wheel in $wheels"

python3 -m venv "$tmp/pc"
"$tmp/pc/bin/pip" install -q --disable-pip-version-check pre-commit
export PATH="$tmp/pc/bin:$PATH" PRE_COMMIT_HOME="$tmp/cache"
export PIP_FIND_LINKS="$wheels${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" PIP_DISABLE_PIP_VERSION_CHECK=1
say "$(pre-commit --version)"

# The hook repository as pre-commit fetches it: a git repository with the hook definitions and
# the root pyproject.toml (pip installs it), taken from this checkout as it is now.
hooks=$tmp/hooks
git init -q "$hooks"
cp .pre-commit-hooks.yaml pyproject.toml "$hooks/"
git -C "$hooks" add -A
git -C "$hooks" -c user.name=t -c user.email=t@example.com commit -qm hooks
rev=$(git -C "$hooks" rev-parse HEAD)

scratch() { # scratch DIR HOOK_ID: a repository using that hook, with its config committed
  git init -q "$1"
  git -C "$1" config user.name tester
  git -C "$1" config user.email tester@example.com
  git -C "$1" config commit.gpgsign false
  printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: %s\n' "$hooks" "$rev" "$2" \
    >"$1/.pre-commit-config.yaml"
  git -C "$1" add .pre-commit-config.yaml
  git -C "$1" commit -qm config --no-verify
  (cd "$1" && pre-commit install >/dev/null)
}
repo=$tmp/repo
scratch "$repo" leakhound
start=$SECONDS
(cd "$repo" && pre-commit install-hooks) >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "installing the hook environment"; }
say "hook environment (pip install of the shim and the wheel) took $((SECONDS - start)) s"
hook_bin=$(ls -d "$PRE_COMMIT_HOME"/repo*/py_env-*/bin | head -n1)
[ -x "$hook_bin/leakhound" ] || fail "the hook environment has no leakhound command"

commit() { # commit DIR MESSAGE: git commit through the hook; output in $tmp/out, status in $status
  status=0
  git -C "$1" commit -qm "$2" >"$tmp/out" 2>&1 || status=$?
}
ms() { date +%s%N | cut -c1-13; }

# 1. A clean commit passes.
echo "hello" >"$repo/hello.txt"
git -C "$repo" add hello.txt
t0=$(ms); commit "$repo" clean; t1=$(ms)
[ "$status" = 0 ] || { cat "$tmp/out"; fail "a clean commit was blocked"; }
say "clean commit passes; git commit with the hook took $((t1 - t0)) ms"
t0=$(ms); (cd "$repo" && echo "x" >>hello.txt && git add hello.txt \
  && "$hook_bin/leakhound" git --staged --trust-config --no-progress -- hello.txt 2>"$tmp/err"); t1=$(ms)
say "the hook's command alone: $((t1 - t0)) ms ($(tail -n1 "$tmp/err"))"
git -C "$repo" commit -qm more --no-verify

# 2. A commit adding a secret is blocked, with the finding and the way out.
cp fixtures/scan/leaks.env "$repo/settings.env"
git -C "$repo" add settings.env
commit "$repo" secret
[ "$status" != 0 ] || fail "a commit adding a secret was not blocked"
grep -q "aws-access-key-id" "$tmp/out" || { cat "$tmp/out"; fail "the blocked commit does not name the finding"; }
grep -q "commit blocked" "$tmp/out" || { cat "$tmp/out"; fail "the blocked commit does not say so"; }
key=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' fixtures/scan/leaks.env)
grep -qF "$key" "$tmp/out" && fail "the secret was printed unredacted"
say "commit with a secret blocked:"
grep -E "commit blocked|aws-access-key-id" "$tmp/out" | head -n 3 | sed 's/^/    /'

# 3. --all-files finds a secret that is already committed.
git -C "$repo" commit -qm "secret, past the hook" --no-verify
status=0
(cd "$repo" && pre-commit run --all-files) >"$tmp/out" 2>&1 || status=$?
[ "$status" != 0 ] || { cat "$tmp/out"; fail "pre-commit run --all-files passed with a committed secret"; }
grep -q "aws-access-key-id" "$tmp/out" || { cat "$tmp/out"; fail "--all-files does not name the finding"; }
say "pre-commit run --all-files finds the committed secret"
# ... and passes once it is gone.
git -C "$repo" rm -q settings.env && git -C "$repo" commit -qm "remove the secret" --no-verify
(cd "$repo" && pre-commit run --all-files) >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "--all-files on a clean tree failed"; }

# 4. A split index: commits are scanned, not refused with an error.
git -C "$repo" config core.splitIndex true
git -C "$repo" update-index --split-index
echo "split" >"$repo/split.txt"
git -C "$repo" add split.txt
ls "$repo"/.git/sharedindex.* >/dev/null 2>&1 || fail "git did not write a split index"
commit "$repo" split-clean
[ "$status" = 0 ] || { cat "$tmp/out"; fail "a clean commit with a split index failed"; }
# A secret added to a file that is already tracked: only the added lines are reported, which
# diffs the two versions (libgit2's blob diff used to load the split index, and fail).
cat fixtures/scan/leaks.env >>"$repo/hello.txt"
git -C "$repo" add hello.txt
commit "$repo" split-secret
[ "$status" != 0 ] && grep -q "commit blocked" "$tmp/out" \
  || { cat "$tmp/out"; fail "a secret staged in a split index was not blocked"; }
git -C "$repo" reset -q --hard
cp fixtures/scan/leaks.env "$repo/split.env"
git -C "$repo" add split.env
commit "$repo" split-secret
[ "$status" != 0 ] && grep -q "commit blocked" "$tmp/out" \
  || { cat "$tmp/out"; fail "a new file with a secret in a split index was not blocked"; }
say "split index: a clean commit passes, a secret in a modified or a new file is blocked"

# 5. The `language: system` hook, with a leakhound already on PATH (here the wheel's).
sys=$tmp/sys
scratch "$sys" leakhound-system
cp fixtures/scan/leaks.env "$sys/settings.env"
git -C "$sys" add settings.env
PATH="$hook_bin:$PATH" \
  git -C "$sys" commit -qm secret >"$tmp/out" 2>&1 && fail "leakhound-system let a secret through"
grep -q "commit blocked" "$tmp/out" || { cat "$tmp/out"; fail "leakhound-system did not block the secret"; }
say "leakhound-system (binary on PATH) blocks the secret"

# 6. Opt-in revocation through the hook's `args` (issue 17): pre-commit puts them after the
# entry and before the file names; the README's `[--revoke, --yes, --]` plus a stand-in GitHub
# API on 127.0.0.1 (examples/stand-in-github.py) and an audit log. The live token is revoked
# before the commit exists, and the commit is still blocked.
live=$tmp/live
git init -q "$live"
git -C "$live" config user.name tester
git -C "$live" config user.email tester@example.com
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 examples/stand-in-github.py "$port" >"$tmp/stand-in.log" 2>&1 &
stand_in=$!
trap 'kill "$stand_in" 2>/dev/null; rm -rf "$tmp"' EXIT
printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: leakhound\n        args: [--revoke, --yes, --provider-endpoint, "github=http://127.0.0.1:%s", --audit-log, "%s", --]\n' \
  "$hooks" "$rev" "$port" "$tmp/audit.jsonl" >"$live/.pre-commit-config.yaml"
git -C "$live" add .pre-commit-config.yaml
git -C "$live" commit -qm config --no-verify
(cd "$live" && pre-commit install >/dev/null)
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q "stand-in GitHub API" "$tmp/stand-in.log" && break; sleep 0.5; done
token=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 # leakhound:allow (examples/stand-in-github.py's test token)
printf 'GITHUB_TOKEN=%s\n' "$token" >"$live/app.env"
git -C "$live" add app.env
commit "$live" live-secret
[ "$status" != 0 ] && grep -q "commit blocked" "$tmp/out" \
  || { cat "$tmp/out"; fail "a commit with a live token was not blocked"; }
grep -q "^POST /credentials/revoke" "$tmp/stand-in.log" \
  || { cat "$tmp/out" "$tmp/stand-in.log"; fail "args [--revoke, --yes, --]: the stand-in saw no revocation"; }
grep -q '"action":"revoke".*"outcome":"revoked"' "$tmp/audit.jsonl" \
  || { cat "$tmp/audit.jsonl"; fail "the audit log has no revocation"; }
grep -qF "$token" "$tmp/out" "$tmp/audit.jsonl" && fail "the token was printed or logged unredacted"
say "args [--revoke, --yes, --]: the live token was revoked at the stand-in before the commit existed"
say "ok"
