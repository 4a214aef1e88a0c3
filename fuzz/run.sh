#!/usr/bin/env bash
# Builds every fuzz target once, then runs each for SECONDS (default 600), two at a time at most
# (the build machines have two cores), and prints one line per target: executions and crashes.
#
#   fuzz/run.sh [SECONDS]
#   FUZZ_TARGETS="report checks" fuzz/run.sh 600     # only these targets
#
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
# SANITIZER=address (or another) to build with a sanitizer; the default is none: the library
# denies `unsafe` code and these targets (but git_corruption) do not reach libgit2's C code, so a
# sanitizer would find little (SANITIZER=address is worth it for git_corruption), while
# uninstrumented targets run several times more inputs per second.
# Crashing inputs land in fuzz/artifacts/<target>/; copy each to fixtures/hostile/ and add it to
# the replay test in tests/cli/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-600}"
SANITIZER="${SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1
read -r -a TARGETS <<<"${FUZZ_TARGETS:-rules_yaml scan_bytes report checks ignore_files git_corruption}"
LOGS=artifacts/logs
mkdir -p "$LOGS"

cargo fuzz build -a --sanitizer "$SANITIZER"

run_one() {
    local t=$1
    mkdir -p "corpus/$t" "artifacts/$t"
    # Seeds: the rule files and scan fixtures give the fuzzer real structure to mutate.
    case $t in
        rules_yaml) cp -n ../rules/*.yml "corpus/$t/" 2>/dev/null || true ;;
        scan_bytes | report) find ../fixtures/scan -type f -size -64k -exec cp -n {} "corpus/$t/" \; 2>/dev/null || true ;;
    esac
    cargo fuzz run -a --sanitizer "$SANITIZER" "$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
        >"$LOGS/$t.log" 2>&1 || true
    local runs crashes
    runs=$(grep -Eo '^#[0-9]+' "$LOGS/$t.log" | tail -1 | tr -d '#')
    runs=$(grep -Eo 'Done [0-9]+ runs' "$LOGS/$t.log" | grep -Eo '[0-9]+' || echo "${runs:-0}")
    crashes=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-14s %6ss  runs=%-12s crashes=%s\n' "$t" "$SECONDS_PER_TARGET" "$runs" "$crashes"
}

pids=()
for t in "${TARGETS[@]}"; do
    run_one "$t" &
    pids+=($!)
    if ((${#pids[@]} == 2)); then
        wait "${pids[0]}"
        pids=("${pids[@]:1}")
    fi
done
wait
