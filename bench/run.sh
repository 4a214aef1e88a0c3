#!/usr/bin/env bash
# Side-by-side benchmark: leakhound against Kingfisher and gitleaks on the shared targets, in one
# run, printing medians, ratios and peak memory. Not part of the test suite (minutes, not seconds).
#
#   bench/run.sh [tree|history|staged|all|real]     (default: all = tree, history, staged)
#
# `real` times the same three tools on a large real history: 22 Django releases from PyPI,
# built once into $BENCH_DIR/real/django.git by bench/make-real-repo.sh (a few minutes; kept).
#
# Env: BENCH_DIR (targets, default /tmp/leakhound-bench), PEERS (default /tmp/peers),
#      RUNS (hyperfine runs, default 5), EXPECT_TREE (expected leakhound finding count on tree/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${SHARED:-$repo/../shared}
dir=${BENCH_DIR:-/tmp/leakhound-bench}
peers=${PEERS:-/tmp/peers}
runs=${RUNS:-5}
what=${1:-all}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
bash "$shared/bench/make-targets.sh" "$dir" >/dev/null
bash "$shared/peers/install.sh" "$peers" >/dev/null
(cd "$repo" && cargo build --release -q)
lh=$repo/target/release/leakhound
kf=$peers/bin/kingfisher
gl=$peers/bin/gitleaks

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $($lh --version); $($kf --version 2>/dev/null | head -1); gitleaks $($gl version)"

# peak RSS in MB of one run of "$@"
peak() { /usr/bin/time -f "%M" "$@" >/dev/null 2>"$out/time" || true; tail -1 "$out/time" | awk '{printf "%.0f", $1/1024}'; }

# median wall seconds of a hyperfine JSON export
median() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.3f' % x['median'] for x in r))" "$1"; }

compare() { # name, then three commands: leakhound, kingfisher, gitleaks
  local name=$1 c_lh=$2 c_kf=$3 c_gl=$4
  hyperfine -N -w 1 -r "$runs" -i --export-json "$out/$name.json" -n leakhound "$c_lh" -n kingfisher "$c_kf" -n gitleaks "$c_gl" >/dev/null 2>&1
  read -r t_lh t_kf t_gl < <(median "$out/$name.json")
  local m_lh m_kf m_gl
  m_lh=$(peak $c_lh); m_kf=$(peak $c_kf); m_gl=$(peak $c_gl)
  printf '%-8s  %-11s %8s s %7s MB\n' "$name" leakhound "$t_lh" "$m_lh" "$name" kingfisher "$t_kf" "$m_kf" "$name" gitleaks "$t_gl" "$m_gl"
  python3 -c "import sys; lh,kf,gl=map(float,sys.argv[1:]); print(f'{sys.argv[0] if False else \"\"}ratio     leakhound/kingfisher = {lh/kf:.2f}   leakhound/gitleaks = {lh/gl:.2f}')" "$t_lh" "$t_kf" "$t_gl"
}

if [ "$what" = tree ] || [ "$what" = all ]; then
  n=$($lh scan "$dir/tree" -q -f jsonl --exit-code 0 | wc -l)
  echo "tree: leakhound reports $n findings"
  if [ -n "${EXPECT_TREE:-}" ] && [ "$n" != "$EXPECT_TREE" ]; then echo "FAIL: expected $EXPECT_TREE findings on tree/"; exit 1; fi
  compare tree \
    "$lh scan $dir/tree -q --no-progress -f jsonl -o $out/lh.jsonl --exit-code 0" \
    "$kf scan $dir/tree --git-history none -n -q -f json -o $out/kf.json" \
    "$gl dir $dir/tree --no-banner --report-format json -r $out/gl.json --exit-code 0"
fi

