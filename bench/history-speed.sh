#!/usr/bin/env bash
# History-scan speed, side by side in one run (issue 15's targets), on two histories:
#   large:  bench/make-large-history.sh's repository (29,910 commits, 1.7 GB of blobs; built once)
#   dev:    the developers' benchmark history (shared/bench/make-targets.sh → history.git)
# Per history, one hyperfine run times: leakhound `git` (default threads and --threads 1),
# optionally a second leakhound build (BEFORE=path, e.g. main's), Kingfisher on the same
# repository, and `git cat-file --batch-all-objects --batch --unordered` (inflate and
# delta-resolve every object on one core: the decode floor). Peak RSS comes from
# /usr/bin/time -v. Prints a markdown table with the ratios the targets are stated in.
#
#   bench/history-speed.sh [large|dev|all]        (default all)
#
# Env: BENCH_DIR (default /tmp/leakhound-bench), PEERS (default /tmp/peers), RUNS (default 3),
#      BEFORE (another leakhound binary to time alongside), LOCK (default
#      /tmp/leakhound-build.lock: held while timing, so nobody's compile disturbs the numbers;
#      released between histories).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${SHARED:-$repo/../shared}
dir=${BENCH_DIR:-/tmp/leakhound-bench}
peers=${PEERS:-/tmp/peers}
runs=${RUNS:-3}
lock=${LOCK:-/tmp/leakhound-build.lock}
what=${1:-all}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

command -v hyperfine >/dev/null || (cd "$repo" && flock "$lock" cargo install -q --locked hyperfine --version 1.20.0)
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
bash "$shared/bench/make-targets.sh" "$dir" >/dev/null
bash "$shared/peers/install.sh" "$peers" >/dev/null
[ "$what" = dev ] || bash "$here/make-large-history.sh" "$dir/large" >/dev/null
[ -x "$repo/target/release/leakhound" ] || (cd "$repo" && flock "$lock" cargo build --release -q)
lh=$repo/target/release/leakhound
kf=$peers/bin/kingfisher

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $($lh --version); $($kf --version 2>/dev/null | head -1); $(git --version)"
echo

# peak RSS in MB of one run of "$@"
peak() { /usr/bin/time -v "$@" >/dev/null 2>"$out/time" || true; awk -F: '/Maximum resident/ {printf "%.0f", $2/1024}' "$out/time"; }

bench() { # name, git dir
  local name=$1 g=$2
  local -a names=(leakhound "leakhound --threads 1") cmds=(
    "$lh git $g -q --no-progress -f jsonl -o $out/lh.jsonl --exit-code 0"
    "$lh git $g -q --no-progress -f jsonl -o $out/lh1.jsonl --exit-code 0 --threads 1")
  if [ -n "${BEFORE:-}" ]; then
    names+=("before" "before --threads 1")
    cmds+=("$BEFORE git $g -q --no-progress -f jsonl -o $out/b.jsonl --exit-code 0"
           "$BEFORE git $g -q --no-progress -f jsonl -o $out/b1.jsonl --exit-code 0 --threads 1")
  fi
  names+=(kingfisher "git cat-file")
  cmds+=("$kf scan $g -n -q -f json -o $out/kf.json"
         "git --git-dir=$g cat-file --batch-all-objects --batch --unordered")
  local -a args=()
  for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
  # Timing and peak memory under the build lock (one history at a time, well under 3 minutes).
  flock "$lock" bash -c '
    hyperfine -N -w 1 -r "$1" -i --export-json "$2" "${@:3}" >/dev/null 2>&1
  ' _ "$runs" "$out/$name.json" "${args[@]}"
  flock "$lock" bash -c "$(declare -f peak); out=$out; $(for c in "${cmds[@]}"; do printf 'peak %s; echo\n' "$c"; done)" > "$out/$name.rss"
  # The last run of the first command (the peak-memory one) left its JSON Lines report here.
  local findings
  findings=$(wc -l < "$out/lh.jsonl")
  python3 - "$name" "$out/$name.json" "$out/$name.rss" "$findings" "$g" <<'PY'
import json, subprocess, sys
name, js, rss, findings, g = sys.argv[1:]
res = json.load(open(js))["results"]
mem = open(rss).read().split()
t = {r["command"]: r["median"] for r in res}
m = {r["command"]: mem[i] if i < len(mem) else "?" for i, r in enumerate(res)}
commits = subprocess.run(["git", "--git-dir", g, "rev-list", "--all", "--count"], capture_output=True, text=True).stdout.strip()
blob = subprocess.run(f"git --git-dir {g} cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' | awk '$1==\"blob\" {{n++; s+=$2}} END {{printf \"%d blobs, %.2f GB\", n, s/1e9}}'", shell=True, capture_output=True, text=True).stdout
print(f"**{name}** ({commits} commits, {blob}; leakhound reports {findings} findings), median of the runs:\n")
print("| command | wall s | peak RSS MB | ÷ Kingfisher | ÷ git cat-file |")
print("|---|---:|---:|---:|---:|")
kf, cat = t["kingfisher"], t["git cat-file"]
for c in t:
    print(f"| {c} | {t[c]:.2f} | {m[c]} | {t[c]/kf:.2f} | {t[c]/cat:.2f} |")
print()
PY
}

[ "$what" = dev ] || bench large "$dir/large/large.git"
[ "$what" = large ] || bench dev "$dir/history.git"
