#!/usr/bin/env bash
# Finding construction must be linear in matches (issue 13, item 3): 100,000 findings in one
# file against the same 100,000 spread over 1,000 files, and one 50 MB single line. Prints wall
# seconds and the ratio, and checks the finding counts so a fast-but-wrong change fails.
# Not part of the test suite.
#
#   bench/findings.sh [BINARY]        (default: target/release/leakhound, built if missing)
#
# Env: BENCH_DIR (targets, default /tmp/leakhound-findings-bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
lh=${1:-$repo/target/release/leakhound}
dir=${BENCH_DIR:-/tmp/leakhound-findings-bench}
[ -x "$lh" ] || (cd "$repo" && cargo build --release -q)

# Targets: AWS access key ids (fixed shape, no checksum), each on its own line. The generator is
# seeded, so every run scans the same bytes.
python3 - "$dir" <<'PY'
import os, random, sys
d = sys.argv[1]
if os.path.exists(os.path.join(d, "done")):
    sys.exit(0)
rng = random.Random(13)
alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
def key():
    return "AKIA" + "".join(rng.choice(alpha) for _ in range(16))
os.makedirs(os.path.join(d, "one"), exist_ok=True)
os.makedirs(os.path.join(d, "spread"), exist_ok=True)
os.makedirs(os.path.join(d, "line"), exist_ok=True)
keys = [key() for _ in range(100_000)]
with open(os.path.join(d, "one", "keys.txt"), "w") as f:
    for k in keys:
        f.write(f"aws_access_key_id = {k}\n")
for i in range(1000):
    with open(os.path.join(d, "spread", f"keys{i:04}.txt"), "w") as f:
        for k in keys[i * 100:(i + 1) * 100]:
            f.write(f"aws_access_key_id = {k}\n")
# 50 MB on one line: one key every 500 bytes, separated by spaces and filler.
with open(os.path.join(d, "line", "minified.js"), "w") as f:
    n = 0
    for i in range(100_000):
        k = keys[i]
        chunk = f" aws_access_key_id={k} " + "x" * 453
        f.write(chunk)
        n += len(chunk)
    f.write("\n")
open(os.path.join(d, "done"), "w").close()
PY

# 99,986 of the 100,000 generated keys pass the rule's filters (seeded, so always the same 14
# are rejected); every case must report exactly those.
expect=99986
run() { # name, dir, expected findings
    local start end n
    start=$(date +%s.%N)
    # Exit status 1 means findings: expected here.
    n=$( ("$lh" scan "$2" -c /dev/null -f jsonl --no-progress -q --max-file-size 1G || true) | wc -l)
    end=$(date +%s.%N)
    local secs
    secs=$(echo "$end - $start" | bc)
    if [ "$n" != "$3" ]; then
        echo "$1: expected $3 findings, got $n" >&2
        exit 1
    fi
    printf '%-28s %8d findings  %7.2f s\n' "$1" "$n" "$secs"
    echo "$secs" > "$dir/$1.secs"
}

echo "$($lh --version); $(nproc) cores"
run one-file-100k "$dir/one" "$expect"
run spread-1000-files "$dir/spread" "$expect"
run one-50MB-line "$dir/line" "$expect"
python3 -c "import sys; a=float(open(sys.argv[1]).read()); b=float(open(sys.argv[2]).read()); print(f'one file / spread: {a/b:.2f}x (must be under 2x)'); sys.exit(0 if a < 2*b else 1)" "$dir/one-file-100k.secs" "$dir/spread-1000-files.secs"