if [ "$what" = history ] || [ "$what" = all ]; then
  if $lh git --help >/dev/null 2>&1; then
    $lh git "$dir/history.git" -q -f jsonl --no-redact -o "$out/lh-git.jsonl" --exit-code 0
    missing=$(python3 - "$dir/history.git.planted.jsonl" "$out/lh-git.jsonl" <<'PY'
import json, sys
planted = [json.loads(l) for l in open(sys.argv[1])]
found = {json.loads(l)["secret"] for l in open(sys.argv[2])}
print(sum(1 for p in planted if p["secret"] not in found))
PY
)
    echo "history: $(wc -l < "$out/lh-git.jsonl") findings; planted tokens missed: $missing"
    if [ "$missing" != 0 ]; then echo "FAIL: planted tokens missed"; exit 1; fi
    compare history \
      "$lh git $dir/history.git -q --no-progress -f jsonl -o $out/lh-git.jsonl --exit-code 0" \
      "$kf scan $dir/history.git -n -q -f json -o $out/kf-git.json" \
      "$gl git $dir/history.git --no-banner --log-opts=--all --report-format json -r $out/gl-git.json --exit-code 0"
  else
    echo "history: leakhound has no git command in this build; skipped"
  fi
fi

if [ "$what" = real ]; then
  real=$dir/real/django.git
  [ -f "$real/HEAD" ] || bash "$here/make-real-repo.sh" "$dir/real" >&2
  echo "real: django.git, $(git -C "$real" rev-list --all | wc -l) commits, $(git -C "$real" cat-file --batch-all-objects --batch-check | awk '$2=="blob" {n++; s+=$3} END {printf "%d blobs, %.0f MB", n, s/1e6}')"
  $lh git "$real" -q -f jsonl -o "$out/lh-real.jsonl" --exit-code 0
  echo "real: leakhound reports $(wc -l < "$out/lh-real.jsonl") findings"
  echo "load before timing: $(uptime | sed 's/.*load average/load average/')"
  compare real \
    "$lh git $real -q --no-progress -f jsonl -o $out/lh-real.jsonl --exit-code 0" \
    "$kf scan $real -n -q -f json -o $out/kf-real.json" \
    "$gl git $real --no-banner --log-opts=--all --report-format json -r $out/gl-real.json --exit-code 0"
  echo "load after timing: $(uptime | sed 's/.*load average/load average/')"
fi

if [ "$what" = staged ] || [ "$what" = all ]; then
  if $lh git --help 2>/dev/null | grep -q -- --staged; then
    clone=$dir/staged-clone
    if [ ! -d "$clone/.git" ]; then
      rm -rf "$clone"
      git clone -q --no-checkout "$dir/history.git" "$clone"
      # history.git's HEAD names a branch that does not exist: check out its real branch, so the
      # index holds the whole tree (22,770 files) as in a large working repository.
      git -C "$clone" checkout -q "$(git -C "$dir/history.git" for-each-ref --format='%(refname:short)' refs/heads | head -1)"
    fi
    git -C "$clone" reset -q --hard
    git -C "$clone" clean -qfd
    echo "staged: $(git -C "$clone" ls-files | wc -l) files in the index, 10 staged"
    for i in $(seq 1 10); do printf 'value_%s = "%s"\n' "$i" "$RANDOM$RANDOM" >> "$clone/staged_$i.txt"; done
    git -C "$clone" add staged_*.txt
    hyperfine -N -w 3 -r 20 -i --export-json "$out/staged.json" -n "leakhound git --staged (10 files)" \
      "$lh git --staged $clone -q --no-progress --exit-code 0" \
      -n "gitleaks protect --staged (10 files)" "$gl git --staged $clone --no-banner --exit-code 0" >/dev/null
    read -r t_lh t_gl < <(median "$out/staged.json")
    echo "staged    leakhound ${t_lh} s   gitleaks ${t_gl} s   (target: leakhound <= 0.050 s)"
    git -C "$clone" reset -q --hard
  else
    echo "staged: leakhound has no git --staged in this build; skipped"
  fi
fi
