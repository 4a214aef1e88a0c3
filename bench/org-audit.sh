#!/usr/bin/env bash
# Organisation audit benchmark, all on 127.0.0.1: N tiny repositories (one commit, one
# made-up token each, built at run time), a static stand-in for GitHub's
# `GET /orgs/acme/repos` (one page, served by python3 -m http.server), then
#   1. the whole audit,
#   2. the same audit as S shards run one after the other (each gets a fresh cache),
# printing wall times. Usage: bench/org-audit.sh [N=200] [S=4] [LEAKHOUND=target/release/leakhound]
set -euo pipefail
N=${1:-200}
S=${2:-4}
LH=$(realpath "${3:-target/release/leakhound}")
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
python3 - "$N" <<'PY'
import json, os, subprocess, sys, random, string
n = int(sys.argv[1])
repos = []
for i in range(n):
    d = f"src/repo-{i:04d}"
    os.makedirs(d)
    rng = random.Random(i)
    body = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    # An AWS-style key id: one finding per repository, no checksum needed.
    open(f"{d}/config.env", "w").write(f"AWS_ACCESS_KEY_ID=AKIA{body}\nname=repo {i}\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x")
    subprocess.run(["git", "init", "-q", d], check=True)
    subprocess.run(["git", "-C", d, "add", "-A"], check=True)
    subprocess.run(["git", "-C", d, "commit", "-qm", "init"], check=True, env=env)
    repos.append({"full_name": f"acme/repo-{i:04d}", "clone_url": f"file://{os.getcwd()}/{d}", "archived": False, "fork": False})
os.makedirs("api/orgs/acme")
json.dump(repos, open("api/orgs/acme/repos", "w"))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd api && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/orgs/acme/repos" >/dev/null && break; sleep 0.1; done
audit() { "$LH" github --org acme --api-url "http://127.0.0.1:$port" --no-progress -q --exit-code 0 -f jsonl "$@" || { echo "audit failed: $?"; exit 1; }; }
t0=$(date +%s.%N)
audit --cache-dir whole -o whole.jsonl
t1=$(date +%s.%N)
echo "whole: $N repositories in $(echo "$t1 - $t0" | bc) s, $(grep -c fingerprint whole.jsonl) findings"
total=0
for k in $(seq "$S"); do
  a=$(date +%s.%N)
  audit --cache-dir "shard$k" --shard "$k/$S" -o "shard$k.jsonl"
  b=$(date +%s.%N)
  echo "shard $k/$S: $(grep -c fingerprint "shard$k.jsonl") findings in $(echo "$b - $a" | bc) s"
done
cat shard*.jsonl | grep fingerprint | sort > union
grep fingerprint whole.jsonl | sort > whole.sorted
cmp -s union whole.sorted && echo "union of the $S shards = the whole audit" || echo "MISMATCH"
